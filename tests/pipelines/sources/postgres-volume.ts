// Timing, not a test: a 1,000,000-row cad_events pull from a throwaway PostgreSQL server into a
// file-backed DuckDB staging, then an incremental pull of 10,000 changed rows.
//   node --import tsx tests/pipelines/sources/postgres-volume.ts [rows]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableSpec } from '../../../pipelines/contract.ts';
import { memoryLogger } from '../../../pipelines/io.ts';
import { loadPostgres } from '../../../pipelines/sources/postgres.ts';
import { contractDdl, startPostgres } from '../../helpers/postgres.ts';
import { defaultValue } from './csv-drop-helpers.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const pg = await startPostgres();
const dir = await mkdtemp(join(tmpdir(), 'pg-volume-'));
try {
  await pg.query(contractDdl('records'));
  const spec = tableSpec('cad_events');
  const expr: Record<string, string> = {
    event_id: `'2026-' || lpad(g::text, 8, '0')`,
    received_at: `'2016-01-01T00:00:00Z'::timestamptz + g * interval '5 minutes'`,
    dispatched_at: `'2016-01-01T00:03:00Z'::timestamptz + g * interval '5 minutes'`,
    cleared_at: `CASE WHEN g % 7 = 0 THEN NULL ELSE '2016-01-01T01:00:00Z'::timestamptz + g * interval '5 minutes' END`,
    priority: `1 + g % 9`,
    latitude: `47.5 + (g % 1000) / 3333.0`,
    longitude: `-122.3 - (g % 777) / 5555.0`,
    remarks: `'caller reports, "quoted" text ' || g`,
    updated_at: `'2016-01-01T00:00:00Z'::timestamptz + g * interval '5 minutes' + interval '1 day'`,
    call_source: `(ARRAY['911','NON_EMERGENCY','ONLINE','ONVIEW','ALARM','TEXT'])[1 + g % 6]`,
  };
  const cols = spec.fields.map((f) => `"${f.name}"`).join(', ');
  const vals = spec.fields.map((f) => expr[f.name] ?? `'${defaultValue(f).replace(/'/g, "''")}'`);
  let t = Date.now();
  await pg.query(`INSERT INTO records.cad_events (${cols}) SELECT ${vals.join(', ')} FROM generate_series(1, ${N}) g`);
  await pg.query('VACUUM ANALYZE records.cad_events');
  console.log(`source: ${N} rows inserted in ${((Date.now() - t) / 1000).toFixed(1)}s`);

  const db = await DuckDBInstance.create(join(dir, 'staging.duckdb'));
  const conn = await db.connect();
  const log = memoryLogger();
  t = Date.now();
  const full = await loadPostgres(conn, { connection: pg.url, tables: ['cad_events'], log });
  const fullSecs = (Date.now() - t) / 1000;
  console.log(`full pull: ${JSON.stringify(full.cad_events)} in ${fullSecs.toFixed(1)}s (${Math.round(N / fullSecs)} rows/s)`);
  console.log(log.lines.join('\n'));

  await pg.query(`UPDATE records.cad_events SET final_call_type = 'RECLASSIFIED', updated_at = now() WHERE event_id IN (SELECT event_id FROM records.cad_events ORDER BY event_id LIMIT 10000)`);
  t = Date.now();
  const incr = await loadPostgres(conn, { connection: pg.url, tables: ['cad_events'], log: memoryLogger() });
  console.log(`incremental pull: ${JSON.stringify(incr.cad_events.applied)} in ${((Date.now() - t) / 1000).toFixed(1)}s`);
  conn.closeSync();
  db.closeSync();
} finally {
  await pg.stop();
  await rm(dir, { recursive: true, force: true });
}
