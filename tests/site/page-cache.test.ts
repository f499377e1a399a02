// Pages and chart SVGs served from memory: a repeat request gets the same bytes and strong ETag
// (a re-render would show a new "Page generated" time), If-None-Match gets 304, and a kept page
// is replaced exactly when its text would change: its age ("3 days ago"), the next scheduled run,
// or after a minute for the footer's time.
import { rm } from 'node:fs/promises';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INCIDENTS_ID, buildRelease, makeDataDir, pointCurrent } from './fixture-release.ts';
import { runApp, type Running } from './helpers.ts';

let dataDir: string;
let app: Running;
// The fixture's incidents were updated 2025-03-01T06:00Z and run daily at 06:00 America/Chicago (12:00Z).
let now = new Date('2025-03-04T12:00:30Z');
const at = (iso: string) => (now = new Date(iso));
const later = (ms: number) => (now = new Date(now.getTime() + ms));

beforeAll(async () => {
  dataDir = await makeDataDir();
  await buildRelease(dataDir, { releaseId: 'rel-c1' });
  await pointCurrent(dataDir, 'rel-c1');
  app = await runApp(dataDir, () => now);
});

afterAll(async () => {
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A GET with a chosen Host header (fetch does not let a caller set it). */
function bodyForHost(path: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(app.url + path, { headers: { Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(body));
    }).on('error', reject);
  });
}

async function get(path: string, init?: RequestInit): Promise<{ status: number; etag: string | null; body: string }> {
  const res = await app.get(path, init);
  return { status: res.status, etag: res.headers.get('etag'), body: await res.text() };
}

const PAGE = `/datasets/${INCIDENTS_ID}`;
const generated = (body: string) => /Page generated ([^.]+\.\d+Z)/.exec(body)?.[1];
const nextRunShown = (body: string) => /Next scheduled run: <time datetime="([^"]+)"/.exec(body)?.[1];

describe('dataset page from memory', () => {
  it('serves the same bytes and strong ETag again, and 304 for If-None-Match', async () => {
    at('2025-03-04T12:00:30Z');
    const first = await get(PAGE);
    expect(first.status).toBe(200);
    expect(first.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(generated(first.body)).toBe('2025-03-04T12:00:30.000Z');
    later(10_000);
    const again = await get(PAGE);
    expect(again.body).toBe(first.body);
    expect(again.etag).toBe(first.etag);
    const cond = await get(PAGE, { headers: { 'If-None-Match': `"other", ${first.etag}` } });
    expect(cond.status).toBe(304);
    expect(cond.body).toBe('');
  });

  it('renders once for requests that arrive together', async () => {
    at('2025-03-04T13:00:00Z');
    const bodies = await Promise.all(Array.from({ length: 6 }, () => get(PAGE)));
    expect(new Set(bodies.map((b) => b.etag)).size).toBe(1);
  });

  it('is rendered again after a minute, with a new ETag', async () => {
    at('2025-03-04T14:00:00Z');
    const first = await get(PAGE);
    later(60_000);
    const next = await get(PAGE);
    expect(generated(next.body)).toBe('2025-03-04T14:01:00.000Z');
    expect(next.etag).not.toBe(first.etag);
    expect((await get(PAGE, { headers: { 'If-None-Match': first.etag! } })).status).toBe(200);
  });

  it('is rendered again the moment its age would read differently', async () => {
    at('2025-03-05T05:59:59.000Z');
    expect((await get(PAGE)).body).toContain('(3 days ago)');
    at('2025-03-05T05:59:59.600Z');
    expect((await get(PAGE)).body).toContain('(4 days ago)');
  });

  it('is rendered again when the next scheduled run it shows has passed', async () => {
    at('2025-03-05T11:59:59.900Z');
    expect(nextRunShown((await get(PAGE)).body)).toBe('2025-03-05T12:00:00.000Z');
    at('2025-03-05T12:00:00.000Z');
    expect(nextRunShown((await get(PAGE)).body)).toBe('2025-03-06T12:00:00.000Z');
  });

  it('keys the page by the host asked for (absolute URLs in the JSON-LD)', async () => {
    expect(await bodyForHost(PAGE, 'data.example.org')).toContain('http://data.example.org/datasets/');
    expect((await get(PAGE)).body).not.toContain('data.example.org');
  });
});

describe('home page and chart SVG from memory', () => {
  it('home page: same bytes and ETag on a repeat request', async () => {
    at('2025-03-06T10:00:00Z');
    const first = await get('/');
    later(5_000);
    const again = await get('/');
    expect(again.body).toBe(first.body);
    expect(again.etag).toBe(first.etag);
  });

  it('chart SVG: same bytes, strong ETag of the bytes, 304 for If-None-Match', async () => {
    const svg = `/datasets/${INCIDENTS_ID}/charts/by-category.svg`;
    const first = await get(svg);
    const again = await get(svg);
    expect(first.body.startsWith('<svg')).toBe(true);
    expect(again.body).toBe(first.body);
    expect(first.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(again.etag).toBe(first.etag);
    const cond = await app.get(svg, { headers: { 'If-None-Match': first.etag! } });
    expect(cond.status).toBe(304);
    const download = await app.get(`${svg}?download`);
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="incidents-by-category.svg"');
    expect(download.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
  });
});
