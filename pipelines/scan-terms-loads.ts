// Bookkeeping of the persistent X3 term table: which loads of staged rows its terms cover, and
// the version of the term selection that built it. A load is a (staging table, batch, load time)
// group of staged rows with its row count when its terms were added. A run adds the terms of every
// load not recorded yet (or that gained rows since), so neither a clock that goes back nor a run
// that failed after staging can leave rows out: what was never recorded is simply new next time.
// Every function here runs inside the caller's transaction; the caller writes the loads last.
import type { DuckDBConnection } from '@duckdb/node-api';
import { ident, literal } from '../rules/sql.ts';
import { stagingTable, type TableName } from './contract.ts';
import { tableExists } from './sources/stage.ts';

const LOADS = '_scan_terms_loads';
const META = '_scan_terms_meta';
/** Temp table (table_name, batch, loaded_us, rows) of the loads this update adds. */
export const NEW_LOADS = '_scan_terms_new_loads';

/** The version stored with the term table, or null when there is no bookkeeping. */
export async function storedVersion(conn: DuckDBConnection): Promise<string | null> {
  if (!(await tableExists(conn, LOADS)) || !(await tableExists(conn, META))) return null;
  const rows = (await conn.runAndReadAll(`SELECT version FROM ${META}`)).getRows();
  return rows.length === 1 ? String(rows[0][0]) : null;
}

export async function writeVersion(conn: DuckDBConnection, version: string): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE ${META} AS SELECT ${literal(version)} AS version`);
}

/** Starts an update: an empty NEW_LOADS; with `forget` (a rebuild) no load counts as covered any more. */
export async function beginLoads(conn: DuckDBConnection, forget: boolean): Promise<void> {
  if (forget) await conn.run(`DROP TABLE IF EXISTS ${LOADS}`);
  await conn.run(`CREATE TABLE IF NOT EXISTS ${LOADS} (table_name VARCHAR, batch VARCHAR, loaded_us BIGINT, "rows" BIGINT)`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${NEW_LOADS} AS SELECT * FROM ${LOADS} WHERE false`);
}

/** Lists in NEW_LOADS the loads of one staging table that are not covered (or have grown since). */
export async function newLoadsOnly(conn: DuckDBConnection, table: TableName): Promise<void> {
  await conn.run(`INSERT INTO ${NEW_LOADS}
    SELECT * FROM (
      SELECT ${literal(table)} AS table_name, coalesce(_batch, '') AS batch, coalesce(epoch_us(_loaded_at), -1) AS loaded_us, count(*) AS "rows"
      FROM ${ident(stagingTable(table))} GROUP BY ALL) g
    WHERE NOT EXISTS (SELECT 1 FROM ${LOADS} l
      WHERE l.table_name = g.table_name AND l.batch = g.batch AND l.loaded_us = g.loaded_us AND l."rows" >= g."rows")`);
}

/** Marks the loads in NEW_LOADS as covered (replacing their earlier counts) and clears the list. */
export async function recordNewLoads(conn: DuckDBConnection): Promise<void> {
  await conn.run(`DELETE FROM ${LOADS} l USING ${NEW_LOADS} n
    WHERE l.table_name = n.table_name AND l.batch = n.batch AND l.loaded_us = n.loaded_us`);
  await conn.run(`INSERT INTO ${LOADS} SELECT * FROM ${NEW_LOADS}`);
  await conn.run(`DROP TABLE ${NEW_LOADS}`);
}
