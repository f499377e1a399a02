// One chart's own page (/datasets/:id/charts/:chartId) and its framable embed (/embed/:id/:chartId).
// The server-rendered SVG, its text description and the data table work without JavaScript; the
// interactive view (vega + vega-lite bundles and chart-view.js, all from 'self') is an extra.
import type { ChartArtifact, DatasetManifest, Manifest } from '../../publisher/manifest.ts';
import { specWithData } from '../charts/export.ts';
import { inlineSvg } from '../charts/render-svg.ts';
import { formatInt } from '../format.ts';
import { escapeHtml, html, raw, type SafeHtml } from '../html.ts';
import { layout } from '../layout.ts';
import { chartTable } from './chart-table.ts';

export const CHART_SCRIPTS = ['/assets/vega.min.js', '/assets/vega-lite.min.js', '/assets/chart-view.js'];

/** Minimum cell size of the published aggregates (rule X7); smaller counts are withheld. */
const X7_NOTE = 'Counts below 11 are suppressed under rule X7: the cell is left empty and the row is marked as suppressed.';

/** JSON inside a non-executed <script type="application/json"> data block, safe against `</script>`. */
function jsonBlock(id: string, value: unknown): SafeHtml {
  const json = JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return html`<script type="application/json" id="${id}">${raw(json)}</script>`;
}

export function chartBase(ds: DatasetManifest, chartId: string): string {
  return `/datasets/${ds.id}/charts/${encodeURIComponent(chartId)}`;
}

export function embedSnippet(origin: string, ds: DatasetManifest, a: ChartArtifact): string {
  const src = `${origin}/embed/${ds.id}/${encodeURIComponent(a.id)}`;
  return `<iframe src="${escapeHtml(src)}" title="${escapeHtml(a.title)}" width="100%" height="520" style="border:0;max-width:760px" loading="lazy"></iframe>`;
}

export function chartPage(
  manifest: Manifest,
  ds: DatasetManifest,
  a: ChartArtifact,
  svg: string | null,
  origin: string,
  now: Date,
): string {
  const base = chartBase(ds, a.id);
  const figure = svg
    ? raw(inlineSvg(svg, 'chart-', 'chart-title', 'chart-desc'))
    : html`<p class="meta">This chart could not be drawn; its data is in the table below.</p>`;
  const body = html`<p class="crumbs"><a href="/">Datasets</a> › <a href="/datasets/${ds.id}">${ds.name}</a> › Chart</p>
<h1 id="chart-title">${a.title}</h1>
<figure class="chart" aria-labelledby="chart-title">
${figure}
<figcaption><p id="chart-desc">${a.description}</p>
<p class="meta">From release <code>${manifest.releaseId}</code> of ${ds.name}.${a.suppressedCells ? ` ${formatInt(a.suppressedCells)} small ${a.suppressedCells === 1 ? 'cell is' : 'cells are'} suppressed.` : ''}</p></figcaption>
</figure>
<p><a href="#data">Skip to the data behind this chart</a></p>
<h2 id="interactive-title">Interactive view</h2>
<div class="vega-view" data-vega-spec="chart-spec" data-label="${a.title} (interactive)">
<p class="meta" data-vega-placeholder>The interactive view, with values on hover, needs JavaScript. The chart above and the table below show the same data.</p>
</div>
<h2 id="data">Data behind this chart</h2>
<p>${X7_NOTE}</p>
${chartTable(a, a.title)}
<p><a href="${base}.csv" download>Download this table as CSV</a></p>
<h2>Downloads</h2>
<ul class="downloads">
<li><a href="${base}.png" download>PNG image</a> <span class="meta">(1280 pixels wide)</span></li>
<li><a href="${base}.svg" download>SVG image</a></li>
<li><a href="${base}.vl.json" download>Vega-Lite specification</a> <span class="meta">(JSON, with the data inlined)</span></li>
<li><a href="${base}.csv" download>Data behind this chart (CSV)</a></li>
<li><a href="/datasets/${ds.id}">All rows of ${ds.name}</a></li>
</ul>
<h2>Embed this chart</h2>
<p>Copy this code into your page. The embedded chart is updated with each release.</p>
<label for="embed-code"><span class="hint">Embed code</span></label>
<pre class="snippet" id="embed-code" tabindex="0">${embedSnippet(origin, ds, a)}</pre>
<p><a href="/embed/${ds.id}/${encodeURIComponent(a.id)}">Preview the embedded chart</a></p>
${jsonBlock('chart-spec', specWithData(a, { tooltips: true }))}`;
  return layout({
    title: a.title,
    agencyName: manifest.agency.name,
    body,
    generatedAt: now,
    releaseId: manifest.releaseId,
    nav: 'datasets',
    scripts: CHART_SCRIPTS,
  });
}

const EMBED_CSS = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff}
main{padding:.5rem}
h1{font-size:1.1rem;margin:0 0 .25rem}
p{margin:.25rem 0}
a{color:#0b4fa3}
a:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.meta{color:#4a4f57;font-size:.85rem}
.vega-view{position:relative}
.vega-view svg{display:block;width:100%;height:auto;max-width:100%}
.vega-tip{position:absolute;z-index:5;background:#fff;border:1px solid #4a4f57;border-radius:4px;padding:.3rem .5rem;font-size:.85rem;max-width:220px;pointer-events:none}
`;

/** A minimal page meant for an iframe on another site: the chart, its description and a source link. */
export function embedPage(manifest: Manifest, ds: DatasetManifest, a: ChartArtifact, svg: string | null, origin: string): string {
  const pageUrl = `${origin}${chartBase(ds, a.id)}`;
  const figure = svg
    ? raw(inlineSvg(svg, 'embed-', 'embed-title', 'embed-desc'))
    : html`<p class="meta">This chart could not be drawn.</p>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${a.title} · ${manifest.agency.name} open data</title>
<link rel="canonical" href="${pageUrl}">
<style>${raw(EMBED_CSS)}</style>
</head>
<body>
<main>
<h1 id="embed-title">${a.title}</h1>
<div class="vega-view" data-vega-spec="chart-spec" data-label="${a.title}">
<div data-vega-placeholder>${figure}</div>
</div>
<p id="embed-desc" class="meta">${a.description}</p>
<p class="meta">Source: ${manifest.agency.name}, ${ds.name}, release <code>${manifest.releaseId}</code>.
<a href="${pageUrl}#data" target="_blank" rel="noopener">Data behind this chart</a></p>
</main>
${jsonBlock('chart-spec', specWithData(a, { tooltips: true }))}
${CHART_SCRIPTS.map((src) => html`<script src="${src}"></script>\n`)}</body>
</html>
`.value;
}
