// The source values the scan gate (X3) hunts for: every name, phone, email, id and serial in the
// staged records, normalized like published text. Single words are left out (a lone first name
// also spells ordinary words); multi-word values and values with digits are kept.
// The term table persists in staging and only grows between rebuilds: a run adds the terms of
// the staged rows it has not seen yet (tracked per load, see scan-terms-loads.ts), and rebuilds
// it from scratch on a full run, without bookkeeping, or when this selection changes.
import type { DuckDBConnection } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { normalizeSql } from '../publisher/scan-patterns.ts';
import { ident, literal } from '../rules/sql.ts';
import { stagingTable, TABLES, type TableSpec } from './contract.ts';
import { inTransaction, tableExists } from './sources/stage.ts';
import { beginLoads, NEW_LOADS, newLoadsOnly, recordNewLoads, storedVersion, writeVersion } from './scan-terms-loads.ts';

export const SCAN_TERMS_TABLE = 'scan_terms';

export interface ScanTermsBuild {
  /** Terms in the table now. */
  terms: number;
  /** Terms this run added. */
  added: number;
  /** Why the table was rebuilt from scratch, or null when it was updated incrementally. */
  rebuilt: string | null;
}

/** The text fields of a table whose values are hunted for: direct identifiers and record ids. */
function termFields(spec: TableSpec): string[] {
  return spec.fields.filter((f) => f.type === 'text' && (f.sensitivity === 'direct' || f.sensitivity === 'record_id')).map((f) => f.name);
}

/** The distinct non-null values selected by `sources` (each `SELECT … AS v`). */
function valuesSql(sources: string[]): string {
  return `SELECT DISTINCT v FROM (${sources.join(' UNION ALL ')}) WHERE v IS NOT NULL`;
}

/**
 * Distinct terms of the distinct values in `values` (a table of valuesSql's rows). The selection
 * rules live here. Values are made distinct first, in a table of their own: 43 M staged values
 * hold 16 M distinct ones, the normalizing is the costly part, and the two steps apart measured
 * 16 s against 22 s as one statement.
 */
function termsSql(values: string): string {
  return `SELECT DISTINCT term FROM (SELECT ${normalizeSql('v')} AS term FROM ${values})
    WHERE term <> '' AND (contains(term, ' ') OR (regexp_matches(term, '[0-9]') AND length(term) >= 5))`;
}

const VALUES_TABLE = '_scan_terms_values';

/** Fills VALUES_TABLE with the distinct values of `sources`; returns termsSql over it. */
async function distinctValues(conn: DuckDBConnection, sources: string[]): Promise<string> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${VALUES_TABLE} AS ${sources.length ? valuesSql(sources) : 'SELECT CAST(NULL AS VARCHAR) AS v WHERE false'}`);
  return termsSql(VALUES_TABLE);
}

/** `SELECT field AS v` per term field of a table, over `rows` (a table or subquery with its fields). */
function valueSelects(spec: TableSpec, rows: string): string[] {
  return termFields(spec).map((f) => `SELECT ${ident(f)} AS v FROM ${rows}`);
}

/** Changes whenever the normalization, the selection or the fields hunted for change: then terms are rebuilt. */
export const SCAN_TERMS_VERSION = `v2-${createHash('sha256')
  .update(`${valuesSql(TABLES.flatMap((t) => valueSelects(t, t.name)))}\n${termsSql(VALUES_TABLE)}`)
  .digest('hex')
  .slice(0, 16)}`;

async function countTerms(conn: DuckDBConnection): Promise<number> {
  return Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${SCAN_TERMS_TABLE}`)).getRows()[0][0]);
}

/** Why the whole table must be rebuilt, or null when adding what is new is enough. */
async function rebuildReason(conn: DuckDBConnection, full: boolean): Promise<string | null> {
  if (full) return 'full run';
  if (!(await tableExists(conn, SCAN_TERMS_TABLE))) return 'no term table yet';
  const version = await storedVersion(conn);
  if (version === null) return 'no bookkeeping';
  return version === SCAN_TERMS_VERSION ? null : `term selection changed (${version} → ${SCAN_TERMS_VERSION})`;
}

/** From scratch: every staged value of `specs`; every load recorded; the version written last. */
async function rebuild(conn: DuckDBConnection, specs: TableSpec[]): Promise<void> {
  // A TEMP table filled inside the transaction is scanned from its uncommitted storage: slower.
  const terms = await distinctValues(conn, specs.flatMap((t) => valueSelects(t, ident(stagingTable(t.name)))));
  await inTransaction(conn, async () => {
    await conn.run(`CREATE OR REPLACE TABLE ${SCAN_TERMS_TABLE} AS ${terms}`);
    await beginLoads(conn, true);
    for (const t of specs) await newLoadsOnly(conn, t.name);
    await recordNewLoads(conn);
    await writeVersion(conn, SCAN_TERMS_VERSION);
  }).finally(() => conn.run(`DROP TABLE IF EXISTS ${VALUES_TABLE}`));
}

const newRowsTable = (spec: TableSpec) => `_scan_terms_rows_${spec.name}`;

/** Copies the term fields of a table's rows from new loads into a temp table (one pass); returns its name. */
async function newRows(conn: DuckDBConnection, spec: TableSpec): Promise<string> {
  const name = newRowsTable(spec);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${name} AS SELECT ${termFields(spec).map(ident).join(', ')}
    FROM ${ident(stagingTable(spec.name))} s SEMI JOIN ${NEW_LOADS} n ON n.table_name = ${literal(spec.name)}
      AND n.batch = coalesce(s._batch, '') AND n.loaded_us = coalesce(epoch_us(s._loaded_at), -1)`);
  return name;
}

/** Adds the terms of staged rows from loads not seen yet; the loads are recorded in the same transaction. */
async function addNew(conn: DuckDBConnection, specs: TableSpec[]): Promise<void> {
  await inTransaction(conn, async () => {
    await beginLoads(conn, false);
    const sources: string[] = [];
    for (const t of specs) {
      await newLoadsOnly(conn, t.name);
      sources.push(...valueSelects(t, await newRows(conn, t)));
    }
    if (sources.length) {
      await conn.run(`INSERT INTO ${SCAN_TERMS_TABLE} SELECT n.term FROM (${await distinctValues(conn, sources)}) n ANTI JOIN ${SCAN_TERMS_TABLE} t ON t.term = n.term`);
      await conn.run(`DROP TABLE ${VALUES_TABLE}`);
    }
    for (const t of specs) await conn.run(`DROP TABLE ${newRowsTable(t)}`);
    await recordNewLoads(conn);
  });
}

/**
 * Brings the persistent term table up to date with the staged rows of `tables` (terms of other
 * tables staged earlier stay: stricter). `full`: the run re-staged from scratch, so rebuild.
 */
export async function buildScanTerms(conn: DuckDBConnection, tables: string[], full = false): Promise<ScanTermsBuild> {
  const specs: TableSpec[] = [];
  for (const t of TABLES.filter((s) => tables.includes(s.name))) if (await tableExists(conn, stagingTable(t.name))) specs.push(t);
  const reason = await rebuildReason(conn, full);
  const before = reason ? 0 : await countTerms(conn);
  if (reason) await rebuild(conn, specs);
  else await addNew(conn, specs);
  const terms = await countTerms(conn);
  return { terms, added: terms - before, rebuilt: reason };
}
