// The dataset page shows each chart as an image of its SVG route and summarizes its data, in a size
// that does not grow with it; the chart page carries the inline SVG and the full table. Fixture
// charts with hundreds of rows are added to the fixture release.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChartArtifact, Manifest } from '../../../publisher/manifest.ts';
import { chartPage } from '../../../site/pages/chart.ts';
import { SUMMARY_ROWS } from '../../../site/pages/chart-table.ts';
import { datasetPage, svgSize, type RenderedChart } from '../../../site/pages/dataset.ts';
import { INCIDENTS_ID, buildRelease, makeDataDir, pointCurrent } from '../fixture-release.ts';
import { runApp, type Running } from '../helpers.ts';

const RELEASE = '20250301T060000Z';
const NOW = new Date('2025-03-04T12:00:00Z');
const code = (i: number) => `Code ${String(i).padStart(4, '0')}`;

/** `n` categories, the first the largest; every 40th count withheld (from the 21st). */
function byCode(n: number): ChartArtifact {
  const rows = Array.from({ length: n }, (_, i) => ({ code: code(i + 1), incidents: i % 40 === 20 ? null : 100_000 - i * 20, suppressed: i % 40 === 20 }));
  return {
    id: 'by-code', datasetId: INCIDENTS_ID, title: 'Incidents by code', description: 'Bar chart of incidents per offense code.',
    spec: { mark: 'bar', encoding: { y: { field: 'code', type: 'nominal', title: 'Code' }, x: { field: 'incidents', type: 'quantitative' } } },
    fields: [{ name: 'code', title: 'code', type: 'text' }, { name: 'incidents', title: 'incidents', type: 'number' }, { name: 'suppressed', title: 'suppressed (X7)', type: 'boolean' }],
    rows, suppressedCells: rows.filter((r) => r.suppressed).length,
  };
}

/** `months` months from January 2009 × three kinds; in the last month Beta and Gamma are withheld. */
function monthlyByKind(months: number): ChartArtifact {
  const rows: ChartArtifact['rows'] = [];
  for (let m = 0; m < months; m++) {
    const month = `${2009 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}-01T00:00:00`;
    for (const [k, kind] of ['Alpha', 'Beta', 'Gamma'].entries()) {
      const hide = m === months - 1 && kind !== 'Alpha';
      rows.push({ month, kind, incidents: hide ? null : 1_000 + m * 3 + k, suppressed: hide });
    }
  }
  return {
    id: 'monthly-by-kind', datasetId: INCIDENTS_ID, title: 'Incidents per month, by kind', description: 'Line chart of incidents each month, one line per kind.',
    spec: { mark: { type: 'line', point: true }, encoding: { x: { field: 'month', type: 'temporal' }, y: { field: 'incidents', type: 'quantitative' }, color: { field: 'kind', type: 'nominal' } } },
    fields: [{ name: 'month', title: 'month', type: 'timestamp' }, { name: 'kind', title: 'kind', type: 'text' }, { name: 'incidents', title: 'incidents', type: 'number' }, { name: 'suppressed', title: 'suppressed (X7)', type: 'boolean' }],
    rows, suppressedCells: rows.filter((r) => r.suppressed).length,
  };
}

/** The dataset page's charts section, between its heading and the run report. */
function chartsSection(page: string): string {
  return page.slice(page.indexOf('<h2>Charts</h2>'), page.indexOf('<h2>Run report</h2>'));
}

/** The chart images of a page, by src, with their attributes. */
function images(page: string): Map<string, Record<string, string>> {
  const found = new Map<string, Record<string, string>>();
  for (const [tag] of page.matchAll(/<img\b[^>]*>/g)) {
    const attrs = Object.fromEntries([...tag.matchAll(/\s([a-z-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    found.set(attrs.src, attrs);
  }
  return found;
}

/** Each table has a caption and headers with a scope; every table is closed. */
function expectAccessibleTables(section: string): void {
  const tables = section.match(/<table>[\s\S]*?<\/table>/g) ?? [];
  expect(tables.length).toBeGreaterThan(0);
  expect(section.match(/<table\b/g)).toHaveLength(tables.length);
  for (const t of tables) {
    expect(t).toMatch(/^<table>\n<caption>[^<]/);
    for (const th of t.match(/<th\b[^>]*>/g) ?? []) expect(th).toMatch(/scope="(row|col)"/);
  }
}

let dataDir: string;
let manifest: Manifest;
let app: Running;
const big = byCode(200);
const monthly = monthlyByKind(100);

beforeAll(async () => {
  dataDir = await makeDataDir();
  await buildRelease(dataDir, { releaseId: RELEASE });
  const dir = path.join(dataDir, 'releases', RELEASE);
  const raw = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  const incidents = raw.datasets.find((d: { id: string }) => d.id === INCIDENTS_ID);
  for (const a of [big, monthly]) {
    const rel = `datasets/${INCIDENTS_ID}/charts/${a.id}.json`;
    await writeFile(path.join(dir, rel), JSON.stringify(ChartArtifact.parse(a)));
    incidents.charts.push({ id: a.id, title: a.title, description: a.description, path: rel });
  }
  manifest = Manifest.parse(raw);
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  await pointCurrent(dataDir, RELEASE);
  app = await runApp(dataDir, () => NOW);
});

afterAll(async () => {
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('dataset page with large chart aggregates', () => {
  let page: string;
  let charts: string;
  beforeAll(async () => {
    const res = await app.get(`/datasets/${INCIDENTS_ID}`);
    expect(res.status).toBe(200);
    page = await res.text();
    charts = chartsSection(page);
  });

  it('keeps every chart: title, an image of its SVG route with alt text and size, description and links', async () => {
    expect(page).not.toContain('<svg');
    const imgs = images(charts);
    expect(imgs.size).toBe(4);
    for (const [i, a] of [[3, big], [4, monthly]] as const) {
      expect(charts).toContain(`<h3 id="chart-${i}-title">${a.title}</h3>`);
      const src = `/datasets/${INCIDENTS_ID}/charts/${a.id}.svg`;
      const img = imgs.get(src);
      expect(img, src).toBeDefined();
      expect(img!.alt).toBe(`${a.title}: ${a.description}`);
      expect(img).toMatchObject({ loading: 'lazy', decoding: 'async' });
      // The size the chart route's SVG is drawn at, so the image's space is reserved before it loads.
      const svg = await app.get(src);
      expect(svg.status).toBe(200);
      expect(svg.headers.get('content-type')).toBe('image/svg+xml');
      const size = svgSize(await svg.text());
      expect(size).not.toBeNull();
      expect(img).toMatchObject({ width: String(size!.width), height: String(size!.height) });
      // The image comes right before the description, then the summary of its data.
      expect(charts).toMatch(new RegExp(`<h3 id="chart-${i}-title">[^<]*</h3>\\n<img [^>]*src="${src}"[^>]*>\\n<figcaption><p id="chart-${i}-desc">`));
      expect(charts.indexOf(`Summary of the data for the chart &ldquo;${a.title}&rdquo;`)).toBeGreaterThan(charts.indexOf(src));
      expect(charts).toContain(`<p id="chart-${i}-desc">${a.description}</p>`);
      expect(charts).toContain(`<a href="/datasets/${INCIDENTS_ID}/charts/${a.id}">Chart page: interactive view, downloads, embed code and data</a>`);
      expect(charts).toContain(`<a href="/datasets/${INCIDENTS_ID}/charts/${a.id}.svg">Chart as an SVG image</a>`);
    }
  });

  it('stays under 40 KB with a 200-row and a 300-row chart (it was 223 KB with the SVGs inline)', () => {
    expect(Buffer.byteLength(page)).toBeLessThan(40_000);
  });

  it('does not carry the full table of a 200-row chart, and links to it', () => {
    expect(charts).not.toContain('Data for the chart &ldquo;Incidents by code&rdquo;');
    expect(charts).not.toContain(code(200));
    expect(charts).not.toContain(code(SUMMARY_ROWS + 1));
    for (let i = 1; i <= SUMMARY_ROWS; i++) expect(charts).toContain(`<th scope="row">${code(i)}</th><td class="num">`);
    expect(charts).toContain(`<a href="/datasets/${INCIDENTS_ID}/charts/by-code#data">Full data table (200 rows) on the chart page</a>`);
    expect(charts).toContain('<caption>The 5 largest of 200 rows, by incidents</caption>');
    expect(charts).toContain('<tr><th scope="row">Rows in the full table</th><td class="num">200</td></tr>');
    expect(charts).toContain('<tr><th scope="row">code</th><td>200 values</td></tr>');
  });

  it('states the suppressed cells and totals only the cells shown', () => {
    expect(big.suppressedCells).toBe(5);
    expect(charts).toContain('<caption>Summary of the data for the chart &ldquo;Incidents by code&rdquo; (5 small cells suppressed)</caption>');
    const shown = big.rows.reduce((s, r) => s + (typeof r.incidents === 'number' ? r.incidents : 0), 0);
    expect(charts).toContain(`<th scope="row">Total incidents, cells shown</th><td class="num">${shown.toLocaleString('en-US')} <span class="meta">(not counting 5 suppressed cells)</span></td>`);
  });

  it('summarizes a time series by its range and its latest period, suppressed cells saying so', () => {
    expect(charts).toContain('<caption>Summary of the data for the chart &ldquo;Incidents per month, by kind&rdquo; (2 small cells suppressed)</caption>');
    expect(charts).toContain('<tr><th scope="row">month</th><td>100 values, from 2009-01-01T00:00:00 to 2017-04-01T00:00:00</td></tr>');
    expect(charts).toContain('<tr><th scope="row">kind</th><td>3 values</td></tr>');
    expect(charts).toContain('<caption>Latest month in the data (2017-04-01T00:00:00): all 3 of its rows</caption>');
    expect(charts).toContain('<tr><th scope="row">2017-04-01T00:00:00</th><td>Alpha</td><td class="num">1,297</td><td>false</td></tr>');
    for (const kind of ['Beta', 'Gamma']) {
      expect(charts).toContain(`<tr><th scope="row">2017-04-01T00:00:00</th><td>${kind}</td><td class="num suppressed">suppressed</td><td>true</td></tr>`);
    }
    expect(charts).not.toContain('<th scope="row">2009-01-01T00:00:00</th>');
    expect(charts).not.toContain('<th scope="row">2017-03-01T00:00:00</th>');
    expect(charts).toContain(`<a href="/datasets/${INCIDENTS_ID}/charts/monthly-by-kind#data">Full data table (300 rows) on the chart page</a>`);
  });

  it('still shows a small aggregate (at most 5 rows) in full', () => {
    expect(charts).toContain('<caption>Data for the chart &ldquo;Incidents by category&rdquo; (1 small cell suppressed)</caption>');
    expect(charts).toContain('<th scope="row">Unknown &lt;none&gt;</th><td class="num suppressed">suppressed</td>');
    expect(charts).toContain(`<a href="/datasets/${INCIDENTS_ID}/charts/by-category#data">Full data table (5 rows) on the chart page</a>`);
  });

  it('keeps the tables accessible: captions, header scopes, headings in order', () => {
    expectAccessibleTables(charts);
    const levels = [...page.matchAll(/<h([1-6])\b/g)].map((m) => Number(m[1]));
    for (let i = 1; i < levels.length; i++) expect(levels[i] - levels[i - 1]).toBeLessThanOrEqual(1);
    // Tables that may scroll sideways at 375px take the keyboard focus, as labelled regions.
    const wraps = charts.match(/<div class="table-wrap"[^>]*>/g) ?? [];
    expect(wraps.length).toBe((charts.match(/<table>/g) ?? []).length);
    for (const w of wraps) expect(w).toMatch(/^<div class="table-wrap" role="region" aria-label="[^"]+" tabindex="0">$/);
    expect(charts).toContain('<div class="table-wrap" role="region" aria-label="Summary of the data for the chart: Incidents by code" tabindex="0">');
    // No table row outside the summaries: at most SUMMARY_ROWS data rows per excerpt.
    for (const t of charts.match(/<table>[\s\S]*?<\/table>/g) ?? []) {
      expect((t.match(/<tr>/g) ?? []).length).toBeLessThanOrEqual(SUMMARY_ROWS + 1);
    }
  });
});

describe('chart page', () => {
  it('has the full accessible data table of a 200-row chart, suppressed cells saying so', async () => {
    const res = await app.get(`/datasets/${INCIDENTS_ID}/charts/by-code`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('<h2 id="data">Data behind this chart</h2>');
    const table = body.match(/<table>\n<caption>Data for the chart &ldquo;Incidents by code&rdquo; \(5 small cells suppressed\)<\/caption>[\s\S]*?<\/table>/)?.[0];
    expect(table).toBeDefined();
    expect(table!.match(/<tbody>[\s\S]*<\/tbody>/)![0].match(/<tr>/g)).toHaveLength(200);
    expect(table).toContain(`<th scope="row">${code(200)}</th><td class="num">96,020</td>`);
    expect(table).toContain(`<th scope="row">${code(21)}</th><td class="num suppressed">suppressed</td>`);
    expect(table!.match(/class="num suppressed">suppressed</g)).toHaveLength(5);
    expect(body).toContain('5 small cells are suppressed.');
    expectAccessibleTables(table!);
  });

  it('still inlines the chart as SVG', async () => {
    const body = await (await app.get(`/datasets/${INCIDENTS_ID}/charts/by-code`)).text();
    expect(body).toMatch(/<svg[^>]*role="img"/);
    expect(body).not.toMatch(/<img\b[^>]*src="[^"]*by-code\.svg"/);
  });
});

describe('dataset page size', () => {
  const entry = (a: ChartArtifact) => ({ id: a.id, title: a.title, description: a.description, path: `x/${a.id}.json` });
  const render = (artifacts: ChartArtifact[], svg: string | null = null) => {
    const ds = { ...manifest.datasets.find((d) => d.id === INCIDENTS_ID)!, charts: [] };
    const charts: RenderedChart[] = artifacts.map((a) => ({ entry: entry(a), artifact: a, svg }));
    return datasetPage(manifest, ds, charts, NOW);
  };

  it('does not grow with the rows of the chart aggregates', () => {
    const small = render([byCode(200), monthlyByKind(100)]);
    const large = render([byCode(20_000), monthlyByKind(180 * 6)]);
    // Only the numbers written in the summary (row counts, totals, periods) differ.
    expect(Math.abs(large.length - small.length)).toBeLessThan(200);
    expect(Buffer.byteLength(large)).toBeLessThan(20_000);
    expect(large).not.toContain(code(20_000));
  });

  it('does not grow with the rendered SVG: only its size is read from it', () => {
    const mark = '<path aria-label="month: Jan 1, 2009; incidents: 1,000" d="M0,0h1v1h-1Z"/>';
    const tiny = render([byCode(200), monthlyByKind(100)], '<svg xmlns="http://www.w3.org/2000/svg" width="700" height="300" viewBox="0 0 700 300"></svg>');
    const huge = render([byCode(200), monthlyByKind(100)], `<svg xmlns="http://www.w3.org/2000/svg" width="700" height="300" viewBox="0 0 700 300">${mark.repeat(10_000)}</svg>`);
    expect(huge).toBe(tiny);
    expect(Buffer.byteLength(huge)).toBeLessThan(40_000);
    expect(huge).not.toContain('<svg');
    expect(huge).toContain(`<img src="/datasets/${INCIDENTS_ID}/charts/by-code.svg" alt="Incidents by code: Bar chart of incidents per offense code." width="700" height="300" loading="lazy" decoding="async"`);
  });

  it('keeps the fallback message, and no image, for a chart that could not be drawn', () => {
    const page = render([byCode(200)], null);
    expect(page).not.toContain('<img');
    expect(page).toContain('This chart could not be drawn; a summary of its data is below when available, and the full table is on the chart page.');
    expect(page).toContain('<caption>Summary of the data for the chart &ldquo;Incidents by code&rdquo; (5 small cells suppressed)</caption>');
  });

  it('escapes the alt text and encodes the chart id in the image URL', () => {
    const a = { ...byCode(3), id: 'by code/x', title: 'A "quoted" <b>title</b>', description: "It's & more" };
    const page = render([a], '<svg width="640" height="400"></svg>');
    expect(page).toContain(`<img src="/datasets/${INCIDENTS_ID}/charts/by%20code%2Fx.svg" alt="A &quot;quoted&quot; &lt;b&gt;title&lt;/b&gt;: It&#39;s &amp; more" width="640" height="400"`);
  });

  it('the chart page, in contrast, carries every row', () => {
    const a = byCode(2_000);
    const page = chartPage(manifest, manifest.datasets[0], a, null, 'https://data.example.org', NOW);
    expect(page).toContain(`<th scope="row">${code(2_000)}</th>`);
  });
});

describe('svgSize', () => {
  it('reads the root width and height, else the viewBox, rounded', () => {
    expect(svgSize('<svg xmlns="http://www.w3.org/2000/svg" class="marks" width="681" height="82" viewBox="0 0 681 82"><rect width="1" height="2"/></svg>')).toEqual({ width: 681, height: 82 });
    expect(svgSize('<svg width="100%" viewBox="0 0 640.4 399.6"></svg>')).toEqual({ width: 640, height: 400 });
    expect(svgSize('<?xml version="1.0"?>\n<svg viewBox="0,0,300,200"></svg>')).toEqual({ width: 300, height: 200 });
    expect(svgSize('<svg><rect width="10" height="10"/></svg>')).toBeNull();
    expect(svgSize('not svg')).toBeNull();
  });
});
