// Dataset page: description, downloads, data dictionary, charts (an <img> of the cached chart SVG,
// text and a summary of the data, none of which grows with the data; the inline SVG and the full
// table are on each chart page), run report and update schedule. Everything readable without JavaScript.
import { datasetJsonLd, jsonLdScript } from '../../publisher/jsonld.ts';
import type { ChartArtifact, ChartManifest, DatasetManifest, Manifest } from '../../publisher/manifest.ts';
import { describeCron, nextRun } from '../../pipelines/schedule.ts';
import { DEFAULT_CHART_WIDTH } from '../charts/render-svg.ts';
import { ageChangesAt, formatAge, formatBytes, formatDateTime, formatInt } from '../format.ts';
import { html, raw, type SafeHtml } from '../html.ts';
import { layout } from '../layout.ts';
import { chartSummary } from './chart-table.ts';

export interface RenderedChart {
  entry: ChartManifest;
  artifact: ChartArtifact | null;
  svg: string | null;
}

const FORMAT_LABEL = { csv: 'CSV', parquet: 'Parquet', json: 'JSON' } as const;
// The page's own typography is written as character references, so a page whose data is ASCII is
// ASCII throughout: clients that decode bodies as strings (load generators among them) take the
// fast path. Data is never rewritten this way: the X3 scan reads the rendered text as is.
const ELLIPSIS = raw('&hellip;');


/** Pixel size of a rendered chart SVG, from its root element's width/height (else its viewBox). */
export function svgSize(svg: string): { width: number; height: number } | null {
  const root = /^\s*(?:<\?xml[^>]*>\s*)?<svg\b([^>]*)>/.exec(svg)?.[1];
  if (!root) return null;
  const attr = (name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(root)?.[1];
  let width = Number.parseFloat(attr('width') ?? '');
  let height = Number.parseFloat(attr('height') ?? '');
  if (!(width > 0 && height > 0)) {
    const box = (attr('viewBox') ?? '').trim().split(/[\s,]+/).map(Number);
    [width, height] = [box[2], box[3]];
  }
  return width > 0 && height > 0 && Number.isFinite(width) && Number.isFinite(height)
    ? { width: Math.round(width), height: Math.round(height) }
    : null;
}

/** Size given to a chart image whose SVG has none: the default chart width at 5:3 (CSS scales it). */
const FALLBACK_SIZE = { width: DEFAULT_CHART_WIDTH, height: Math.round((DEFAULT_CHART_WIDTH * 3) / 5) };

function chartSection(ds: DatasetManifest, c: RenderedChart, index: number): SafeHtml {
  const base = `chart-${index}`;
  const title = c.artifact?.title ?? c.entry.title;
  const description = c.artifact?.description ?? c.entry.description;
  const href = `/datasets/${ds.id}/charts/${encodeURIComponent(c.entry.id)}`;
  // The chart is an image of the SVG the chart route already serves (rendered once per release,
  // with an ETag): inlined, its marks and their labels made the page grow with the data. Its
  // width and height reserve the space before it loads; the style scales it down on narrow screens.
  const size = c.svg ? (svgSize(c.svg) ?? FALLBACK_SIZE) : null;
  const alt = description ? `${title}: ${description}` : title;
  const image = size
    ? html`<img src="${href}.svg" alt="${alt}" width="${String(size.width)}" height="${String(size.height)}" loading="lazy" decoding="async" style="display:block;max-width:100%;height:auto">`
    : html`<p class="meta">This chart could not be drawn; a summary of its data is below when available, and the full table is on the chart page.</p>`;
  const a = c.artifact;
  // The full table is on the chart page only: inlined here it made the page grow with the data.
  const summary = a ? chartSummary(a, title, href) : '';
  return html`<figure class="chart" aria-labelledby="${base}-title">
<h3 id="${base}-title">${title}</h3>
${image}
<figcaption><p id="${base}-desc">${description}</p>
<p><a href="${href}">Chart page: interactive view, downloads, embed code and data</a> &middot;
<a href="${href}.svg">Chart as an SVG image</a></p></figcaption>
</figure>
${summary}
`;
}

function ruleTable(caption: string, counts: Record<string, number>, empty: string): SafeHtml {
  const entries = Object.entries(counts);
  if (!entries.length) return html`<p>${empty}</p>`;
  return html`<div class="table-wrap"><table>
<caption>${caption}</caption>
<thead><tr><th scope="col">Rule</th><th scope="col">Rows</th></tr></thead>
<tbody>${entries.map(([rule, n]) => html`<tr><th scope="row"><code>${rule}</code></th><td class="num">${formatInt(n)}</td></tr>`)}</tbody>
</table></div>`;
}

export interface DatasetPageOptions {
  /** The site's origin, for absolute URLs in the JSON-LD; without it they are root-relative. */
  baseUrl?: string;
}

/** The next scheduled run after `now`, or null when the schedule gives none. */
function safeNextRun(schedule: string, tz: string, now: Date): Date | null {
  try {
    return nextRun(schedule, tz, now);
  } catch {
    return null;
  }
}

/** The next scheduled run as a sentence, or why there is none. */
function nextRunText(schedule: string, tz: string, now: Date): SafeHtml {
  const next = safeNextRun(schedule, tz, now);
  if (!next) return html`<p>No next run could be computed from this schedule.</p>`;
  const iso = next.toISOString();
  return html`<p>Next scheduled run: <time datetime="${iso}">${formatDateTime(iso, tz)}</time> <span class="meta">(${tz})</span>.
A run publishes a new release only when it succeeds; see the <a href="/status">run status</a>.</p>`;
}

/** Until when (ms since the epoch) the page rendered at `now` reads the same: its age and next run. */
export function datasetPageUntil(manifest: Manifest, ds: DatasetManifest, now: Date): number {
  const next = safeNextRun(ds.schedule, manifest.agency.timezone, now);
  return Math.min(ageChangesAt(ds.updatedAt, now), next ? next.getTime() : Infinity);
}

export function datasetPage(manifest: Manifest, ds: DatasetManifest, charts: RenderedChart[], now: Date, opts: DatasetPageOptions = {}): string {
  const tz = manifest.agency.timezone;
  const r = ds.report;
  const downloads = ds.files.map(
    (f) => html`<li><a href="/datasets/${ds.id}/rows.${f.format}" download>${FORMAT_LABEL[f.format]} &mdash; all rows</a>
<span class="meta">(${formatBytes(f.bytes)}, ${f.sha256
      ? html`SHA-256 <code>${f.sha256.slice(0, 12)}&hellip;</code>`
      : html`stored in ${formatInt(f.parts?.length ?? 0)} parts, each with its SHA-256 in the release manifest`})</span></li>`,
  );
  const dictionary = html`<div class="table-wrap"><table>
<caption>Data dictionary: ${formatInt(ds.columns.length)} columns of ${ds.name}</caption>
<thead><tr><th scope="col">Column</th><th scope="col">Title</th><th scope="col">Type</th><th scope="col">Description</th><th scope="col">Rules applied</th></tr></thead>
<tbody>${ds.columns.map(
    (c) => html`<tr><th scope="row"><code>${c.name}</code></th><td>${c.title}</td><td>${c.type}</td><td>${c.description}${
      c.example ? html`<br><span class="meta">Example: <code>${c.example}</code></span>` : ''
    }</td><td>${c.rules.length ? c.rules.map((id, i) => html`${i ? ', ' : ''}<a href="/privacy/rules/${encodeURIComponent(id)}"><code>${id}</code></a>`) : html`<span class="meta">none</span>`}</td></tr>`,
  )}</tbody>
</table></div>`;
  const body = html`<p><a href="/">All datasets</a></p>
<h1>${ds.name}</h1>
<p>${ds.description}</p>
<dl class="facts">
<dt>Dataset id</dt><dd><code>${ds.id}</code></dd>
<dt>Category</dt><dd>${ds.category}</dd>
${ds.keywords.length ? html`<dt>Keywords</dt><dd>${ds.keywords.join(', ')}</dd>` : ''}
<dt>Rows</dt><dd>${formatInt(ds.rowCount)}</dd>
<dt>Last updated</dt><dd><time datetime="${ds.updatedAt}">${formatDateTime(ds.updatedAt, tz)}</time> <span class="meta">(${formatAge(ds.updatedAt, now)})</span></dd>
${ds.temporal.start || ds.temporal.end ? html`<dt>Covers</dt><dd>${ds.temporal.start ?? ELLIPSIS} to ${ds.temporal.end ?? ELLIPSIS}</dd>` : ''}
</dl>
<h2>Downloads</h2>
<ul class="downloads">${downloads}</ul>
<p>Release feed: <a href="/datasets/${ds.id}/feed.atom">Atom feed of releases of this dataset</a>.
Changes between releases: <a href="/datasets/${ds.id}/changelog">changelog of rows and columns</a>.</p>
<p>API: <a href="/resource/${ds.id}.json"><code>/resource/${ds.id}.json</code></a> (Socrata-compatible paging with <code>$limit</code> and <code>$offset</code>).</p>
<h2>Data dictionary</h2>
${dictionary}
<h2>Charts</h2>
${charts.length ? charts.map((c, i) => chartSection(ds, c, i + 1)) : html`<p>No charts are published for this dataset.</p>`}
<h2>Run report</h2>
<dl class="facts">
<dt>Rows read</dt><dd>${formatInt(r.rowsRead)}</dd>
<dt>Quarantined</dt><dd>${formatInt(r.quarantined)}</dd>
<dt>Withheld</dt><dd>${formatInt(Object.values(r.withheldByRule).reduce((a, b) => a + b, 0))}</dd>
<dt>Published</dt><dd>${formatInt(r.published)}</dd>
</dl>
${ruleTable('Rows withheld, by rule', r.withheldByRule, 'No rows were withheld by a rule.')}
${ruleTable('Rows changed, by rule', r.touchedByRule, 'No values were changed by a rule.')}
${r.unknownColumns.length ? html`<p>Source columns not published (unknown to the dataset definition): ${r.unknownColumns.map((c, i) => html`${i ? ', ' : ''}<code>${c}</code>`)}</p>` : ''}
<h2>Update schedule</h2>
<p>Refreshed on a schedule: ${describeCron(ds.schedule)}, ${tz} time (cron <code>${ds.schedule}</code>).</p>
${nextRunText(ds.schedule, tz, now)}
${raw(jsonLdScript(datasetJsonLd(ds, manifest, opts.baseUrl ?? '')))}`;
  return layout({
    title: ds.name,
    agencyName: manifest.agency.name,
    body,
    generatedAt: now,
    releaseId: manifest.releaseId,
    nav: 'datasets',
    feeds: [{ href: `/datasets/${ds.id}/feed.atom`, title: `${ds.name}: releases` }],
  });
}
