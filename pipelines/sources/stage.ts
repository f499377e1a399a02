// The staging pipeline every source shares: the load report types, the staging tables
// (stg_<table>, quarantine, the batch and watermark records) and the raw temp tables a source
// fills (every contract field as VARCHAR, plus the unit ordinal `_b` and origin `_batch`, and
// optionally a temp table of structurally rejected records). Validation, quarantine and the
// upsert into stg_<table> are in stage-upsert.ts.
// Per load: rowsRead = inserted + updated + superseded + quarantined.

import type { DuckDBConnection } from '@duckdb/node-api';
import { duckType, stagingTable, type TableName, type TableSpec } from '../contract.ts';
import { ident, sqlString } from './csv-sql.ts';

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

export async function dropTemp(conn: DuckDBConnection, ...names: string[]): Promise<void> {
  for (const n of names) await conn.run(`DROP TABLE IF EXISTS temp.main.${ident(n)}`).catch(() => {});
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
