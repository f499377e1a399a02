// Builds a dataset's case lookup table (I7) in staging: one row per published case number, keyed
// by the lookup HMAC, holding only the published status(es) and the day it was reported.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetDef } from '../datasets/schema.ts';
import { CASE_HASH_LENGTH, CASE_NAMESPACE } from '../publisher/case-lookup.ts';
import type { CompiledDataset } from '../rules/compile.ts';
import { ident } from '../rules/sql.ts';
import { hmacSql } from '../rules/techniques/hmac-pseudonym.ts';

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

export async function buildCaseLookup(conn: DuckDBConnection, def: DatasetDef, compiled: CompiledDataset, lookupKeyHex: string): Promise<string | null> {
  const spec = def.caseLookup;
  if (!spec) return null;
  const table = `case_lookup_${def.id.replace(/-/g, '_')}`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${table} AS
    SELECT ${lookupSql(lookupKeyHex, 'p.raw')} AS lookup,
           list(DISTINCT CAST(t.${ident(spec.statusColumn)} AS VARCHAR) ORDER BY CAST(t.${ident(spec.statusColumn)} AS VARCHAR)) AS statuses,
           CAST(min(t.${ident(spec.dateColumn)}) AS DATE) AS reported
    FROM (${compiled.pairSql(spec.keyColumn, spec.sourceField)}) p
    JOIN ${ident(compiled.table)} t ON t.${ident(spec.keyColumn)} = p.published
    WHERE p.raw IS NOT NULL
    GROUP BY 1`);
  return table;
}
