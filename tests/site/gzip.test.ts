// gzip negotiation over HTTP: SODA answers, pages, chart SVGs and API documents are gzipped when
// (and only when) the client accepts gzip; the variant decompresses to exactly the identity bytes,
// has its own strong ETag and Content-Length, both variants say Vary: Accept-Encoding, and
// If-None-Match works for either. Bulk files stay as they are. Raw node:http requests: fetch
// would ask for gzip itself and decompress out of sight.
import { rm } from 'node:fs/promises';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INCIDENTS_ID, buildRelease, makeDataDir, pointCurrent } from './fixture-release.ts';
import { runApp, type Running } from './helpers.ts';

let dataDir: string;
let app: Running;

beforeAll(async () => {
  dataDir = await makeDataDir();
  await buildRelease(dataDir, { releaseId: 'rel-gz' });
  await pointCurrent(dataDir, 'rel-gz');
  app = await runApp(dataDir);
});

afterAll(async () => {
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request with exactly these headers; the body as sent on the wire. */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    http.request(app.url + path, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject).end();
  });
}

const GZ = { 'Accept-Encoding': 'gzip, deflate' };
const SODA = `/resource/${INCIDENTS_ID}.json?$where=district=3&$order=:id&$limit=200`;
const varies = (r: Raw) => String(r.headers.vary ?? '').split(/\s*,\s*/).includes('Accept-Encoding');
const gzTag = (etag: string) => `${etag.slice(0, -1)}-gz"`;

/** The identity and gzip answers of `path`, checked to hold the same bytes with distinct ETags. */
async function bothVariants(path: string): Promise<{ plain: Raw; gz: Raw }> {
  const plain = await raw(path);
  const gz = await raw(path, GZ);
  for (const r of [plain, gz]) {
    expect(r.status, path).toBe(200);
    expect(varies(r), path).toBe(true);
    expect(Number(r.headers['content-length']), path).toBe(r.body.length);
  }
  expect(plain.headers['content-encoding']).toBeUndefined();
  expect(gz.headers['content-encoding']).toBe('gzip');
  expect(gz.body.length).toBeLessThan(plain.body.length);
  expect(gunzipSync(gz.body).equals(plain.body), path).toBe(true);
  expect(plain.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
  expect(gz.headers.etag).toBe(gzTag(plain.headers.etag!));
  return { plain, gz };
}

describe('gzip for SODA answers', () => {
  it('sends the gzip variant of the kept answer: same bytes once decompressed, own ETag and length', async () => {
    const { gz } = await bothVariants(SODA);
    const again = await raw(SODA, GZ);
    expect(again.body.equals(gz.body)).toBe(true);
    expect(again.headers.etag).toBe(gz.headers.etag);
  });

  it('compresses the first answer of a query too (not yet kept)', async () => {
    const first = await raw(`/resource/${INCIDENTS_ID}.csv?$where=district=5&$limit=300`, GZ);
    expect(first.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(first.body).toString('utf8')).toMatch(/^"?[a-z_]+"?,/);
  });

  it('answers 304 to either variant\'s ETag, with the ETag that matched', async () => {
    const { plain, gz } = await bothVariants(SODA);
    const byGz = await raw(SODA, { ...GZ, 'If-None-Match': gz.headers.etag! });
    expect(byGz.status).toBe(304);
    expect(byGz.headers.etag).toBe(gz.headers.etag);
    expect(varies(byGz)).toBe(true);
    expect((await raw(SODA, { ...GZ, 'If-None-Match': plain.headers.etag! })).status).toBe(304);
    const gzTagNoGzip = await raw(SODA, { 'If-None-Match': gz.headers.etag! });
    expect(gzTagNoGzip.status, 'a gzip ETag without gzip accepted names nothing this client can use').toBe(200);
    expect(gzTagNoGzip.headers['content-encoding']).toBeUndefined();
  });

  it.each(['gzip;q=0', 'deflate, br', 'identity, gzip;q=0.5', 'x-gzip', ''])('does not compress for Accept-Encoding "%s"', async (ae) => {
    const r = await raw(SODA, { 'Accept-Encoding': ae });
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(varies(r)).toBe(true);
    expect(r.body.equals((await raw(SODA)).body)).toBe(true);
  });

  it('compresses for "*" and upper-case GZIP, and not answers under 1 KB', async () => {
    for (const ae of ['*', 'GZIP', 'br;q=1, gzip;q=0.2']) expect((await raw(SODA, { 'Accept-Encoding': ae })).headers['content-encoding'], ae).toBe('gzip');
    const small = await raw(`/resource/${INCIDENTS_ID}.json?$select=count(*)`, GZ);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(varies(small)).toBe(true);
    expect(small.headers.etag).not.toMatch(/-gz"$/);
  });

  it('HEAD gives either variant\'s headers and length without a body', async () => {
    const { plain, gz } = await bothVariants(SODA);
    const head = await raw(SODA, GZ, 'HEAD');
    expect(head.headers['content-encoding']).toBe('gzip');
    expect(head.headers.etag).toBe(gz.headers.etag);
    expect(Number(head.headers['content-length'])).toBe(gz.body.length);
    expect(head.body.length).toBe(0);
    expect(Number((await raw(SODA, {}, 'HEAD')).headers['content-length'])).toBe(plain.body.length);
  });
});

describe('gzip for pages, charts and API documents', () => {
  it.each([
    `/datasets/${INCIDENTS_ID}`,
    '/',
    `/datasets/${INCIDENTS_ID}/charts/by-month.svg`,
    '/api/openapi.json',
    `/api/views/${INCIDENTS_ID}.json`,
  ])('%s: both variants, 304 with the gzip ETag', async (path) => {
    const { gz } = await bothVariants(path);
    const cond = await raw(path, { ...GZ, 'If-None-Match': `"other", ${gz.headers.etag}` });
    expect(cond.status).toBe(304);
    expect(cond.body.length).toBe(0);
    expect(cond.headers.etag).toBe(gz.headers.etag);
  });

  it('keeps the security headers on gzipped answers', async () => {
    const gz = await raw(`/datasets/${INCIDENTS_ID}/charts/by-month.svg`, GZ);
    expect(gz.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'");
    expect(gz.headers['x-content-type-options']).toBe('nosniff');
    expect(gz.headers['content-type']).toBe('image/svg+xml');
  });

  it('SQL answers vary by Accept and Accept-Encoding', async () => {
    const sql = encodeURIComponent(`SELECT * FROM "${INCIDENTS_ID}" LIMIT 300`);
    const { gz } = await bothVariants(`/api/sql?format=csv&sql=${sql}`);
    expect(gz.headers.vary).toBe('Accept, Accept-Encoding');
  });

  it('streams bulk files uncompressed whatever the client accepts', async () => {
    for (const path of [`/api/views/${INCIDENTS_ID}/rows.csv`, `/datasets/${INCIDENTS_ID}/rows.csv`]) {
      const r = await raw(path, GZ);
      expect(r.status, path).toBe(200);
      expect(r.headers['content-encoding'], path).toBeUndefined();
      expect(varies(r), path).toBe(false);
      expect(Number(r.headers['content-length'])).toBe(r.body.length);
    }
  });
});
