// One day of changes for the incremental benchmark: a new batch folder (named one day after the
// last one, so it sorts after every existing batch) holding ~3,000 contract-format CSV rows made
// with DuckDB from the last batch: updates (reclassified call types, NIBRS codes, dispositions,
// review statuses), seals (record_status SEALED) and new records (fresh ids), each with a newer
// updated_at. Written with COPY in contract column order.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { tableSpec, type TableName } from '../pipelines/contract.ts';
import { ident, literal } from '../rules/sql.ts';

const BATCH = /^\d{8}T\d{6}Z$/;

/** Per table: rows to update, to seal and to add, and the fields an update takes from another row. */
const PLAN: Record<TableName, { update: number; seal: number; add: number; reclassify: string[]; newIds: string[] }> = {
  cad_events: { update: 1000, seal: 100, add: 700, reclassify: ['final_call_type', 'disposition'], newIds: ['event_id', 'report_number'] },
  rms_offenses: { update: 500, seal: 100, add: 500, reclassify: ['nibrs_code', 'offense_description', 'nibrs_group', 'crime_against'], newIds: ['offense_id', 'report_number'] },
  use_of_force: { update: 50, seal: 10, add: 40, reclassify: ['review_status'], newIds: ['uof_id', 'incident_number'] },
};

/** Batch folder name one day after `last` (YYYYMMDDTHHMMSSZ). */
export function nextBatchName(last: string): { name: string; at: Date } {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(last);
  if (!m) throw new Error(`not a batch name: ${last}`);
  const at = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3] + 1, +m[4], +m[5], +m[6]));
  return { name: at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z'), at };
}

async function writeTable(conn: DuckDBConnection, table: TableName, from: string, to: string, at: Date): Promise<number> {
  const spec = tableSpec(table);
  const plan = PLAN[table];
  const pk = ident(spec.primaryKey);
  await conn.run(`CREATE OR REPLACE TEMP TABLE src AS
    SELECT *, row_number() OVER (ORDER BY hash(${pk})) AS _i FROM (
      SELECT * FROM read_csv(${literal(from)}, header = true, all_varchar = true)
      QUALIFY row_number() OVER (PARTITION BY ${pk} ORDER BY hash(${pk})) = 1)`);
  const n = Number((await conn.runAndReadAll('SELECT count(*) AS n FROM src')).getRowObjects()[0].n);
  if (n < 2) return 0;
  const update = Math.min(plan.update, Math.floor(n * 0.6));
  const seal = Math.min(plan.seal, n - update);
  // updated_at: one hour before the batch, a second apart per row, so every change is newer.
  const stamp = (i: string) => `strftime(TIMESTAMP ${literal(at.toISOString().slice(0, 19).replace('T', ' '))} - INTERVAL 1 HOUR + to_seconds(${i} % 3000), '%Y-%m-%dT%H:%M:%SZ')`;
  const cols = (overrides: Record<string, string>) =>
    spec.fields.map((f) => `${overrides[f.name] ?? `s.${ident(f.name)}`} AS ${ident(f.name)}`).join(', ');
  const updates = `SELECT ${cols({
    ...Object.fromEntries(plan.reclassify.map((c) => [c, `p.${ident(c)}`])),
    updated_at: stamp('s._i'),
  })} FROM src s JOIN src p ON p._i = (s._i + 7) % ${n} + 1 WHERE s._i <= ${update}`;
  const seals = `SELECT ${cols({ record_status: `'SEALED'`, updated_at: stamp('s._i') })}
    FROM src s WHERE s._i > ${update} AND s._i <= ${update + seal}`;
  const adds = `SELECT ${cols({
    ...Object.fromEntries(plan.newIds.map((c) => [c, `CASE WHEN s.${ident(c)} IS NULL THEN NULL ELSE s.${ident(c)} || '-N' || CAST(g.k AS VARCHAR) END`])),
    record_status: `'ACTIVE'`,
    updated_at: stamp(`(g.k + ${update + seal})`),
  })} FROM range(${plan.add}) g(k) JOIN src s ON s._i = g.k % ${n} + 1`;
  const file = path.join(to, `${table}.csv`);
  await conn.run(`COPY (${updates} UNION ALL ${seals} UNION ALL ${adds}) TO ${literal(file)} (FORMAT csv, HEADER true)`);
  return update + seal + plan.add;
}

/**
 * Writes the change batch after the last batch of `sourceDir`; returns its folder name and the
 * rows written per table. The caller removes it before a later full refresh.
 */
export async function writeIncrementalBatch(sourceDir: string): Promise<{ batch: string; rows: Record<string, number> }> {
  const batches = (await readdir(sourceDir)).filter((n) => BATCH.test(n)).sort();
  const last = batches.at(-1);
  if (!last) throw new Error(`no batches in ${sourceDir}`);
  const { name, at } = nextBatchName(last);
  const out = path.join(sourceDir, name);
  await mkdir(out, { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const rows: Record<string, number> = {};
  try {
    for (const table of Object.keys(PLAN) as TableName[]) {
      // The newest batch that holds rows of this table.
      const from = [...batches].reverse().map((b) => path.join(sourceDir, b, `${table}.csv`)).find((f) => existsSync(f));
      if (from) rows[table] = await writeTable(conn, table, from, out, at);
    }
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  return { batch: name, rows };
}
