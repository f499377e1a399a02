// Replays the exact request shapes of Socrata clients against the large fixture and checks the
// answers against DuckDB queries on the release's Parquet: sodapy (get, get_all, get_metadata,
// datasets), RSocrata (read.socrata's $limit=50000 loop on .json and .csv, ls.socrata), soda-js.
import { readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, pointCurrent } from '../fixture-release.ts';
import { CALLS_ID, CALL_ROWS, FORCE_ID, buildLargeRelease } from './fixture-large.ts';
import { Reference, qs, runApi, sodaValue, type Running } from './helpers.ts';

type Row = Record<string, unknown>;
let dataDir: string;
let app: Running;
let ref: Reference;
const RELEASE = 'rel-clients';

beforeAll(async () => {
  dataDir = await makeDataDir();
  await buildLargeRelease(dataDir, RELEASE);
  await pointCurrent(dataDir, RELEASE);
  app = await runApi(dataDir);
  ref = await Reference.open(path.join(dataDir, 'releases', RELEASE), {
    calls_for_service: `datasets/${CALLS_ID}/rows.parquet`,
    use_of_force: `datasets/${FORCE_ID}/rows.parquet`,
  });
});

afterAll(async () => {
  ref?.close();
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** RFC 4180 CSV → rows of strings (null for an empty unquoted field). */
function parseCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else v += text[i++];
      }
      row.push(v);
    } else {
      let v = '';
      while (i < text.length && text[i] !== ',' && text[i] !== '\n') v += text[i++];
      row.push(v === '' ? null : v);
    }
    if (text[i] === ',') i++;
    else if (text[i] === '\n' || i >= text.length) {
      rows.push(row);
      row = [];
      i++;
    }
  }
  return rows;
}

/** What sodapy's Socrata.get does: requests.get(url, params=..., headers={'X-App-token': ...}) and dispatch on Content-Type. */
async function sodapyGet(datasetId: string, params: Record<string, string | number>, token = 'sodapy-token'): Promise<Row[]> {
  const res = await app.get(`/resource/${datasetId}.json?${qs(params)}`, {
    headers: { 'X-App-token': token, Accept: '*/*', 'User-Agent': 'python-requests/2.31.0', 'Accept-Encoding': 'gzip, deflate' },
  });
  expect(res.status).toBe(200);
  const contentType = res.headers.get('content-type')!.trim().toLowerCase();
  expect(contentType.startsWith('application/json')).toBe(true);
  return (await res.json()) as Row[];
}

describe('sodapy', () => {
  it('get(id, where=..., limit=...) with X-App-token', async () => {
    const rows = await sodapyGet(CALLS_ID, { $where: "priority = 1 AND precinct = 'NORTH'", $limit: 2000 });
    const expected = await ref.soda(`SELECT * FROM calls_for_service WHERE priority = 1 AND precinct = 'NORTH' ORDER BY event_id LIMIT 2000`);
    expect(expected.length).toBe(2000);
    expect(rows).toEqual(expected);
  });

  it('get_all pages $offset/$limit until a short page and gets every row exactly once', async () => {
    const limit = 7000;
    const all: Row[] = [];
    const sizes: number[] = [];
    for (let offset = 0; ; offset += limit) {
      const page = await sodapyGet(CALLS_ID, { $offset: offset, $limit: limit, $where: 'arrest_made = true' });
      sizes.push(page.length);
      all.push(...page);
      if (page.length < limit) break;
    }
    const expected = await ref.soda(`SELECT * FROM calls_for_service WHERE arrest_made ORDER BY event_id`);
    expect(sizes).toEqual([7000, 7000, 6000]);
    expect(all).toEqual(expected);
  });

  it('get_all with the default limit (1000) on the small dataset', async () => {
    const page = await sodapyGet(FORCE_ID, { $offset: 0 });
    expect(page).toEqual(await ref.soda('SELECT * FROM use_of_force ORDER BY uof_id'));
    expect(page).toHaveLength(40);
  });

  it('get_metadata reads /api/views/{id}.json', async () => {
    const res = await app.get(`/api/views/${CALLS_ID}.json`, { headers: { 'X-App-token': 'sodapy-token' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
    const meta = await res.json();
    expect(meta.id).toBe(CALLS_ID);
    expect(meta.columns.slice(0, 2)).toEqual([
      { id: 1, name: 'event id', fieldName: 'event_id', dataTypeName: 'text', renderTypeName: 'text', position: 1, description: 'Keyed pseudonym of the call.' },
      { id: 2, name: 'received hour', fieldName: 'received_hour', dataTypeName: 'floating_timestamp', renderTypeName: 'floating_timestamp', position: 2, description: 'When the call was received.' },
    ]);
    expect(meta.columns.map((c: { fieldName: string }) => c.fieldName)).toContain('arrest_made');
  });

  it('datasets() pages /api/catalog/v1 until resultSetSize results', async () => {
    const results: { resource: Record<string, unknown> }[] = [];
    let total = Infinity;
    for (let offset = 0; results.length < total; offset += 1) {
      const res = await app.get(`/api/catalog/v1?${qs({ domains: '127.0.0.1', offset, limit: 1 })}`);
      const body = await res.json();
      total = body.resultSetSize;
      results.push(...body.results);
    }
    expect(total).toBe(2);
    expect(results.map((r) => r.resource.id)).toEqual([CALLS_ID, FORCE_ID]);
    expect(results[0].resource).toMatchObject({ name: 'Calls for service', description: 'Calls for police service.', updatedAt: '2026-11-23T06:00:00Z' });
    expect(results[0].resource.columns_field_name).toContain('latitude');
    const byId = await (await app.get(`/api/catalog/v1?ids=${FORCE_ID}`)).json();
    expect(byId.results.map((r: { resource: { id: string } }) => r.resource.id)).toEqual([FORCE_ID]);
  });

  it('reads the SODA error message on a bad column', async () => {
    const res = await app.get(`/resource/${CALLS_ID}.json?${qs({ $where: 'nope = 1' })}`, { headers: { 'X-App-token': 't' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
    const body = await res.json();
    expect(body).toMatchObject({ code: 'query.soql.no-such-column', message: 'No such column: nope', error: true });
  });
});

describe('RSocrata', () => {
  /** read.socrata: adds $order=:id and $$app_token, then $limit=50000&$offset=N until an empty page. */
  async function readSocrata(ext: 'json' | 'csv'): Promise<{ pages: number[]; fields: string[]; types: string[]; rows: Row[] }> {
    const base = `/resource/${CALLS_ID}.${ext}?$order=:id&$$app_token=rsocrata-token`;
    const pages: number[] = [];
    const rows: Row[] = [];
    let fields: string[] = [];
    let types: string[] = [];
    for (;;) {
      const res = await app.get(`${base}&$limit=50000&$offset=${rows.length}`, { headers: { Accept: 'application/json, text/xml, application/xml, */*' } });
      expect(res.status).toBe(200);
      fields = JSON.parse(res.headers.get('x-soda2-fields')!);
      types = JSON.parse(res.headers.get('x-soda2-types')!);
      let page: Row[];
      if (ext === 'json') {
        expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
        page = (await res.json()) as Row[];
      } else {
        expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
        const [header, ...body] = parseCsv(await res.text());
        expect(header).toEqual(fields);
        page = body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]).filter(([, v]) => v !== null)));
      }
      pages.push(page.length);
      if (page.length === 0) break;
      rows.push(...page);
    }
    return { pages, fields, types, rows };
  }

  it('read.socrata on .json: 50000-row pages until the empty page, with type headers', async () => {
    const got = await readSocrata('json');
    expect(got.pages).toEqual([50000, CALL_ROWS - 50000, 0]);
    expect(got.fields).toEqual(['event_id', 'received_hour', 'call_source', 'priority', 'precinct', 'latitude', 'longitude', 'response_minutes', 'arrest_made', 'note']);
    expect(got.types).toEqual(['text', 'floating_timestamp', 'text', 'number', 'text', 'number', 'number', 'number', 'checkbox', 'text']);
    expect(got.rows).toEqual(await ref.soda('SELECT * FROM calls_for_service ORDER BY event_id'));
    // RSocrata's posixify parses floating timestamps with %Y-%m-%dT%H:%M:%OS (a trailing Z breaks it)
    for (const r of got.rows.slice(0, 100)) expect(r.received_hour).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
  });

  it('read.socrata on .csv: same rows, header on every page including the empty one', async () => {
    const got = await readSocrata('csv');
    expect(got.pages).toEqual([50000, CALL_ROWS - 50000, 0]);
    const expected = (await ref.rows('SELECT * FROM calls_for_service ORDER BY event_id')).map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'boolean' ? String(v) : sodaValue(v)]).filter(([, v]) => v !== undefined)),
    );
    expect(got.rows).toEqual(expected);
    const empty = await app.get(`/resource/${CALLS_ID}.csv?$where=priority=99`);
    expect(await empty.text()).toBe(`${got.fields.map((f) => `"${f}"`).join(',')}\n`);
  });

  it('ls.socrata reads /data.json (DCAT-US), with links on the host the client used', async () => {
    // fetch cannot set Host, so use node:http the way a client behind that name would arrive
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http.get(`${app.url}/data.json`, { headers: { Host: 'data.example.gov' } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d) => (text += d)).on('end', () => resolve({ status: res.statusCode!, body: text }));
      }).on('error', reject);
    });
    expect(status).toBe(200);
    const cat = JSON.parse(body);
    expect(cat.conformsTo).toBe('https://project-open-data.cio.gov/v1.1/schema');
    expect(cat.dataset.map((d: { title: string }) => d.title)).toEqual(['Calls for service', 'Use of force']);
    expect(cat.dataset[0].landingPage).toBe(`http://data.example.gov/datasets/${CALLS_ID}`);
    expect(cat.dataset[0].distribution.every((d: { downloadURL: string }) => d.downloadURL.startsWith('http://data.example.gov/'))).toBe(true);
  });
});

describe('soda-js', () => {
  it('consumer.query().select().where().order().limit() request shape', async () => {
    // soda-js joins where() clauses as "(a) AND (b)" and sends $select, $where, $order, $limit
    const params = { $select: 'event_id,precinct,response_minutes', $where: "(priority <= 2) AND (precinct = 'EAST')", $order: 'response_minutes desc', $limit: 25 };
    const res = await app.get(`/resource/${CALLS_ID}.json?${qs(params)}`, { headers: { Accept: 'application/json', 'X-App-Token': 'sodajs' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(
      await ref.soda(`SELECT event_id, precinct, response_minutes FROM calls_for_service WHERE priority <= 2 AND precinct = 'EAST'
        ORDER BY response_minutes DESC NULLS FIRST, event_id LIMIT 25`),
    );
  });
});

describe('formats and bulk exports', () => {
  it('GeoJSON: Points from latitude/longitude, null geometry when absent', async () => {
    const res = await app.get(`/resource/${CALLS_ID}.geojson?$limit=20`);
    expect(res.headers.get('content-type')).toBe('application/vnd.geo+json');
    const fc = await res.json();
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features).toHaveLength(20);
    const expected = await ref.rows('SELECT * FROM calls_for_service ORDER BY event_id LIMIT 20');
    fc.features.forEach((f: { geometry: { type: string; coordinates: number[] } | null; properties: Row }, i: number) => {
      const e = expected[i];
      expect(f.properties.event_id).toBe(e.event_id);
      if (e.latitude === null) expect(f.geometry).toBeNull();
      else expect(f.geometry).toEqual({ type: 'Point', coordinates: [e.longitude, e.latitude] });
    });
    expect(fc.features.some((f: { geometry: unknown }) => f.geometry === null)).toBe(true);
  });

  it('/api/views/{id}/rows.csv and rows.json stream the whole published file, never capped', async () => {
    for (const ext of ['csv', 'json'] as const) {
      const res = await app.get(`/api/views/${CALLS_ID}/rows.${ext}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(ext === 'csv' ? 'text/csv; charset=utf-8' : 'application/json;charset=utf-8');
      const body = Buffer.from(await res.arrayBuffer());
      const file = await readFile(path.join(dataDir, 'releases', RELEASE, 'datasets', CALLS_ID, `rows.${ext}`));
      expect(body.equals(file)).toBe(true);
    }
    const csv = await (await app.get(`/api/views/${CALLS_ID}/rows.csv`)).text();
    expect(csv.trim().split('\n')).toHaveLength(CALL_ROWS + 1);
  });

  it('404s unknown datasets and exports with the SODA error JSON', async () => {
    for (const p of ['/resource/zzzz-9999.json', '/resource/c911-call.xml', '/api/views/zzzz-9999.json', `/api/views/${CALLS_ID}/rows.parquet`, '/api/views/zzzz-9999/rows.csv']) {
      const res = await app.get(p);
      expect(res.status, p).toBe(404);
      expect((await res.json()).code, p).toBe('not_found');
    }
  });
});
