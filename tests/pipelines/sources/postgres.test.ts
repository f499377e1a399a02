// The PostgreSQL source against a real server (tests/helpers/postgres.ts starts one in a temp
// dir; missing binaries fail these tests, they never skip). Each test uses its own schema and
// its own in-memory DuckDB staging.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { TABLES, tableSpec, type TableName } from '../../../pipelines/contract.ts';
import { memoryLogger } from '../../../pipelines/io.ts';
import { parseSourceMapping } from '../../../pipelines/sources/mapping.ts';
import { loadPostgres, postgresConnectionFromEnv, storedWatermark, type PostgresLoadOptions } from '../../../pipelines/sources/postgres.ts';
import type { TableLoadReport } from '../../../pipelines/sources/stage.ts';
import { contractDdl, contractTableDdl, startPostgres, type TestPostgres } from '../../helpers/postgres.ts';
import { defaultValue, type Row } from './csv-drop-helpers.ts';

let pg: TestPostgres;
beforeAll(async () => { pg = await startPostgres(); });
afterAll(async () => { await pg?.stop(); });

let schemaNo = 0;
/** A fresh schema holding the three contract tables. */
async function freshSchema(o: Parameters<typeof contractDdl>[1] = {}): Promise<string> {
  const schema = `s${++schemaNo}_${process.pid}`;
  await pg.query(contractDdl(schema, o));
  return schema;
}

/** Inserts rows (defaults for unnamed fields), values as text parameters cast by PostgreSQL. */
async function insert(schema: string, table: TableName, rows: Row[], o: { name?: string; rename?: Record<string, string> } = {}) {
  const spec = tableSpec(table);
  const cols = spec.fields.map((f) => `"${o.rename?.[f.name] ?? f.name}"`).join(', ');
  for (const row of rows) {
    const values = spec.fields.map((f) => (f.name in row ? row[f.name] ?? null : defaultValue(f)));
    await pg.query(`INSERT INTO "${schema}"."${o.name ?? table}" (${cols}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`, values);
  }
}

async function staging() {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  return { conn, rows };
}

async function pull(conn: DuckDBConnection, schema: string, opts: Partial<PostgresLoadOptions> = {}) {
  const log = memoryLogger();
  const reports = await loadPostgres(conn, { connection: pg.url, schema, tables: ['cad_events'], log, ...opts });
  return { reports: reports as Record<TableName, TableLoadReport>, lines: log.lines };
}

const invariant = (r: TableLoadReport) =>
  expect(r.applied.rowsRead).toBe(r.applied.inserted + r.applied.updated + r.applied.superseded + r.applied.quarantined);

describe('PostgreSQL source', () => {
  it('pulls incrementally on updated_at with a stored watermark (>=, so equal instants are not missed)', async () => {
    const schema = await freshSchema();
    await insert(schema, 'cad_events', [
      { event_id: 'E1', updated_at: '2026-03-01T10:00:00Z' },
      { event_id: 'E2', updated_at: '2026-03-02T10:00:00Z' },
      { event_id: 'E3', updated_at: '2026-03-03T10:00:00.123456Z', remarks: 'v1' },
    ]);
    const { conn, rows } = await staging();
    const first = (await pull(conn, schema)).reports.cad_events;
    expect(first).toMatchObject({ staged: 3, quarantined: 0, applied: { source: 'postgres', units: ['full'], rowsRead: 3, inserted: 3, updated: 0 } });
    invariant(first);
    expect(await storedWatermark(conn, 'cad_events')).toBe('2026-03-03T10:00:00.123456Z');
    expect(await rows('SELECT source, table_name FROM _source_watermarks')).toEqual([{ source: `postgres:postgres/${schema}.cad_events`, table_name: 'cad_events' }]);

    await pg.query(`UPDATE "${schema}".cad_events SET remarks = 'v2', updated_at = '2026-03-04T10:00:00Z' WHERE event_id = 'E1'`);
    // Written after the first pull, with the watermark's instant: must not be missed.
    await insert(schema, 'cad_events', [{ event_id: 'E4', updated_at: '2026-03-03T10:00:00.123456Z' }]);
    const second = (await pull(conn, schema)).reports.cad_events;
    expect(second).toMatchObject({
      staged: 4,
      applied: { units: ['watermark>=2026-03-03T10:00:00.123456Z'], rowsRead: 3, inserted: 1, updated: 2, superseded: 0, quarantined: 0 },
    });
    invariant(second);
    expect(await storedWatermark(conn, 'cad_events')).toBe('2026-03-04T10:00:00.000000Z');
    expect(await rows(`SELECT event_id, remarks, epoch_ms(updated_at)::BIGINT AS ms FROM stg_cad_events ORDER BY 1`)).toEqual([
      { event_id: 'E1', remarks: 'v2', ms: String(Date.parse('2026-03-04T10:00:00Z')) },
      { event_id: 'E2', remarks: 'remarks-x', ms: String(Date.parse('2026-03-02T10:00:00Z')) },
      { event_id: 'E3', remarks: 'v1', ms: String(Date.parse('2026-03-03T10:00:00.123Z')) },
      { event_id: 'E4', remarks: 'remarks-x', ms: String(Date.parse('2026-03-03T10:00:00.123Z')) },
    ]);

    // Nothing new: only the watermark rows come back, and the watermark stays.
    const third = (await pull(conn, schema)).reports.cad_events;
    expect(third.applied).toMatchObject({ rowsRead: 1, inserted: 0, updated: 1 });
    expect(await storedWatermark(conn, 'cad_events')).toBe('2026-03-04T10:00:00.000000Z');
  });

  it('full re-pulls everything and drops rows gone from the source', async () => {
    const schema = await freshSchema();
    await insert(schema, 'cad_events', [{ event_id: 'E1' }, { event_id: 'E2' }]);
    const { conn, rows } = await staging();
    await pull(conn, schema);
    await pg.query(`DELETE FROM "${schema}".cad_events WHERE event_id = 'E2'`);
    const { reports } = await pull(conn, schema, { full: true });
    expect(reports.cad_events).toMatchObject({ staged: 1, applied: { units: ['full'], rowsRead: 1, inserted: 1, updated: 0 } });
    expect(await rows('SELECT event_id FROM stg_cad_events')).toEqual([{ event_id: 'E1' }]);
    expect(await rows('SELECT count(*)::INTEGER n FROM _source_watermarks')).toEqual([{ n: 1 }]);
  });

  it('a reclassified offense (new nibrs_code, newer updated_at) replaces the staged row; a sealed row arrives SEALED', async () => {
    const schema = await freshSchema();
    await insert(schema, 'rms_offenses', [
      { offense_id: 'O1', nibrs_code: '13B', offense_description: 'SIMPLE ASSAULT', updated_at: '2026-03-01T00:00:00Z' },
      { offense_id: 'O2', updated_at: '2026-03-01T00:00:00Z' },
    ]);
    const { conn, rows } = await staging();
    await pull(conn, schema, { tables: ['rms_offenses'] });
    await pg.query(`UPDATE "${schema}".rms_offenses SET nibrs_code = '13A', offense_description = 'AGGRAVATED ASSAULT', updated_at = '2026-03-09T00:00:00Z' WHERE offense_id = 'O1'`);
    await pg.query(`UPDATE "${schema}".rms_offenses SET record_status = 'SEALED', updated_at = '2026-03-10T00:00:00Z' WHERE offense_id = 'O2'`);
    const { reports } = await pull(conn, schema, { tables: ['rms_offenses'] });
    expect(reports.rms_offenses).toMatchObject({ staged: 2, applied: { inserted: 0, updated: 2 } });
    expect(await rows('SELECT offense_id, nibrs_code, offense_description, record_status FROM stg_rms_offenses ORDER BY 1')).toEqual([
      { offense_id: 'O1', nibrs_code: '13A', offense_description: 'AGGRAVATED ASSAULT', record_status: 'ACTIVE' },
      { offense_id: 'O2', nibrs_code: 'nibrs_code-x', offense_description: 'offense_description-x', record_status: 'SEALED' },
    ]);
  });

  it('turns every type into the text the contract expects, and quarantines bad values with reasons', async () => {
    // latitude and priority as text, as some exports have them, so bad values can exist.
    const schema = await freshSchema({ types: { latitude: 'text', received_at: 'text' } });
    await insert(schema, 'cad_events', [
      { event_id: 'OK', received_at: '2026-03-04T21:07:55-08:00', latitude: '47.6062123456789', longitude: '-0.00001', priority: '3' },
      { event_id: 'BADLAT', latitude: '47,61' },
      { event_id: 'BADCODE', call_source: 'PIGEON' },
      { event_id: 'RANGE', priority: '12' },
      { event_id: 'NOREQ', beat: null, received_at: '2026-03-04 21:07:55' },
    ]);
    await insert(schema, 'rms_offenses', [{ offense_id: 'O1', victim_dob: '1980-01-02', domestic_violence: 'true', victim_age: '45' }]);
    const { conn, rows } = await staging();
    const { reports, lines } = await pull(conn, schema, { tables: ['cad_events', 'rms_offenses'] });
    expect(reports.cad_events).toMatchObject({ staged: 1, quarantined: 4, applied: { rowsRead: 5, inserted: 1, quarantined: 4 } });
    invariant(reports.cad_events);
    expect(await rows(`SELECT epoch_ms(received_at)::BIGINT AS ms, latitude, longitude, priority FROM stg_cad_events`)).toEqual([
      { ms: String(Date.parse('2026-03-05T05:07:55Z')), latitude: 47.6062123456789, longitude: -0.00001, priority: 3 }]);
    expect(await rows(`SELECT victim_dob::VARCHAR AS d, domestic_violence AS dv, victim_age AS a FROM stg_rms_offenses`)).toEqual([
      { d: '1980-01-02', dv: true, a: 45 }]);
    const q = await rows(`SELECT batch, line, reason, raw FROM quarantine WHERE table_name = 'cad_events' ORDER BY raw`);
    expect(q.map((r) => [String(r.raw).split(',')[0], r.reason])).toEqual([
      ['BADCODE', 'call_source: not one of the allowed codes (911, NON_EMERGENCY, ONLINE, ONVIEW, ALARM, TEXT)'],
      ['BADLAT', 'latitude: not a plain decimal number'],
      ['NOREQ', 'received_at: not an ISO 8601 timestamp with offset; beat: required value is empty'],
      ['RANGE', 'priority: out of range 1..9'],
    ]);
    expect(q.every((r) => String(r.batch).startsWith(`postgres:${schema}.cad_events@`) && r.line === null)).toBe(true);
    expect(lines.some((l) => l.startsWith('warn:') && l.includes('4 row(s) quarantined'))).toBe(true);
  });

  it('applies the mapping file: source table and column renames, code maps; reports unknown columns', async () => {
    const schema = await freshSchema();
    const rename = { event_id: 'incident_no', received_at: 'call_time', call_source: 'source' };
    await pg.query(contractTableDdl(tableSpec('cad_events'), { schema, name: 'cad_export', rename }));
    await pg.query(`ALTER TABLE "${schema}".cad_export ADD COLUMN legacy_code text`);
    await insert(schema, 'cad_events', [
      { event_id: 'E1', call_source: 'E911' },
      { event_id: 'E2', call_source: "NE'); DROP TABLE x; --" },
      { event_id: 'E3', call_source: 'NE' },
      { event_id: 'E4', call_source: 'ONVIEW' },
    ], { name: 'cad_export', rename });
    const mapping = parseSourceMapping([
      'tables:',
      '  cad_events:',
      '    from: cad_export',
      '    columns: { event_id: incident_no, received_at: call_time, call_source: source }',
      `    codes: { call_source: { "E911": "911", NE: NON_EMERGENCY, "NE'); DROP TABLE x; --": ONLINE } }`,
    ].join('\n'), 'agency-mapping.yaml');
    const { conn, rows } = await staging();
    const { reports, lines } = await pull(conn, schema, { mapping });
    expect(reports.cad_events).toMatchObject({ staged: 4, quarantined: 0, unknownColumns: ['legacy_code'] });
    expect(lines.some((l) => l.startsWith('warn:') && l.includes('"legacy_code"'))).toBe(true);
    expect(await rows('SELECT event_id, call_source FROM stg_cad_events ORDER BY 1')).toEqual([
      { event_id: 'E1', call_source: '911' }, { event_id: 'E2', call_source: 'ONLINE' },
      { event_id: 'E3', call_source: 'NON_EMERGENCY' }, { event_id: 'E4', call_source: 'ONVIEW' }]);
    expect(await rows(`SELECT source FROM _source_watermarks`)).toEqual([{ source: `postgres:postgres/${schema}.cad_export` }]);

    // Without the mapping, the source table is missing: a clear error naming it.
    const other = await staging();
    await expect(pull(other.conn, schema, { mapping: parseSourceMapping('tables:\n  cad_events: { from: nowhere }\n', 'm.yaml') }))
      .rejects.toThrow(new RegExp(`has no table ${schema}\\.nowhere \\(contract table cad_events\\), mapped in m\\.yaml`));
    await expect(pull(other.conn, schema, { mapping: parseSourceMapping('tables:\n  cad_events: { from: cad_export }\n', 'm.yaml') }))
      .rejects.toThrow(/cad_export: missing required columns event_id, received_at, call_source/);
  });

  it('a stopped server is a clear error, leaves staging as it was, and never shows the password', async () => {
    const own = await startPostgres();
    try {
      const schema = 'records';
      await own.query(contractDdl(schema));
      await own.query(`INSERT INTO records.cad_events SELECT * FROM json_populate_record(NULL::records.cad_events, $1)`, [
        Object.fromEntries(tableSpec('cad_events').fields.map((f) => [f.name, defaultValue(f)])),
      ]);
      const { conn, rows } = await staging();
      const connection = { host: own.host, port: own.port, user: 'postgres', password: 'S3cret-pw', database: 'postgres' };
      const log = memoryLogger();
      await loadPostgres(conn, { connection, tables: ['cad_events'], log });
      const before = await rows('SELECT * FROM stg_cad_events');
      const wm = await storedWatermark(conn, 'cad_events');
      await own.pause();
      const err = await loadPostgres(conn, { connection, tables: ['cad_events'], log }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(new RegExp(`^records database unreachable at 127\\.0\\.0\\.1:${own.port}: .*ECONNREFUSED`));
      expect((err as Error).message).not.toContain('S3cret');
      expect(log.lines.join('\n')).not.toContain('S3cret');
      expect(await rows('SELECT * FROM stg_cad_events')).toEqual(before);
      expect(await storedWatermark(conn, 'cad_events')).toBe(wm);
      expect(await rows(`SELECT count(*)::INTEGER n FROM duckdb_tables() WHERE temporary`)).toEqual([{ n: 0 }]);
    } finally {
      await own.stop();
    }
  });

  it('a connection dropped in the middle of a pull is a clear error; staging and the watermark stay as they were', async () => {
    const schema = await freshSchema();
    await insert(schema, 'cad_events', [{ event_id: 'E0', updated_at: '2026-01-01T00:00:00Z' }]);
    const { conn, rows } = await staging();
    await pull(conn, schema);
    const wm = await storedWatermark(conn, 'cad_events');
    // 50,000 newer rows, generated in the server.
    const spec = tableSpec('cad_events');
    const cols = spec.fields.map((f) => `"${f.name}"`).join(', ');
    const vals = spec.fields.map((f) => {
      if (f.name === 'event_id') return `'G' || g`;
      if (f.name === 'updated_at') return `'2026-02-01T00:00:00Z'::timestamptz + g * interval '1 second'`;
      const v = defaultValue(f);
      return v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`;
    });
    await pg.query(`INSERT INTO "${schema}".cad_events (${cols}) SELECT ${vals.join(', ')} FROM generate_series(1, 50000) g`);
    let killed: Promise<unknown> | null = null;
    let seen = 0;
    const err = await pull(conn, schema, {
      connection: { connectionString: pg.url, application_name: 'pull-under-test' },
      batchSize: 100,
      progress: (_step, done) => {
        seen = done;
        if (!killed && done >= 1000) {
          killed = pg.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pull-under-test'`);
        }
      },
    }).catch((e: Error) => e);
    await killed;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(new RegExp(`^records database unreachable at 127\\.0\\.0\\.1:${pg.port}: terminating connection due to administrator command \\(pulling ${schema}\\.cad_events\\)`));
    expect(seen).toBeGreaterThanOrEqual(1000);
    expect(seen).toBeLessThan(50001);
    expect(await rows('SELECT event_id FROM stg_cad_events')).toEqual([{ event_id: 'E0' }]);
    expect(await storedWatermark(conn, 'cad_events')).toBe(wm);
    expect(await rows(`SELECT count(*)::INTEGER n FROM duckdb_tables() WHERE temporary`)).toEqual([{ n: 0 }]);

    // The next pull picks everything up.
    const ok = (await pull(conn, schema, { batchSize: 5000 })).reports.cad_events;
    expect(ok).toMatchObject({ staged: 50001, applied: { rowsRead: 50001, inserted: 50000, updated: 1 } });
  });
});

describe('postgresConnectionFromEnv', () => {
  it('prefers RECORDS_DATABASE_URL, else the PG* variables; fails clearly with none or a bad port', () => {
    expect(postgresConnectionFromEnv({ RECORDS_DATABASE_URL: 'postgres://u:p@h:5433/d', PGHOST: 'other' })).toEqual({ connectionString: 'postgres://u:p@h:5433/d' });
    expect(postgresConnectionFromEnv({ PGHOST: 'db', PGPORT: '5433', PGUSER: 'pub', PGPASSWORD: 'pw', PGDATABASE: 'rms' }))
      .toEqual({ host: 'db', port: 5433, user: 'pub', password: 'pw', database: 'rms' });
    expect(() => postgresConnectionFromEnv({})).toThrow(/no records database configured: set RECORDS_DATABASE_URL, or PGHOST, PGPORT/);
    expect(() => postgresConnectionFromEnv({ PGHOST: 'db', PGPORT: 'x' })).toThrow(/PGPORT must be a port number/);
  });

  it('the contract DDL helper covers all three tables', () => {
    const ddl = contractDdl('records');
    for (const t of TABLES) expect(ddl).toContain(`CREATE TABLE "records"."${t.name}"`);
  });
});
