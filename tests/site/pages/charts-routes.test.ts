// Chart pages and downloads, embed headers, fee API and feeds, in-process against the fixture release.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChartArtifact } from '../../../publisher/manifest.ts';
import { chartCsv, specWithData } from '../../../site/charts/export.ts';
import { INCIDENTS_ID, buildRelease, makeDataDir, pointCurrent } from '../fixture-release.ts';
import { runApp, type Running } from '../helpers.ts';

const artifact: ChartArtifact = {
  id: 'by-level',
  datasetId: 'uofx-frce',
  title: 'Use of force by level',
  description: 'Counts by year and level.',
  spec: { mark: 'bar', encoding: { x: { field: 'year', type: 'ordinal' }, y: { field: 'uses', type: 'quantitative' } } },
  fields: [
    { name: 'year', title: 'year', type: 'text' },
    { name: 'force_level', title: 'force level', type: 'text' },
    { name: 'uses', title: 'uses', type: 'number' },
    { name: 'suppressed', title: 'suppressed (X7)', type: 'boolean' },
  ],
  rows: [
    { year: '2025', force_level: 'Level 1', uses: 120, suppressed: false },
    { year: '2025', force_level: 'OIS, "fatal"', uses: null, suppressed: true },
    { year: '2026', force_level: null, uses: 14, suppressed: false },
  ],
  suppressedCells: 1,
};

describe('chart CSV and spec', () => {
  it('writes suppressed cells empty, keeps the suppressed column, quotes as CSV', () => {
    expect(chartCsv(artifact)).toBe(
      'year,force_level,uses,suppressed\r\n2025,Level 1,120,false\r\n2025,"OIS, ""fatal""",,true\r\n2026,,14,false\r\n',
    );
  });

  it('inlines the data in the Vega-Lite spec', () => {
    const spec = specWithData(artifact);
    expect(spec.$schema).toMatch(/vega-lite\/v6\.json$/);
    expect(spec.data).toEqual({ values: artifact.rows });
    expect(spec.title).toBe('Use of force by level');
    expect(specWithData(artifact, { tooltips: true }).config).toEqual({ mark: { tooltip: { content: 'data' } } });
  });
});

let dataDir: string;
let app: Running;
const NOW = new Date('2025-03-04T12:00:00Z');

beforeAll(async () => {
  dataDir = await makeDataDir();
  await buildRelease(dataDir, { releaseId: '20250301T060000Z' });
  await pointCurrent(dataDir, '20250301T060000Z');
  app = await runApp(dataDir, () => NOW);
});

afterAll(async () => {
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('chart routes', () => {
  const base = `/datasets/${INCIDENTS_ID}/charts/by-category`;

  it('serves the chart page with SVG, description, table, downloads, embed code and scripts from self', async () => {
    const res = await app.get(base);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'self'");
    const body = await res.text();
    expect(body).toMatch(/<svg[^>]*role="img"/);
    expect(body).toContain('<p id="chart-desc">Bar chart of incident counts per category');
    expect(body).toContain('<td class="num suppressed">suppressed</td>');
    for (const s of ['.png', '.svg', '.vl.json', '.csv']) expect(body).toContain(`href="${base}${s}"`);
    expect(body).toContain(`&lt;iframe src=&quot;${app.url}/embed/${INCIDENTS_ID}/by-category&quot;`);
    expect(body).toContain('<script src="/assets/vega.min.js"></script>');
    expect(body).toContain('<script type="application/json" id="chart-spec">');
    expect(body).not.toMatch(/<script>(?!<\/script>)/); // no inline executable script
    expect(body).not.toContain('<b>'); // the spec's strings are escaped in the JSON block
  });

  it('lets only the embed page be framed by other sites', async () => {
    const embed = await app.get(`/embed/${INCIDENTS_ID}/by-category`);
    expect(embed.status).toBe(200);
    expect(embed.headers.get('content-security-policy')).toMatch(/frame-ancestors \*$/);
    expect(embed.headers.get('x-frame-options')).toBeNull();
    const html = await embed.text();
    expect(html).toContain('<h1 id="embed-title">Incidents by category</h1>');
    expect(html).toContain(`href="${app.url}${base}#data"`);
    for (const p of ['/', `/datasets/${INCIDENTS_ID}`, base, '/brief', '/surveillance', '/fees/body-worn-video']) {
      const res = await app.get(p);
      expect(res.headers.get('content-security-policy'), p).toContain("frame-ancestors 'self'");
    }
    expect((await app.get(`/embed/${INCIDENTS_ID}/nope`)).status).toBe(404);
    expect((await app.get('/embed/zzzz-0000/by-category')).status).toBe(404);
  });

  it('serves CSV with the suppressed cell empty, the spec with data, and a PNG', async () => {
    const csv = await app.get(`${base}.csv`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename=".+-by-category\.csv"/);
    const text = await csv.text();
    expect(text.split('\r\n')[0]).toBe('category,incidents');
    expect(text).toContain('Unknown <none>,\r\n');
    const spec = await (await app.get(`${base}.vl.json`)).json();
    expect(spec.data.values.length).toBeGreaterThan(1);
    const png = Buffer.from(await (await app.get(`${base}.png`)).arrayBuffer());
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  });

  it('serves the vega bundles and the chart script from self, nothing else', async () => {
    for (const name of ['vega.min.js', 'vega-lite.min.js', 'chart-view.js']) {
      const res = await app.get(`/assets/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    }
    expect((await app.get('/assets/..%2Fpackage.json')).status).toBe(404);
    expect((await app.get('/assets/vega.js')).status).toBe(404);
  });
});

describe('fee API, feeds and disclosure pages', () => {
  it('answers estimates and field errors as JSON', async () => {
    const ok = await app.get('/api/fees/body-worn-video?minutes=10&redaction=targeted-video&people=2&redaction=whole-screen');
    expect(ok.status).toBe(200);
    const e = await ok.json();
    expect(e.total).toBe(120.6);
    expect(e.lines.map((l: { rule: string }) => l.rule)).toHaveLength(2);
    const bad = await app.get('/api/fees/body-worn-video?minutes=-3');
    expect(bad.status).toBe(400);
    const err = await bad.json();
    expect(err.code).toBe('request.invalid');
    expect(err.errors.map((x: { field: string }) => x.field)).toEqual(['minutes', 'redaction']);
  });

  it('fee page allows its own GET form and shows errors with a 400', async () => {
    const res = await app.get('/fees/body-worn-video?minutes=abc');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(await res.text()).toContain('Enter the length of the footage in minutes, as a number.');
  });

  it('shows comment status from the injected clock', async () => {
    const body = await (await app.get('/surveillance')).text();
    // NOW is 2025-03-04: every period in the records is still upcoming.
    expect(body).not.toContain('badge open');
    expect(body).toContain('No comment period is open today.');
    expect((await app.get('/surveillance/nope')).status).toBe(404);
    const alpr = await (await app.get('/surveillance/license-plate-readers')).text();
    expect(alpr).toContain('Comments open on 16 Nov 2026');
  });

  it('serves an Atom feed of the retained releases', async () => {
    const res = await app.get(`/datasets/${INCIDENTS_ID}/feed.atom`);
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain('<entry>');
    expect(xml).toContain('release 20250301T060000Z');
  });
});
