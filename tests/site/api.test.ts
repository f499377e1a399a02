// The Socrata-style JSON API: paging, stable order, null omission, floating timestamps, numbers as
// strings (as Socrata sends them), headers,
// parameter validation and ids that must never reach the filesystem.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORCE_ID, INCIDENT_ROWS, INCIDENTS_ID, buildRelease, makeDataDir, pointCurrent } from './fixture-release.ts';
import { runApp, type Running } from './helpers.ts';

type Row = Record<string, unknown>;
let dataDir: string;
let app: Running;
let allKeys: string[];

beforeAll(async () => {
  dataDir = await makeDataDir();
  await buildRelease(dataDir, { releaseId: 'rel-api' });
  await pointCurrent(dataDir, 'rel-api');
  app = await runApp(dataDir);
  const file = path.join(dataDir, 'releases/rel-api/datasets', INCIDENTS_ID, 'rows.json');
  const rows = JSON.parse(await readFile(file, 'utf8')) as { incident_key: string }[];
  allKeys = rows.map((r) => r.incident_key).sort();
});

afterAll(async () => {
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function page(query: string): Promise<Row[]> {
  const res = await app.get(`/resource/${INCIDENTS_ID}.json${query}`);
  expect(res.status, query).toBe(200);
  return (await res.json()) as Row[];
}

describe('paging', () => {
  it('defaults to 1000 rows', async () => {
    expect(await page('')).toHaveLength(1000);
  });

  it('returns exactly min(limit, remaining) rows and pages concatenate in stable order', async () => {
    const keys: string[] = [];
    for (let offset = 0; ; offset += 700) {
      const rows = await page(`?$limit=700&$offset=${offset}`);
      expect(rows).toHaveLength(Math.max(0, Math.min(700, INCIDENT_ROWS - offset)));
      if (!rows.length) break;
      keys.push(...rows.map((r) => r.incident_key as string));
    }
    expect(keys).toEqual(allKeys);
  });

  it('honours $limit=50000 and an offset near or past the end', async () => {
    expect(await page('?$limit=50000')).toHaveLength(INCIDENT_ROWS);
    expect(await page(`?$limit=7&$offset=${INCIDENT_ROWS - 5}`)).toHaveLength(5);
    expect(await page(`?$offset=${INCIDENT_ROWS}`)).toEqual([]);
    expect(await page('?$offset=99999999')).toEqual([]);
    expect(await page('?$limit=0')).toEqual([]);
  });

  it('is stable across repeated requests', async () => {
    expect(await page('?$limit=50&$offset=1234')).toEqual(await page('?$limit=50&$offset=1234'));
    expect(await page('?$limit=3&$order=incident_key')).toEqual(await page('?$limit=3'));
  });
});

describe('body', () => {
  it('leaves out keys whose value is null and keeps types', async () => {
    const rows = await page('?$limit=50000');
    for (const row of rows) for (const v of Object.values(row)) expect(v).not.toBeNull();
    expect(rows.filter((r) => !('category' in r))).toHaveLength(INCIDENT_ROWS / 10);
    expect(rows.filter((r) => !('district' in r)).length).toBeGreaterThan(0);
    const sample = rows.find((r) => r.note)!;
    expect(sample).toEqual({
      incident_key: expect.any(String),
      occurred_at: '2024-01-01T05:00:00.005',
      category: 'Theft',
      district: '6',
      arrest_made: false,
      note: 'quote " and <b>tag</b>',
    });
  });

  it('formats timestamps as floating YYYY-MM-DDTHH:MM:SS.sss with no Z', async () => {
    for (const row of await page('?$limit=500')) {
      expect(row.occurred_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
    }
  });
});

describe('headers', () => {
  it('sends the exact Socrata headers', async () => {
    const res = await app.get(`/resource/${INCIDENTS_ID}.json?$limit=1`);
    expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('last-modified')).toBe('Sat, 01 Mar 2025 06:30:00 GMT');
    expect(JSON.parse(res.headers.get('x-soda2-fields')!)).toEqual(['incident_key', 'occurred_at', 'category', 'district', 'arrest_made', 'note']);
    expect(JSON.parse(res.headers.get('x-soda2-types')!)).toEqual(['text', 'floating_timestamp', 'text', 'number', 'checkbox', 'text']);
  });

  it('serves the second dataset with its own fields', async () => {
    const res = await app.get(`/resource/${FORCE_ID}.json?$limit=2`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.headers.get('x-soda2-types')!)).toEqual(['text', 'number', 'text']);
    expect(await res.json()).toEqual([{ case_key: 'f000', force_level: '0', injury: 'Yes' }, { case_key: 'f001', force_level: '1.5' }]);
  });
});

describe('errors', () => {
  it.each(['$limit=50001', '$limit=-1', '$limit=1.5', '$limit=abc', '$limit=', '$limit=1e3', '$offset=-3', '$offset=2.5', '$limit=1&$limit=2'])(
    'rejects %s with 400 query.invalid',
    async (q) => {
      const res = await app.get(`/resource/${INCIDENTS_ID}.json?${q}`);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
      const body = await res.json();
      expect(body.code).toBe('query.invalid');
      expect(typeof body.message).toBe('string');
    },
  );

  it('answers SoQL features (implemented in site/soql; exhaustive tests in tests/site/soql and tests/site/api)', async () => {
    for (const q of ['$where=district=3', 'category=Theft', '$order=district']) {
      const res = await app.get(`/resource/${INCIDENTS_ID}.json?${q}`);
      expect(res.status, q).toBe(200);
    }
    const unknown = await app.get(`/resource/${INCIDENTS_ID}.json?$where=nope=1`);
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).code).toBe('query.soql.no-such-column');
  });

  it('404s unknown and malformed ids with JSON', async () => {
    for (const p of ['/resource/zzzz-9999.json', '/resource/..%2F..%2Fetc%2Fpasswd.json', '/resource/%2e%2e%2fmanifest.json', '/resource/INCI-2024.json', '/resource/../../etc/passwd', '/resource/a/b.json']) {
      const res = await app.get(p);
      expect(res.status, p).toBe(404);
      if (p.startsWith('/resource/') && !p.includes('/../')) expect((await res.json()).code, p).toBe('not_found');
    }
  });

  it('tolerates a GET with a body-like header and the app token header', async () => {
    const res = await app.get(`/resource/${INCIDENTS_ID}.json?$limit=1&$$app_token=abc`, { headers: { 'X-App-token': 'abc' } });
    expect(res.status).toBe(200);
  });
});
