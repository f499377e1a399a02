// The staging pipeline every source shares. A source fills a raw temp table (every contract
// field as VARCHAR, plus the unit ordinal `_b` and origin `_batch`) and, optionally, a temp
// table of structurally rejected records; then:
//   1. prepare (outside any transaction, touching only temp tables): one validation pass
//      (csv-sql.ts checks) keeps the failing rows; the valid rows are cast to contract types
//      and deduplicated per primary key (newest updated_at, then later unit, then later row);
//   2. apply (inside the caller's transaction): quarantine rows are appended; each surviving
//      row is inserted into stg_<table> (created if missing, typed per contract, plus _batch and
//      _loaded_at) or replaces the staged row with the same key when its updated_at is newer or
//      equal; an older one is dropped as superseded.
// Per load: rowsRead = inserted + updated + superseded + quarantined.

import type { DuckDBConnection } from '@duckdb/node-api';
import { duckType, stagingTable, type TableName, type TableSpec } from '../contract.ts';
import { fieldCastSql, ident, rawRecordSql, rowReasonSql, sqlString } from './csv-sql.ts';

export const QUARANTINE_DDL = `CREATE TABLE IF NOT EXISTS quarantine (
  table_name VARCHAR, batch VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR)`;
export const APPLIED_BATCHES_DDL = `CREATE TABLE IF NOT EXISTS _applied_batches (
  batch VARCHAR, table_name VARCHAR, applied_at TIMESTAMPTZ, "rows" BIGINT)`;
export const WATERMARKS_DDL = `CREATE TABLE IF NOT EXISTS _source_watermarks (
  source VARCHAR, table_name VARCHAR, watermark TIMESTAMPTZ, pulled_at TIMESTAMPTZ)`;

/** What one load did to one table. rowsRead = inserted + updated + superseded + quarantined. */
export interface AppliedLoad {
  source: 'csv' | 'postgres';
  /** CSV: batch folder names applied, in order. PostgreSQL: 'full' or 'watermark>=<ISO instant>'. */
  units: string[];
  /** Records read by this load (valid + quarantined). */
  rowsRead: number;
  /** Records of this load quarantined (structural or value errors). */
  quarantined: number;
  /** Keys new to staging. */
  inserted: number;
  /** Staged rows replaced (their updated_at was older or equal). */
  updated: number;
  /** Rows of this load that lost: an older version of a key read again in this load, or older than the staged row. */
  superseded: number;
}

export interface TableLoadReport {
  table: TableName;
  /** Rows in stg_<table> now. */
  staged: number;
  /** All quarantine rows of this table now (cumulative across loads). */
  quarantined: number;
  /** Source column names the contract (and mapping) do not know (ignored, reported). */
  unknownColumns: string[];
  /** This load alone. */
  applied: AppliedLoad;
}

export async function count(conn: DuckDBConnection, sql: string): Promise<number> {
  const rows = (await conn.runAndReadAll(sql)).getRows();
  return Number(rows[0][0]);
}

export async function tableExists(conn: DuckDBConnection, name: string): Promise<boolean> {
  return (await count(conn, `SELECT count(*) FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main' AND table_name = ${sqlString(name)}`)) > 0;
}

/** Runs fn in a DuckDB transaction; rolls back on any error. */
export async function inTransaction<T>(conn: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await conn.run('BEGIN TRANSACTION');
  try {
    const out = await fn();
    await conn.run('COMMIT');
    return out;
  } catch (e) {
    await conn.run('ROLLBACK').catch(() => {});
    throw e;
  }
}

/** The temp tables a source fills for one contract table. */
export interface RawTables {
  spec: TableSpec;
  /** (_b INTEGER, _batch VARCHAR, <fields> VARCHAR) */
  raw: string;
  /** (_b INTEGER, _batch VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR): structural rejects. */
  rejects: string;
}

export function rawTableNames(prefix: string, spec: TableSpec): RawTables {
  return { spec, raw: `_${prefix}_raw_${spec.name}`, rejects: `_${prefix}_rej_${spec.name}` };
}

export async function createRawTables(conn: DuckDBConnection, t: RawTables): Promise<void> {
  const fieldCols = t.spec.fields.map((f) => `${ident(f.name)} VARCHAR`).join(', ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(t.raw)} (_b INTEGER, _batch VARCHAR, ${fieldCols})`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(t.rejects)} (_b INTEGER, _batch VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR)`);
}

/**
 * SQL producing the quarantine rows of one table as (_b, _o, batch, line, reason, raw), `_o`
 * ordering rows within a unit. Receives the names of the raw, rejects and bad tables; `bad`
 * holds (_ord = raw rowid, _b, _batch, reason). The default has NULL lines for value failures.
 */
export type QuarantineRowsSql = (t: { raw: string; rejects: string; bad: string }) => string;

const defaultQuarantineRows = (spec: TableSpec): QuarantineRowsSql => ({ raw, rejects, bad }) => `
  SELECT _b, line AS _o, _batch AS batch, line, reason, raw FROM ${ident(rejects)}
  UNION ALL
  SELECT b._b, b._ord, b._batch, NULL, b.reason, ${rawRecordSql(spec, 'r')}
  FROM ${ident(bad)} b JOIN ${ident(raw)} r ON r.rowid = b._ord`;

export interface Prepared extends RawTables {
  bad: string;
  winners: string;
  quarantineRows: QuarantineRowsSql;
  rawRows: number;
  structural: number;
  valueBad: number;
  winnerRows: number;
}

/** Step 1: validation and in-load dedupe into temp tables. Touches no staging table. */
export async function prepareTable(conn: DuckDBConnection, t: RawTables, quarantineRows?: QuarantineRowsSql): Promise<Prepared> {
  const { spec } = t;
  const bad = `_stage_bad_${spec.name}`;
  const winners = `_stage_win_${spec.name}`;
  const pk = ident(spec.primaryKey);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(bad)} AS
    SELECT _ord, _b, _batch, reason FROM (
      SELECT rowid AS _ord, _b, _batch, ${rowReasonSql(spec)} AS reason FROM ${ident(t.raw)}
    ) WHERE reason IS NOT NULL`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(winners)} AS
    SELECT ${spec.fields.map(fieldCastSql).join(', ')}, _batch
    FROM ${ident(t.raw)} r
    WHERE r.rowid NOT IN (SELECT _ord FROM ${ident(bad)})
    QUALIFY row_number() OVER (
      PARTITION BY r.${pk}
      ORDER BY CAST(r.updated_at AS TIMESTAMPTZ) DESC, r._b DESC, r.rowid DESC) = 1`);
  return {
    ...t,
    bad,
    winners,
    quarantineRows: quarantineRows ?? defaultQuarantineRows(spec),
    rawRows: await count(conn, `SELECT count(*) FROM ${ident(t.raw)}`),
    structural: await count(conn, `SELECT count(*) FROM ${ident(t.rejects)}`),
    valueBad: await count(conn, `SELECT count(*) FROM ${ident(bad)}`),
    winnerRows: await count(conn, `SELECT count(*) FROM ${ident(winners)}`),
  };
}

/** Creates stg_<table> if missing (typed per contract, plus _batch and _loaded_at) and the quarantine table. */
export async function ensureStaging(conn: DuckDBConnection, spec: TableSpec): Promise<void> {
  const stg = stagingTable(spec.name);
  const cols = spec.fields.map((f) => `${ident(f.name)} ${duckType(f.type)}`).join(', ');
  await conn.run(`CREATE TABLE IF NOT EXISTS ${ident(stg)} (${cols}, _batch VARCHAR, _loaded_at TIMESTAMPTZ)`);
  // A staging file written before _loaded_at existed.
  const has = await count(conn, `SELECT count(*) FROM duckdb_columns() WHERE database_name <> 'temp' AND schema_name = 'main' AND table_name = ${sqlString(stg)} AND column_name = '_loaded_at'`);
  if (!has) await conn.run(`ALTER TABLE ${ident(stg)} ADD COLUMN _loaded_at TIMESTAMPTZ`);
  await conn.run(QUARANTINE_DDL);
}

/** For a full reload: drops stg_<table> and the table's quarantine rows (call inside the transaction). */
export async function resetStaging(conn: DuckDBConnection, table: TableName): Promise<void> {
  await conn.run(`DROP TABLE IF EXISTS ${ident(stagingTable(table))}`);
  await conn.run(QUARANTINE_DDL);
  await conn.run(`DELETE FROM quarantine WHERE table_name = ${sqlString(table)}`);
}

export type ApplyCounts = Omit<AppliedLoad, 'source' | 'units'>;

/** Step 2 (inside the caller's transaction): quarantine append and upsert into stg_<table>. */
export async function applyPrepared(conn: DuckDBConnection, p: Prepared, loadedAt: Date): Promise<ApplyCounts> {
  const { spec } = p;
  const t = spec.name;
  const stg = ident(stagingTable(t));
  const pk = ident(spec.primaryKey);
  const cand = ident(`_stage_cand_${t}`);
  await ensureStaging(conn, spec);
  await conn.run(`INSERT INTO quarantine
    SELECT ${sqlString(t)}, batch, line, reason, raw
    FROM (${p.quarantineRows({ raw: p.raw, rejects: p.rejects, bad: p.bad })})
    ORDER BY _b, _o`);
  // _kind: 0 new key, 1 replaces the staged row (newer or equal updated_at), 2 older than staged.
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${cand} AS
    SELECT w.*, CASE WHEN s.${pk} IS NULL THEN 0 WHEN w.updated_at >= s.updated_at THEN 1 ELSE 2 END AS _kind
    FROM ${ident(p.winners)} w LEFT JOIN (SELECT ${pk}, max(updated_at) AS updated_at FROM ${stg} GROUP BY ${pk}) s ON s.${pk} = w.${pk}`);
  try {
    const inserted = await count(conn, `SELECT count(*) FROM ${cand} WHERE _kind = 0`);
    const updated = await count(conn, `SELECT count(*) FROM ${cand} WHERE _kind = 1`);
    const stale = await count(conn, `SELECT count(*) FROM ${cand} WHERE _kind = 2`);
    if (updated > 0) await conn.run(`DELETE FROM ${stg} WHERE ${pk} IN (SELECT ${pk} FROM ${cand} WHERE _kind = 1)`);
    const fields = spec.fields.map((f) => ident(f.name)).join(', ');
    const at = sqlString(loadedAt.toISOString());
    await conn.run(`INSERT INTO ${stg} (${fields}, _batch, _loaded_at)
      SELECT ${fields}, _batch, CAST(${at} AS TIMESTAMPTZ) FROM ${cand} WHERE _kind < 2`);
    const quarantined = p.valueBad + p.structural;
    return {
      rowsRead: p.rawRows + p.structural,
      quarantined,
      inserted,
      updated,
      superseded: p.rawRows - p.valueBad - p.winnerRows + stale,
    };
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${cand}`);
  }
}

export async function dropTemp(conn: DuckDBConnection, ...names: string[]): Promise<void> {
  for (const n of names) await conn.run(`DROP TABLE IF EXISTS temp.main.${ident(n)}`).catch(() => {});
}

export async function dropPrepared(conn: DuckDBConnection, p: RawTables & Partial<Prepared>): Promise<void> {
  await dropTemp(conn, p.raw, p.rejects, ...(p.bad ? [p.bad] : []), ...(p.winners ? [p.winners] : []));
}

/** The table's state after a load: rows staged and cumulative quarantine rows. */
export async function stagingState(conn: DuckDBConnection, table: TableName): Promise<{ staged: number; quarantined: number }> {
  const stg = stagingTable(table);
  const staged = (await tableExists(conn, stg)) ? await count(conn, `SELECT count(*) FROM ${ident(stg)}`) : 0;
  const quarantined = (await tableExists(conn, 'quarantine'))
    ? await count(conn, `SELECT count(*) FROM quarantine WHERE table_name = ${sqlString(table)}`)
    : 0;
  return { staged, quarantined };
}

/** A one-line summary of a table load for the log. */
export function describeLoad(r: TableLoadReport, secs: string): string {
  const a = r.applied;
  return `${r.table}: ${a.rowsRead} rows read, ${a.inserted} inserted, ${a.updated} updated, ${a.superseded} superseded, ` +
    `${a.quarantined} quarantined; now ${r.staged} staged, ${r.quarantined} in quarantine (${secs}s)`;
}
