// The read-only SQL endpoint: results as JSON / CSV / Arrow checked against DuckDB on the release
// Parquet, and hostile SQL (file reads, COPY, ATTACH, INSTALL/LOAD, SET, PRAGMA, DDL/DML, stacked
// statements, runaway and huge queries) refused with a clear 4xx while the server keeps answering.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, pointCurrent } from '../fixture-release.ts';
import { CALLS_ID, CALL_ROWS, buildLargeRelease } from './fixture-large.ts';
import { Reference, runApi, type Running } from './helpers.ts';

let dataDir: string;
let app: Running;
let ref: Reference;
let outsideParquet: string;
let otherReleaseParquet: string;
const RELEASE = 'rel-sql';

beforeAll(async () => {
  dataDir = await makeDataDir();
  await buildLargeRelease(dataDir, 'rel-old', 100);
  await buildLargeRelease(dataDir, RELEASE);
  await pointCurrent(dataDir, RELEASE);
  otherReleaseParquet = path.join(dataDir, 'releases', 'rel-old', 'datasets', CALLS_ID, 'rows.parquet');
  // a private file next to the releases (like staging) that must stay unreadable
  outsideParquet = path.join(dataDir, 'staging', 'secret.parquet');
  await mkdir(path.dirname(outsideParquet), { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`COPY (SELECT 'name-and-address' AS secret) TO '${outsideParquet}' (FORMAT parquet)`);
  c.closeSync();
  db.closeSync();
  app = await runApi(dataDir);
  ref = await Reference.open(path.join(dataDir, 'releases', RELEASE), { calls_for_service: `datasets/${CALLS_ID}/rows.parquet` });
});

afterAll(async () => {
  ref?.close();
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const sqlGet = (sql: string, extra = '', init?: RequestInit) => app.get(`/api/sql?sql=${encodeURIComponent(sql)}${extra}`, init);

async function expectHealthy(): Promise<void> {
  const res = await app.get('/health');
  expect(res.status).toBe(200);
  expect((await res.json()).ok).toBe(true);
}

async function expectRefused(sql: string, message: RegExp, status = 400): Promise<void> {
  const res = await sqlGet(sql);
  const body = await res.json();
  expect(res.status, `${sql} → ${JSON.stringify(body)}`).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
  expect(body).toEqual({ ok: false, error: expect.any(String), status });
  expect(body.error, sql).toMatch(message);
  await expectHealthy();
}

describe('results', () => {
  const Q = 'SELECT precinct, count(*) AS n, avg(response_minutes) AS mean, min(received_hour) AS first FROM calls_for_service GROUP BY 1 ORDER BY 1 NULLS LAST';

  it('answers JSON {ok, columns, rows, truncated} matching DuckDB', async () => {
    const res = await sqlGet(Q);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const body = await res.json();
    expect(body.ok).toBe(true);
    expect(body.truncated).toBe(false);
    expect(body.columns).toEqual([
      { name: 'precinct', type: 'VARCHAR' }, { name: 'n', type: 'BIGINT' }, { name: 'mean', type: 'DOUBLE' }, { name: 'first', type: 'TIMESTAMP' },
    ]);
    const expected = await ref.rows(Q);
    expect(body.rows.map((r: unknown[]) => r.slice(0, 3))).toEqual(expected.map((r) => [r.precinct, Number(r.n), r.mean]));
    expect(body.rows).toHaveLength(6);
  });

  it('exposes each dataset by slug and by quoted id', async () => {
    const a = await (await sqlGet('SELECT count(*) AS n FROM calls_for_service')).json();
    const b = await (await sqlGet(`SELECT count(*) AS n FROM "${CALLS_ID}"`)).json();
    const c = await (await sqlGet('SELECT count(*) AS n FROM use_of_force')).json();
    expect([a.rows, b.rows, c.rows]).toEqual([[[CALL_ROWS]], [[CALL_ROWS]], [[40]]]);
  });

  it('answers CSV by format= or Accept', async () => {
    for (const [extra, init] of [['&format=csv', undefined], ['', { headers: { Accept: 'text/csv' } }]] as const) {
      const res = await sqlGet("SELECT 'a,\"b\"' AS x, 2 AS y UNION ALL SELECT NULL, 3 ORDER BY y", extra, init);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(await res.text()).toBe('x,y\n"a,""b""",2\n,3\n');
    }
  });

  it('answers an Arrow IPC stream that round-trips', async () => {
    const q = 'SELECT event_id, priority, response_minutes, arrest_made, received_hour FROM calls_for_service ORDER BY event_id LIMIT 500';
    const res = await sqlGet(q, '&format=arrow');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(table.numRows).toBe(500);
    const expected = await ref.rows(q);
    const got = table.toArray().map((r) => r.toJSON());
    expect(got.map((r) => [r.event_id, r.priority, r.response_minutes, r.arrest_made, Number(r.received_hour)])).toEqual(
      expected.map((r) => [r.event_id, r.priority, r.response_minutes, r.arrest_made, (r.received_hour as Date).getTime()]),
    );
    const viaAccept = await sqlGet('SELECT 1 AS one', '', { headers: { Accept: 'application/vnd.apache.arrow.stream' } });
    expect(viaAccept.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
  });

  it('accepts POST with a JSON body or a form body', async () => {
    const json = await app.get('/api/sql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT 41 + 1 AS answer' }) });
    expect(await json.json()).toMatchObject({ ok: true, rows: [[42]] });
    const form = await app.get('/api/sql', { method: 'POST', body: new URLSearchParams({ sql: 'SELECT 7 AS n', format: 'csv' }) });
    expect(await form.text()).toBe('n\n7\n');
    const bad = await app.get('/api/sql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"sql": ' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ ok: false, error: expect.any(String), status: 400 });
  });

  it('caps huge results and reports truncation', async () => {
    const res = await sqlGet('SELECT * FROM calls_for_service');
    const body = await res.json();
    expect(body.truncated).toBe(true);
    expect(body.rows).toHaveLength(10_000);
    expect(res.headers.get('x-sql-truncated')).toBe('true');
    const t0 = Date.now();
    const huge = await (await sqlGet('SELECT a.priority FROM calls_for_service a, calls_for_service b', '&format=csv')).text();
    expect(huge.trim().split('\n')).toHaveLength(10_001);
    expect(Date.now() - t0).toBeLessThan(5000);
    await expectHealthy();
  });
});

describe('release switch', () => {
  it('follows `current` to another release without a restart, then back', async () => {
    await pointCurrent(dataDir, 'rel-old');
    try {
      expect((await (await sqlGet('SELECT count(*) FROM calls_for_service')).json()).rows).toEqual([[100]]);
    } finally {
      await pointCurrent(dataDir, RELEASE);
    }
    expect((await (await sqlGet('SELECT count(*) FROM calls_for_service')).json()).rows).toEqual([[CALL_ROWS]]);
  });
});

describe('hostile SQL', () => {
  it.each([
    ["SELECT * FROM read_csv('/etc/passwd')", /Permission|disabled|not allowed/i],
    ["SELECT * FROM read_csv_auto('/etc/passwd')", /Permission|disabled|not allowed/i],
    ["SELECT * FROM read_text('/etc/hostname')", /Permission|disabled|not allowed/i],
    ["SELECT * FROM read_blob('/proc/self/environ')", /Permission|disabled|not allowed/i],
    ["SELECT * FROM glob('/etc/*')", /Permission|disabled|not allowed/i],
    ["SELECT * FROM 'data.csv'", /Permission|disabled|does not exist|not found/i],
    ["SELECT * FROM query('ATTACH ''/tmp/x.db''')", /single SELECT|Permission|disabled|not allowed/i],
  ])('file access: %s', async (sql, message) => {
    await expectRefused(sql, message);
  });

  it('cannot read Parquet outside the current release files (staging, an older release)', async () => {
    await expectRefused(`SELECT * FROM read_parquet('${outsideParquet}')`, /Permission|disabled|not allowed/i);
    await expectRefused(`SELECT * FROM read_parquet('${otherReleaseParquet}')`, /Permission|disabled|not allowed/i);
    await expectRefused(`SELECT * FROM read_parquet('${path.dirname(outsideParquet)}/*.parquet')`, /Permission|disabled|not allowed/i);
  });

  it.each([
    ["COPY calls_for_service TO '/tmp/leak.csv'", /not COPY/],
    ["COPY (SELECT 1) TO '/tmp/leak.csv' (FORMAT csv)", /not COPY/],
    ["ATTACH ':memory:' AS other", /not ATTACH/],
    ["ATTACH '/tmp/x.duckdb' AS other", /not ATTACH/],
    ['DETACH memory', /not DETACH/],
    ['INSTALL httpfs', /not INSTALL/],
    ['LOAD httpfs', /not LOAD/],
    ['SET enable_external_access = true', /not SET/],
    ["SET memory_limit = '100GB'", /not SET/],
    ['RESET lock_configuration', /not RESET/],
    ["SET VARIABLE x = 1", /not SET/],
    ['PRAGMA version', /not PRAGMA/],
    ['PRAGMA enable_profiling', /not PRAGMA/],
    ['CALL pragma_version()', /not CALL/],
    ['CREATE TABLE t AS SELECT 1', /not CREATE/],
    ['CREATE MACRO m(a) AS a', /not CREATE/],
    ['CREATE OR REPLACE VIEW calls_for_service AS SELECT 1 AS x', /not CREATE/],
    ['INSERT INTO calls_for_service VALUES (1)', /not INSERT/],
    ["UPDATE calls_for_service SET precinct = 'X'", /not UPDATE/],
    ['DELETE FROM calls_for_service', /not DELETE/],
    ['DROP VIEW calls_for_service', /not DROP/],
    ['ALTER VIEW calls_for_service RENAME TO x', /not ALTER/],
    ["EXPORT DATABASE '/tmp/export'", /not EXPORT/],
    ['CHECKPOINT', /not CHECKPOINT/],
    ['EXPLAIN SELECT 1', /not EXPLAIN/],
    ['SELECT 1; SELECT 2', /Only one statement/],
    ['SELECT 1; DROP VIEW calls_for_service', /Only one statement/],
    ['SELECT 1 ) AS q; DROP VIEW calls_for_service; SELECT * FROM (SELECT 1', /Only one statement|Parser Error/],
    ['/* hi */ -- there\n PRAGMA version', /not PRAGMA/],
    ['(SELECT 1); DROP VIEW calls_for_service', /Only one statement/],
    ['', /Give one SQL query/],
    ['   ;  ', /No SQL statement/],
    ['-- only a comment', /No SQL statement/],
    ['SELEC 1', /not SELEC/],
    ['SELECT FROM WHERE', /Parser Error|syntax/i],
  ])('statement: %s', async (sql, message) => {
    await expectRefused(sql, message);
  });

  it('leaves the views and the locked settings intact afterwards', async () => {
    const n = await (await sqlGet('SELECT count(*) FROM calls_for_service')).json();
    expect(n.rows).toEqual([[CALL_ROWS]]);
    // Settings (which name server paths) cannot be read at all.
    const settings = await sqlGet("SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', 'lock_configuration') ORDER BY name");
    expect(settings.status).toBe(400);
    expect((await settings.json()).error).toMatch(/not allowed.*duckdb_settings/);
  });

  it.each([
    ['SELECT count(*) FROM range(1000000000000)'],
    ['SELECT max(a.priority * b.priority) FROM calls_for_service a, calls_for_service b'],
    ["SELECT length(repeat('x', 2000000000)) AS n"],
  ])('runaway query times out within ~6 s: %s', async (sql) => {
    const t0 = Date.now();
    const res = await sqlGet(sql);
    const elapsed = Date.now() - t0;
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(600);
    expect((await res.json()).error).toMatch(/time limit|memory|not allowed/i);
    expect(elapsed).toBeLessThan(6500);
    await expectHealthy();
  });

  it('refuses memory bombs with 400', async () => {
    await expectRefused('SELECT list(range) FROM range(500000000)', /memory|time limit|not allowed/i);
  });
});
