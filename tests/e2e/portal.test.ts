// End-to-end: the real server (`publisher serve`) on a release built from the seeded demo drop,
// driven by headless Chromium. Visits every page type, runs axe (fails on serious/critical),
// checks 375px layouts for horizontal scroll, checks the dataset page's chart images load, follows
// a chart to its data, uses the fee estimator, checks the brief's numbers against DuckDB on the
// release Parquet, and saves screenshots.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { DuckDBInstance } from '@duckdb/node-api';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDrop, runOnce, tempDir } from '../helpers/pipeline.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SHOTS = path.join(ROOT, 'test-artifacts/screenshots');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let dataDir: string;
let releaseDir: string;
let server: ChildProcess;
let base: string;
let browser: Browser;
let desktop: BrowserContext;
let phone: BrowserContext;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become healthy');
}

/** The page types: path, a name for the screenshot, and whether it draws an interactive chart. */
const PAGES = [
  { name: 'home', path: '/' },
  { name: 'dataset', path: '/datasets/nibr-offs' },
  { name: 'chart', path: '/datasets/c911-call/charts/response-by-priority', vega: true },
  { name: 'chart-force-race-sex', path: '/datasets/uofx-frce/charts/by-subject-race-sex', vega: true },
  { name: 'embed', path: '/embed/nibr-offs/online-share', vega: true },
  { name: 'brief', path: '/brief' },
  { name: 'surveillance', path: '/surveillance' },
  { name: 'surveillance-technology', path: '/surveillance/license-plate-readers' },
  { name: 'fees', path: '/fees/body-worn-video?minutes=12.5&redaction=targeted-video&redaction=whole-screen&people=2&videos=1&requester=general' },
  { name: 'fees-errors', path: '/fees/body-worn-video?minutes=&people=0' },
  { name: 'privacy-catalog', path: '/privacy' },
  { name: 'privacy-rule', path: '/privacy/rules/C4' },
  { name: 'privacy-report', path: '/privacy/report' },
  { name: 'case-lookup', path: '/cases?report=2099-00000000' },
  { name: 'status', path: '/status' },
  { name: 'changelog', path: '/datasets/c911-call/changelog' },
  { name: 'api', path: '/api' },
  { name: 'not-found', path: '/nope' },
] as const;

async function axe(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

beforeAll(async () => {
  const t0 = Date.now();
  const source = await demoDrop({ years: 2 });
  dataDir = await tempDir('e2e-data');
  const run = await runOnce(source, dataDir);
  releaseDir = run.releaseDir;
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, [path.join(ROOT, 'bin/publisher.js'), 'serve', '--data', dataDir, '--port', String(port)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stderr?.on('data', (d) => process.stderr.write(`[server] ${d}`));
  await waitForHealth(base);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  desktop = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  phone = await browser.newContext({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
  await mkdir(SHOTS, { recursive: true });
  console.log(`e2e setup: release and server ready in ${Date.now() - t0} ms`);
});

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('every page type in a real browser', () => {
  for (const p of PAGES) {
    it(`${p.name}: renders, passes axe, fits 375px`, async () => {
      const page = await desktop.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      const res = await page.goto(base + p.path);
      expect(res?.status(), p.path).toBe(p.name === 'not-found' ? 404 : p.name === 'fees-errors' ? 400 : 200);
      await expectVisible(page, 'h1');
      if ('vega' in p && p.vega) {
        await page.waitForSelector('[data-vega-ready="true"] svg', { timeout: 15_000 });
      }
      expect(await axe(page), `axe on ${p.path}`).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `${p.name}-desktop.png`), fullPage: true });
      // Not a 404 of a resource, and no CSP or script errors.
      expect(errors.filter((e) => !/status of 40[04]/.test(e)), `console on ${p.path}`).toEqual([]);
      await page.close();

      const mobile = await phone.newPage();
      await mobile.goto(base + p.path);
      if ('vega' in p && p.vega) await mobile.waitForSelector('[data-vega-ready="true"] svg', { timeout: 15_000 });
      const overflow = await mobile.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `horizontal scroll at 375px on ${p.path}`).toBeLessThanOrEqual(0);
      await mobile.screenshot({ path: path.join(SHOTS, `${p.name}-375.png`), fullPage: true });
      await mobile.close();
    });
  }
});

// playwright-core has no test-runner `expect` for locators; a tiny visible check.
function expectVisible(page: Page, selector: string) {
  return page.locator(selector).first().waitFor({ state: 'visible', timeout: 5_000 });
}

describe('journeys', () => {
  it('shows each dataset-page chart as a loaded image of its SVG route, not inline SVG', async () => {
    for (const context of [desktop, phone]) {
      const page = await context.newPage();
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(r.url()));
      page.on('response', (r) => {
        if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
      });
      await page.goto(`${base}/datasets/nibr-offs`);
      expect(await page.locator('main svg').count()).toBe(0);
      const images = page.locator('figure.chart img');
      const n = await images.count();
      const manifest = JSON.parse(await readFile(path.join(releaseDir, 'manifest.json'), 'utf8'));
      const charts: { id: string }[] = manifest.datasets.find((d: { id: string }) => d.id === 'nibr-offs').charts;
      expect(n).toBe(charts.length);
      for (let i = 0; i < n; i++) {
        const img = images.nth(i);
        expect(await img.getAttribute('src')).toBe(`/datasets/nibr-offs/charts/${encodeURIComponent(charts[i].id)}.svg`);
        expect((await img.getAttribute('alt'))?.trim()).toBeTruthy();
        await img.scrollIntoViewIfNeeded(); // loading="lazy"
        await img.evaluate((el: HTMLImageElement) => (el.complete && el.naturalWidth > 0 ? null : el.decode()));
        const box = await img.evaluate((el: HTMLImageElement) => ({ natural: el.naturalWidth, shown: el.getBoundingClientRect().width, parent: el.parentElement!.getBoundingClientRect().width }));
        expect(box.natural, charts[i].id).toBeGreaterThan(0);
        expect(box.shown).toBeGreaterThan(0);
        expect(box.shown).toBeLessThanOrEqual(box.parent + 0.5); // scaled down on a 375px screen
      }
      expect(failed).toEqual([]);
      expect(await axe(page), 'axe on the dataset page with its chart images loaded').toEqual([]);
      await page.close();
    }
  });

  it('clicks from a dataset chart to its chart page, its data table and CSV', async () => {
    const page = await desktop.newPage();
    await page.goto(`${base}/datasets/nibr-offs`);
    await page.getByRole('link', { name: /Chart page/ }).first().click();
    await page.waitForURL(/\/datasets\/nibr-offs\/charts\/monthly-by-crime-against$/);
    await page.getByRole('link', { name: 'Skip to the data behind this chart' }).click();
    await expectVisible(page, '#data');
    expect(await page.locator('table caption').first().textContent()).toContain('Data for the chart');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download this table as CSV' }).click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    const [header, ...lines] = csv.trim().split(/\r\n/);
    expect(header).toBe('month,crime_against,offenses,suppressed');
    const artifact = JSON.parse(await readFile(path.join(releaseDir, 'datasets/nibr-offs/charts/monthly-by-crime-against.json'), 'utf8'));
    expect(lines).toHaveLength(artifact.rows.length);
    for (const line of lines) {
      if (line.endsWith(',true')) expect(line).toMatch(/,,true$/); // a suppressed count is an empty cell
    }
    // PNG, SVG and Vega-Lite spec downloads answer with the right types.
    for (const [suffix, type] of [['.png', 'image/png'], ['.svg', 'image/svg+xml'], ['.vl.json', 'application/json; charset=utf-8']]) {
      const res = await fetch(`${base}/datasets/nibr-offs/charts/monthly-by-crime-against${suffix}`);
      expect(res.headers.get('content-type')).toBe(type);
    }
    await page.close();
  });

  it('embeds a chart in a page from another origin, but not other pages', async () => {
    // Another site (a second local server, so a different origin) frames the embed and the full chart page.
    const framer = createHttpServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><title>framer</title><iframe id="ok" src="${base}/embed/uofx-frce/by-level"></iframe><iframe id="no" src="${base}/datasets/uofx-frce/charts/by-level"></iframe>`);
    });
    await new Promise<void>((r) => framer.listen(0, '127.0.0.1', () => r()));
    const page = await desktop.newPage();
    await page.goto(`http://127.0.0.1:${(framer.address() as { port: number }).port}/`);
    const ok = page.frameLocator('#ok');
    await ok.locator('h1').waitFor({ state: 'attached', timeout: 10_000 });
    expect(await ok.locator('h1').textContent()).toContain('Use of force by level');
    await page.waitForTimeout(300);
    // The full chart page refuses to be framed by another site (frame-ancestors 'self').
    const blocked = (await page.frameLocator('#no').locator('h1').allTextContents()).join(' ');
    expect(blocked).not.toContain('Use of force by level');
    await page.close();
    await new Promise((r) => framer.close(r));
  });

  it('uses the fee estimator form without JavaScript errors', async () => {
    const page = await desktop.newPage();
    await page.goto(`${base}/fees/body-worn-video`);
    await page.getByLabel('Length of the footage, in minutes').fill('10');
    await page.getByLabel(/Targeted video redaction/).check();
    await page.getByLabel(/Targeted audio redaction alone/).check();
    await page.getByLabel('Number of people or objects to redact').fill('3');
    await page.getByRole('button', { name: 'Estimate the fee' }).click();
    await page.waitForURL(/minutes=10/);
    // 10 min × 3 people × $6.00 + 10 min × $3.00 = $210.00
    expect(await page.locator('[data-total-cents]').getAttribute('data-total-cents')).toBe('21000');
    expect(await page.locator('[data-line="targeted-video"]').textContent()).toBe('$180.00');
    expect(await page.locator('[data-line="targeted-audio"]').textContent()).toBe('$30.00');
    // An exempt requester pays nothing.
    await page.getByLabel(/directly involved in the recorded incident/).check();
    await page.getByRole('button', { name: 'Estimate the fee' }).click();
    await page.waitForURL(/requester=involved/);
    expect(await page.locator('[data-total-cents]').getAttribute('data-total-cents')).toBe('0');
    // Errors are listed and link to their field.
    await page.getByLabel('Length of the footage, in minutes').fill('');
    await page.getByRole('button', { name: 'Estimate the fee' }).click();
    await expectVisible(page, '.errors');
    expect(await page.locator('.errors').textContent()).toContain('Enter the length of the footage in minutes');
    await page.close();
  });

  it('shows the brief numbers the release Parquet gives in DuckDB', async () => {
    const manifest = JSON.parse(await readFile(path.join(releaseDir, 'manifest.json'), 'utf8'));
    const endOf = (id: string): string => manifest.datasets.find((d: { id: string }) => d.id === id).temporal.end.slice(0, 10);
    // Independent window: 1 Jan of the latest date's year through that date, and the same number of days a year earlier.
    const window = (end: string) => {
      const y = Number(end.slice(0, 4));
      const days = (Date.parse(`${end}T00:00:00Z`) - Date.UTC(y, 0, 1)) / 86_400_000 + 1;
      const prevEnd = new Date(Date.UTC(y - 1, 0, 1) + (days - 1) * 86_400_000).toISOString().slice(0, 10);
      return { cur: [`${y}-01-01`, end], prev: [`${y - 1}-01-01`, prevEnd] };
    };
    const off = window(endOf('nibr-offs'));
    const cad = window(endOf('c911-call'));
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const pq = (id: string) => `read_parquet('${path.join(releaseDir, 'datasets', id, 'rows.parquet')}')`;
    const inRange = (col: string, [a, b]: string[]) => `${col} >= TIMESTAMP '${a} 00:00:00' AND ${col} < TIMESTAMP '${b} 00:00:00' + INTERVAL 1 DAY`;
    const count = async (id: string, where: string): Promise<number> =>
      Number((await c.runAndReadAll(`SELECT count(*) AS n FROM ${pq(id)} WHERE ${where}`)).getRowObjectsJson()[0].n);
    const expected: Record<string, number> = {};
    for (const [key, code] of [['homicide', '09A'], ['robbery', '120'], ['aggravated-assault', '13A'], ['burglary', '220'], ['motor-vehicle-theft', '240']]) {
      expected[`${key}-current`] = await count('nibr-offs', `nibrs_code = '${code}' AND ${inRange('occurred_hour', off.cur)}`);
      expected[`${key}-previous`] = await count('nibr-offs', `nibrs_code = '${code}' AND ${inRange('occurred_hour', off.prev)}`);
    }
    const shooting = `(regexp_matches(final_call_type, '^(SHOOTING|SHOTS FIRED)') OR regexp_matches(initial_call_type, '^(SHOOTING|SHOTS FIRED)'))`;
    expected['shootings-current'] = await count('c911-call', `${shooting} AND ${inRange('received_hour', cad.cur)}`);
    expected['shootings-previous'] = await count('c911-call', `${shooting} AND ${inRange('received_hour', cad.prev)}`);
    for (const [k, r] of [['current', off.cur], ['previous', off.prev]] as const) {
      expected[`cleared-${k}`] = await count('nibr-offs', `case_status = 'Cleared by arrest' AND ${inRange('occurred_hour', r)}`);
      expected[`offenses-${k}`] = await count('nibr-offs', inRange('occurred_hour', r));
    }
    const medians = (await c.runAndReadAll(
      `SELECT priority, count(*) AS n, median(response_minutes) AS m FROM ${pq('c911-call')} WHERE call_source = '911' AND response_minutes IS NOT NULL AND ${inRange('received_hour', cad.cur)} GROUP BY priority`,
    )).getRowObjectsJson();
    c.closeSync();
    db.closeSync();
    expect(expected['offenses-previous'], 'the two-year demo release has last year’s data').toBeGreaterThan(0);

    const page = await desktop.newPage();
    await page.goto(`${base}/brief`);
    for (const [measure, n] of Object.entries(expected)) {
      const el = page.locator(`[data-measure="${measure}"]`);
      expect(await el.count(), measure).toBe(1);
      if (n >= 1 && n <= 10) {
        expect(await el.textContent(), measure).toBe('fewer than 11');
        expect(await el.getAttribute('data-value'), measure).toBeNull();
      } else {
        expect(await el.getAttribute('data-value'), measure).toBe(String(n));
      }
      // Every number links to a SoQL count query on the dataset's resource.
      const href = (await el.getAttribute('href'))!;
      expect(href).toMatch(/^\/resource\/(nibr-offs|c911-call)\.json\?\$select=count\(\*\)&\$where=/);
      expect(decodeURIComponent(href)).toMatch(/_hour between '\d{4}-01-01T00:00:00' and '\d{4}-\d\d-\d\dT23:59:59'/);
    }
    for (const row of medians) {
      const cell = page.locator(`tr[data-priority="${row.priority}"] td`).first();
      if (Number(row.n) >= 11) expect(await cell.locator('[data-median]').getAttribute('data-median')).toBe(String(Number(row.m)));
      else expect(await cell.textContent()).toContain('fewer than 11 events');
    }
    // The SQL is there too, in a details element.
    expect(await page.locator('details pre code').count()).toBeGreaterThan(5);
    await page.close();
  });

  it('serves an Atom feed of releases per dataset', async () => {
    const res = await fetch(`${base}/datasets/c911-call/feed.atom`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const xml = await res.text();
    expect(xml).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    expect(xml.match(/<entry>/g)).toHaveLength(1);
  });
});
