// HTML pages, downloads, chart SVGs and escaping, against a fixture release served in-process.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORCE_ID, INCIDENTS_ID, XSS, buildRelease, makeDataDir, pointCurrent } from './fixture-release.ts';
import { runApp, type Running } from './helpers.ts';

let dataDir: string;
let app: Running;
const NOW = new Date('2025-03-04T12:00:00Z');

beforeAll(async () => {
  dataDir = await makeDataDir();
  await buildRelease(dataDir, { releaseId: 'rel-001', description: XSS, datasetName: 'Incidents <b>bold</b>' });
  await pointCurrent(dataDir, 'rel-001');
  app = await runApp(dataDir, () => NOW);
});

afterAll(async () => {
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('home page', () => {
  it('lists every dataset with description, row count, last update and link', async () => {
    const res = await app.get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const body = await res.text();
    expect(body).toContain('<html lang="en">');
    expect(body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(body).toMatch(/<main id="content">[\s\S]*<h1>[\s\S]*<h2>/);
    expect(body).toContain(`href="/datasets/${INCIDENTS_ID}"`);
    expect(body).toContain(`href="/datasets/${FORCE_ID}"`);
    expect(body).toContain('Use of force reports.');
    expect(body).toContain('2,500');
    expect(body).toContain('datetime="2025-03-01T06:00:00Z"');
    expect(body).toContain('3 days ago');
    expect(body).not.toContain('<script');
  });
});

describe('dataset page', () => {
  let body: string;
  beforeAll(async () => {
    const res = await app.get(`/datasets/${INCIDENTS_ID}`);
    expect(res.status).toBe(200);
    body = await res.text();
  });

  it('escapes every manifest string', () => {
    // The one JSON-LD data block (tests/site/status/pages.test.ts checks it) is the only script element.
    expect(body.replace(/<script type="application\/ld\+json">[^<]*<\/script>/, '')).not.toContain('<script');
    expect(body).not.toContain('<b>bold</b>');
    expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(body).toContain('Incidents &lt;b&gt;bold&lt;/b&gt;');
    expect(body).toContain('<code>&lt;i&gt;example&lt;/i&gt;</code>');
  });

  it('shows the data dictionary with rule ids', () => {
    expect(body).toContain('<caption>Data dictionary: 6 columns of');
    expect(body).toContain('<th scope="row"><code>occurred_at</code></th>');
    expect(body).toContain('<td><a href="/privacy/rules/C2"><code>C2</code></a>, <a href="/privacy/rules/T1"><code>T1</code></a></td>');
    expect(body).toContain('<th scope="col">Rules applied</th>');
  });

  it('links the bulk downloads and the API', () => {
    for (const f of ['csv', 'parquet', 'json']) expect(body).toContain(`href="/datasets/${INCIDENTS_ID}/rows.${f}"`);
    expect(body).toContain(`href="/resource/${INCIDENTS_ID}.json"`);
  });

  it('shows the run report with withheld rows by rule', () => {
    expect(body).toMatch(/<dt>Rows read<\/dt><dd>2,512<\/dd>/);
    expect(body).toMatch(/<dt>Quarantined<\/dt><dd>2<\/dd>/);
    expect(body).toMatch(/<dt>Published<\/dt><dd>2,500<\/dd>/);
    expect(body).toContain('<caption>Rows withheld, by rule</caption>');
    expect(body).toContain('<th scope="row"><code>X5</code></th><td class="num">7</td>');
  });

  it('shows every chart as an image of its SVG route, with alt text and description; a small aggregate (at most 5 rows) in full, linked to its chart page', async () => {
    // No inline SVG: the page refers to the cached chart SVG, so its size does not grow with the data.
    expect(body).not.toContain('<svg');
    const src = `/datasets/${INCIDENTS_ID}/charts/by-category.svg`;
    const img = body.match(/<img\b[^>]*>/g)?.find((t) => t.includes(`src="${src}"`));
    expect(img).toBeDefined();
    expect(img).toMatch(/ alt="Incidents by category: Bar chart of incident counts per category[^"]*"/);
    expect(img).toMatch(/ width="\d+" height="\d+" loading="lazy" decoding="async"/);
    expect(body).toContain('<p id="chart-1-desc">Bar chart of incident counts per category');
    expect(body).toContain('<caption>Data for the chart &ldquo;Incidents by category&rdquo; (1 small cell suppressed)</caption>');
    expect(body).toContain('<th scope="row">Unknown &lt;none&gt;</th><td class="num suppressed">suppressed</td>');
    expect(body).toContain('<th scope="row">2024-01</th><td class="num">744</td>');
    expect(body).toContain(`<a href="/datasets/${INCIDENTS_ID}/charts/by-category#data">Full data table (5 rows) on the chart page</a>`);
    // Larger aggregates are summarized: tests/site/pages/dataset-charts.test.ts.
    const svg = await app.get(src);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
  });

  it('allows same-origin images in its Content-Security-Policy', async () => {
    const res = await app.get(`/datasets/${INCIDENTS_ID}`);
    expect(res.headers.get('content-security-policy')).toMatch(/(^|;)\s*img-src 'self'(;|$)/);
  });

  it('headings are in order and the schedule is shown', () => {
    const levels = [...body.matchAll(/<h([1-6])\b/g)].map((m) => Number(m[1]));
    expect(levels[0]).toBe(1);
    for (let i = 1; i < levels.length; i++) expect(levels[i] - levels[i - 1]).toBeLessThanOrEqual(1);
    expect(body).toContain('<code>0 6 * * *</code>');
  });

  it('renders a dataset without charts', async () => {
    const res = await app.get(`/datasets/${FORCE_ID}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('No charts are published for this dataset.');
  });

  it('answers 404 pages for unknown or malformed ids', async () => {
    for (const p of ['/datasets/zzzz-0000', '/datasets/..%2F..%2Fetc%2Fpasswd', '/datasets/INCI-2024', '/nope']) {
      const res = await app.get(p);
      expect(res.status, p).toBe(404);
      expect(await res.text()).toContain('Page not found');
    }
  });
});

describe('downloads', () => {
  it.each([
    ['csv', 'text/csv; charset=utf-8'],
    ['parquet', 'application/vnd.apache.parquet'],
    ['json', 'application/json; charset=utf-8'],
  ])('serves rows.%s with content type and filename', async (format, type) => {
    const res = await app.get(`/datasets/${INCIDENTS_ID}/rows.${format}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="incidents.${format}"`);
    const onDisk = await readFile(path.join(dataDir, 'releases/rel-001/datasets', INCIDENTS_ID, `rows.${format}`));
    expect(Buffer.from(await res.arrayBuffer()).equals(onDisk)).toBe(true);
  });

  it('404s on unknown file names and traversal attempts', async () => {
    for (const p of [`/datasets/${INCIDENTS_ID}/rows.xlsx`, `/datasets/${INCIDENTS_ID}/..%2Fmanifest.json`, `/datasets/${INCIDENTS_ID}/charts/..%2F..%2Fmanifest.json`]) {
      expect((await app.get(p)).status, p).toBe(404);
    }
  });
});

describe('chart SVG endpoint and catalog', () => {
  it('serves one chart as image/svg+xml', async () => {
    const res = await app.get(`/datasets/${INCIDENTS_ID}/charts/by-category.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    const svg = await res.text();
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/viewBox="0 0 \d+ \d+"/);
    expect(svg).toContain('aria-label="Category: Theft; Incidents: 625"');
    expect(svg).not.toContain('Unknown'); // the suppressed cell is not drawn
    expect(svg).not.toContain('<script');
  });

  it('404s on an unknown chart', async () => {
    expect((await app.get(`/datasets/${INCIDENTS_ID}/charts/nope.svg`)).status).toBe(404);
  });

  it('serves data.json and health', async () => {
    const res = await app.get('/data.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await res.json()).conformsTo).toBe('https://project-open-data.cio.gov/v1.1/schema');
    expect(await (await app.get('/health')).json()).toEqual({ ok: true, release: 'rel-001' });
  });
});
