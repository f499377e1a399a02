// Builds a dataset's case lookup table (I7) in staging: one row per published case number, keyed
// by the lookup HMAC, holding only the published status(es) and the day it was reported.
// The pairs (published pseudonym, raw case number) come from the shaped table joined to staging
// by source key, not from the rules again, and each case number's lookup HMAC is kept in staging
// (_case_hash_<dataset>, under a fingerprint of the HMAC's SQL and key), so a run hashes only the
// case numbers it has not seen: on the bench's 1.1 M offenses, two HMACs per row every run before.
import type { DuckDBConnection } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import type { DatasetDef } from '../datasets/schema.ts';
import { CASE_HASH_LENGTH, CASE_NAMESPACE } from '../publisher/case-lookup.ts';
import type { CompiledDataset } from '../rules/compile.ts';
import { ident, literal } from '../rules/sql.ts';
import { hmacSql } from '../rules/techniques/hmac-pseudonym.ts';
import { shapedTable } from './shape.ts';
import { tableExists } from './sources/stage.ts';

function lookupSql(keyHex: string, rawSql: string): string {
  return `substr(${hmacSql(keyHex, `'${CASE_NAMESPACE}' || chr(31) || upper(trim(CAST(${rawSql} AS VARCHAR)))`)}, 1, ${CASE_HASH_LENGTH})`;
}

/**
 * The lookup hashes of case numbers with a sealed record that no longer publish at all: they are
 * removed from the lookup tables of retained releases (X6). Returns the table name, or null.
 */
export async function buildSealedLookupKeys(conn: DuckDBConnection, def: DatasetDef, compiled: CompiledDataset, lookupKeyHex: string, lookupTable: string): Promise<string | null> {
  const sealed = def.caseLookup && compiled.sealedFieldSql(def.caseLookup.sourceField);
  if (!sealed) return null;
  const table = `sealed_lookup_${def.id.replace(/-/g, '_')}`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${table} AS SELECT DISTINCT ${lookupSql(lookupKeyHex, 's.raw')} AS k FROM (${sealed}) s
    WHERE s.raw IS NOT NULL AND ${lookupSql(lookupKeyHex, 's.raw')} NOT IN (SELECT lookup FROM ${ident(lookupTable)})`);
  return table;
}

const columnsOf = async (conn: DuckDBConnection, table: string): Promise<Set<string>> =>
  new Set((await conn.runAndReadAll(`SELECT column_name AS c FROM information_schema.columns WHERE table_name = ${literal(table)}`)).getRowObjects().map((r) => String(r.c)));

/**
 * SQL of the (published, raw) pairs of the published rows: from the shaped table when it holds the
 * key column's final value (a row-local column keeps its name there; a windowed one does not) and
 * staging has the raw field, else from the rules (pairSql).
 */
async function pairsSql(conn: DuckDBConnection, def: DatasetDef, compiled: CompiledDataset): Promise<string> {
  const spec = def.caseLookup!;
  const shaped = shapedTable(compiled.datasetId);
  if ((await columnsOf(conn, shaped)).has(spec.keyColumn) && (await columnsOf(conn, compiled.sourceTable)).has(spec.sourceField)) {
    return `SELECT DISTINCT s.${ident(spec.keyColumn)} AS published, r.${ident(spec.sourceField)} AS raw
      FROM ${ident(shaped)} s JOIN ${ident(compiled.sourceTable)} r ON r.${ident(compiled.sourceKey)} = s.__src_key WHERE s.__withheld IS NULL`;
  }
  return compiled.pairSql(spec.keyColumn, spec.sourceField);
}

/** The persistent table of lookup hashes by raw case number, with the ones of `pairs` not yet in it added. */
async function lookupHashes(conn: DuckDBConnection, datasetId: string, lookupKeyHex: string, pairs: string): Promise<string> {
  const name = `_case_hash_${datasetId.replace(/-/g, '_')}`;
  const table = ident(name);
  const fingerprint = createHash('sha256').update(lookupSql(lookupKeyHex, 'raw')).digest('hex');
  await conn.run('CREATE TABLE IF NOT EXISTS _case_hash_state (dataset_id VARCHAR PRIMARY KEY, fingerprint VARCHAR)');
  const [state] = (await conn.runAndReadAll(`SELECT fingerprint FROM _case_hash_state WHERE dataset_id = ${literal(datasetId)}`)).getRowObjects();
  await conn.run('BEGIN TRANSACTION');
  try {
    if (state?.fingerprint !== fingerprint || !(await tableExists(conn, name))) {
      await conn.run(`CREATE OR REPLACE TABLE ${table} (raw VARCHAR, lookup VARCHAR)`);
      await conn.run(`INSERT OR REPLACE INTO _case_hash_state VALUES (${literal(datasetId)}, ${literal(fingerprint)})`);
    }
    await conn.run(`INSERT INTO ${table} SELECT raw, ${lookupSql(lookupKeyHex, 'raw')} FROM (
      SELECT DISTINCT raw FROM (${pairs}) WHERE raw IS NOT NULL AND raw NOT IN (SELECT raw FROM ${table}))`);
    await conn.run('COMMIT');
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => {});
    throw err;
  }
  return table;
}

/**
 * TEMP table case_lookup_<dataset>: per lookup hash, its published statuses (distinct, sorted) and
 * first report day. The pairs are made once (the hashes and the table read them), and the statuses
 * are grouped per (lookup, status) before they are listed: a list(DISTINCT … ORDER BY …) per
 * lookup took 1.6-1.8 s for the bench's 958,507 lookups, the two steps 0.9-1.0 s, the same rows.
 */
export async function buildCaseLookup(conn: DuckDBConnection, def: DatasetDef, compiled: CompiledDataset, lookupKeyHex: string): Promise<string | null> {
  const spec = def.caseLookup;
  if (!spec) return null;
  const table = `case_lookup_${def.id.replace(/-/g, '_')}`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE _case_pairs AS ${await pairsSql(conn, def, compiled)}`);
  try {
    const hashes = await lookupHashes(conn, compiled.datasetId, lookupKeyHex, 'SELECT * FROM _case_pairs');
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${table} AS
      SELECT lookup, list(status ORDER BY status) AS statuses, CAST(min(first) AS DATE) AS reported
      FROM (SELECT h.lookup, CAST(t.${ident(spec.statusColumn)} AS VARCHAR) AS status, min(t.${ident(spec.dateColumn)}) AS first
            FROM _case_pairs p
            JOIN ${hashes} h ON h.raw = p.raw
            JOIN ${ident(compiled.table)} t ON t.${ident(spec.keyColumn)} = p.published
            GROUP BY 1, 2)
      GROUP BY 1`);
  } finally {
    await conn.run('DROP TABLE IF EXISTS _case_pairs');
  }
  return table;
}
