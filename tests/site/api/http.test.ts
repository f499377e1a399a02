// HTTP behaviour of the API: ETag / Last-Modified / 304, CORS and preflight, rate limits per IP and
// per app token (429 in each path's error shape), SQL concurrency (503), SoQL errors over HTTP,
// OpenAPI 3.1 and the /api page.
import { rm } from 'node:fs/promises';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORCE_ID, INCIDENTS_ID, buildRelease, makeDataDir, pointCurrent } from '../fixture-release.ts';
import { qs, runApi, type Running } from './helpers.ts';

let dataDir: string;
let app: Running;

beforeAll(async () => {
  dataDir = await makeDataDir();
  await buildRelease(dataDir, { releaseId: 'rel-http' });
  await pointCurrent(dataDir, 'rel-http');
  app = await runApi(dataDir);
});

afterAll(async () => {
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('ETag and Last-Modified', () => {
  const paths = [
    `/resource/${INCIDENTS_ID}.json?$limit=3`,
    `/resource/${INCIDENTS_ID}.csv?$select=category,count(*)&$group=category`,
    `/api/views/${INCIDENTS_ID}.json`,
    `/api/views/${INCIDENTS_ID}/rows.csv`,
    '/api/catalog/v1',
    '/data.json',
    `/api/sql?sql=${encodeURIComponent('SELECT 1 AS one')}`,
    '/api/openapi.json',
  ];

  it.each(paths)('%s: strong ETag, Last-Modified, 304 on If-None-Match and If-Modified-Since', async (p) => {
    const first = await app.get(p);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/); // strong: no W/
    expect(first.headers.get('last-modified')).toBe('Sat, 01 Mar 2025 06:30:00 GMT');
    const again = await app.get(p);
    expect(again.headers.get('etag')).toBe(etag);

    const inm = await app.get(p, { headers: { 'If-None-Match': etag } });
    expect(inm.status).toBe(304);
    expect(await inm.text()).toBe('');
    const list = await app.get(p, { headers: { 'If-None-Match': `"other", ${etag}` } });
    expect(list.status).toBe(304);
    const ims = await app.get(p, { headers: { 'If-Modified-Since': 'Sat, 01 Mar 2025 06:30:00 GMT' } });
    expect(ims.status).toBe(304);
    const stale = await app.get(p, { headers: { 'If-Modified-Since': 'Fri, 28 Feb 2025 00:00:00 GMT' } });
    expect(stale.status).toBe(200);
    const otherTag = await app.get(p, { headers: { 'If-None-Match': '"nope"', 'If-Modified-Since': 'Sat, 01 Mar 2025 06:30:00 GMT' } });
    expect(otherTag.status, 'If-None-Match takes precedence').toBe(200);
  });

  it('differs per URL and per release', async () => {
    const a = (await app.get(`/resource/${INCIDENTS_ID}.json?$limit=3`)).headers.get('etag');
    const b = (await app.get(`/resource/${INCIDENTS_ID}.json?$limit=4`)).headers.get('etag');
    expect(a).not.toBe(b);
    await buildRelease(dataDir, { releaseId: 'rel-http-2' });
    await pointCurrent(dataDir, 'rel-http-2');
    try {
      const c = await app.get(`/resource/${INCIDENTS_ID}.json?$limit=3`, { headers: { 'If-None-Match': a! } });
      expect(c.status).toBe(200);
      expect(c.headers.get('etag')).not.toBe(a);
    } finally {
      await pointCurrent(dataDir, 'rel-http');
    }
  });

  it('answers a repeated SoQL query from memory with the same bytes and headers, under any spelling', async () => {
    const snapshot = async (p: string) => {
      const res = await app.get(p);
      const h = (n: string) => res.headers.get(n);
      return { status: res.status, body: await res.text(), fields: h('x-soda2-fields'), types: h('x-soda2-types'), type: h('content-type'), etag: h('etag') };
    };
    const url = `/resource/${INCIDENTS_ID}.json?$where=district=3&$order=:id&$limit=5`;
    const first = await snapshot(url);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toHaveLength(5);
    expect(await snapshot(url)).toEqual(first);
    const respelled = await snapshot(`/resource/${INCIDENTS_ID}.json?$limit=5&$order=:id&$where=district=3`);
    expect(respelled.body).toBe(first.body);
    expect(respelled.fields).toBe(first.fields);
    expect(respelled.etag).not.toBe(first.etag); // the ETag names the URL
    expect((await snapshot(`/resource/${INCIDENTS_ID}.json?$where=district=4&$order=:id&$limit=5`)).body).not.toBe(first.body);
  });

  it('sends no ETag on errors', async () => {
    const res = await app.get(`/resource/${INCIDENTS_ID}.json?$where=nope=1`);
    expect(res.status).toBe(400);
    expect(res.headers.get('etag')).toBeNull();
  });
});

describe('CORS', () => {
  it('answers the preflight for every API path', async () => {
    for (const p of [`/resource/${INCIDENTS_ID}.json`, '/api/sql', `/api/views/${INCIDENTS_ID}.json`, '/data.json']) {
      const res = await app.get(p, {
        method: 'OPTIONS',
        headers: { Origin: 'https://notebook.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-app-token, content-type' },
      });
      expect(res.status, p).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      expect(res.headers.get('access-control-allow-headers')).toBe('x-app-token, content-type');
    }
  });

  it('allows any origin and exposes the SODA headers', async () => {
    const res = await app.get(`/resource/${INCIDENTS_ID}.json?$limit=1`, { headers: { Origin: 'https://notebook.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toContain('X-SODA2-Fields');
    const err = await app.get('/resource/zzzz-0000.json');
    expect(err.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('SoQL errors over HTTP', () => {
  it.each([
    [{ $where: "category = '' OR 1=1 --" }, 'query.compiler.malformed', /Comments are not allowed/],
    [{ $where: 'district = 1; DROP TABLE x' }, 'query.compiler.malformed', /Unexpected character ";"/],
    [{ $where: "category = 'Theft" }, 'query.compiler.malformed', /Unterminated string/],
    [{ $select: "read_csv('/etc/passwd')" }, 'query.soql.no-such-function', /No such function: read_csv/],
    [{ $select: 'sleep(10)' }, 'query.soql.no-such-function', /No such function: sleep/],
    [{ $where: 'nope > 1' }, 'query.soql.no-such-column', /^No such column: nope$/],
    [{ $order: 'bogus DESC' }, 'query.soql.no-such-column', /^No such column: bogus$/],
    [{ bogus: 'x' }, 'query.soql.no-such-column', /^No such column: bogus$/],
    [{ $where: 'category + 1 > 2' }, 'query.soql.type-mismatch', /number/],
    [{ $where: "occurred_at > 'not a date'" }, 'query.soql.invalid', /Conversion|convert|timestamp/i],
    [{ $select: 'category, count(*)' }, 'query.soql.invalid', /GROUP BY/],
    [{ $search: 'x' }, 'query.invalid', /Unknown parameter \$search/],
    [{ $query: 'SELECT * WHERE district = 1', $where: 'district = 2' }, 'query.invalid', /cannot be combined/],
  ])('%j → 400 %s', async (params, code, message) => {
    const res = await app.get(`/resource/${INCIDENTS_ID}.json?${qs(params as Record<string, string>)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
    const body = await res.json();
    expect(body.code).toBe(code);
    expect(body.message).toMatch(message);
    expect(body.message).not.toMatch(/__c\d|"r_rel/);
  });

  it('tolerates a GET with a body (soda-ruby sends null)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${app.url}/resource/${INCIDENTS_ID}.json?$limit=2`, { method: 'GET', headers: { 'Content-Type': 'application/json', 'Content-Length': '4' } }, (res) => {
        res.resume().on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end('null');
    });
    expect(status).toBe(200);
  });

  it('keeps the data intact after injection attempts', async () => {
    const res = await app.get(`/resource/${INCIDENTS_ID}.json?$select=count(*)`);
    expect(await res.json()).toEqual([{ count: '2500' }]);
  });

  it('answers 503 for every API path before the first release, in each shape', async () => {
    const empty = await makeDataDir();
    const bare = await runApi(empty);
    try {
      const soda = await bare.get(`/resource/${INCIDENTS_ID}.json`);
      expect(soda.status).toBe(503);
      const sql = await bare.get('/api/sql?sql=SELECT%201');
      expect(sql.status).toBe(503);
      expect(await sql.json()).toEqual({ ok: false, error: 'No release has been published yet', status: 503 });
      expect((await bare.get('/api/catalog/v1')).status).toBe(503);
    } finally {
      await bare.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('rate limits', () => {
  let limited: Running;
  beforeAll(async () => {
    limited = await runApi(dataDir, { rateLimit: { windowMs: 60_000, perIp: 3, perToken: 4, perIpCeiling: 30 } });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('429s per IP without a token, with the SODA error JSON and Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await limited.get(`/resource/${FORCE_ID}.json?$limit=1`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const res = await limited.get(`/resource/${FORCE_ID}.json`);
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
    expect(res.headers.get('retry-after')).toBe('60');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toMatchObject({ code: 'too_many_requests', error: true, message: expect.stringContaining('per IP') });
    const sql = await limited.get('/api/sql?sql=SELECT%201');
    expect(sql.status).toBe(429);
    expect(await sql.json()).toEqual({ ok: false, error: expect.stringContaining('Too many requests'), status: 429 });
    expect((await limited.get('/health')).status).toBe(200);
  });

  it('429s per app token (header in any case or $$app_token), independently of other tokens', async () => {
    const statuses: number[] = [];
    const variants: RequestInit[] = [
      { headers: { 'X-App-Token': 'alpha' } },
      { headers: { 'x-app-token': 'alpha' } },
      { headers: { 'X-App-token': 'alpha' } },
      {},
      { headers: { 'X-APP-TOKEN': 'alpha' } },
    ];
    for (const [i, init] of variants.entries()) {
      const suffix = i === 3 ? '&$$app_token=alpha' : '';
      statuses.push((await limited.get(`/resource/${FORCE_ID}.json?$limit=1${suffix}`, init)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const limitedBody = await (await limited.get(`/resource/${FORCE_ID}.json`, { headers: { 'X-App-Token': 'alpha' } })).json();
    expect(limitedBody.message).toContain('per app token');
    expect((await limited.get(`/resource/${FORCE_ID}.json?$limit=1`, { headers: { 'X-App-Token': 'beta' } })).status).toBe(200);
  });

  it('caps an IP that rotates made-up tokens at the ceiling', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await limited.get(`/resource/${FORCE_ID}.json?$limit=1`, { headers: { 'X-App-Token': `t${i}` } })).status);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('SQL concurrency', () => {
  it('answers 503 with Retry-After beyond the concurrent query limit, and /health stays fast', async () => {
    const busy = await runApi(dataDir, { sql: { maxConcurrent: 1, timeoutMs: 1500 } });
    try {
      const slow = encodeURIComponent('SELECT count(*) FROM incidents a, incidents b, incidents c WHERE md5(CAST(a AS VARCHAR)) < md5(CAST(b AS VARCHAR) || CAST(c AS VARCHAR))');
      const first = busy.get(`/api/sql?sql=${slow}`);
      await new Promise((r) => setTimeout(r, 200));
      const second = await busy.get(`/api/sql?sql=${slow}&x=2`);
      expect(second.status, await second.clone().text()).toBe(503);
      expect(second.headers.get('retry-after')).toBe('2');
      expect((await second.json()).status).toBe(503);
      const t0 = Date.now();
      expect((await busy.get('/health')).status).toBe(200);
      expect((await busy.get(`/resource/${FORCE_ID}.json?$limit=1`)).status).toBe(200);
      expect(Date.now() - t0).toBeLessThan(1000);
      const r1 = await first;
      expect(r1.status).toBe(400);
      expect((await r1.json()).error).toMatch(/time limit of 1.5 s/);
      expect((await busy.get('/api/sql?sql=SELECT%2042')).status).toBe(200);
    } finally {
      await busy.close();
    }
  });
});

describe('documentation', () => {
  it('serves OpenAPI 3.1 describing every endpoint, each of which answers', async () => {
    const res = await app.get('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/resource/{id}.json', '/resource/{id}.csv', '/resource/{id}.geojson', '/api/views/{id}.json', '/api/views/{id}/rows.csv',
      '/api/views/{id}/rows.json', '/api/catalog/v1', '/data.json', '/api/sql', '/api/openapi.json', '/health',
    ]));
    expect(doc.paths['/resource/{id}.json'].get.parameters[0].schema.enum).toEqual([INCIDENTS_ID, FORCE_ID]);
    for (const p of Object.keys(doc.paths)) {
      const url = p.replace('{id}', INCIDENTS_ID) + (p === '/api/sql' ? '?sql=SELECT%201' : '');
      expect((await app.get(url)).status, url).toBe(200);
    }
  });

  it('serves the /api page with curl, sodapy and RSocrata examples, escaped', async () => {
    const res = await app.get('/api');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await res.text();
    expect(page).toContain('<h1>API for researchers</h1>');
    expect(page).toContain('from sodapy import Socrata');
    expect(page).toContain('library(RSocrata)');
    expect(page).toContain(`curl &#39;${app.url}/resource/${INCIDENTS_ID}.json?$limit=5&amp;$order=:id&#39;`);
    expect(page).toContain('<code>use_of_force</code>');
    expect(page).not.toContain('<script');
  });
});
