// The source values the scan gate (X3) hunts for: every name, phone, email, id and serial in the
// staged records, normalized like published text, kept in a temporary table. Single words are
// left out (a lone first name also spells ordinary words); multi-word values and values with
// digits are kept.
import type { DuckDBConnection } from '@duckdb/node-api';
import { normalizeSql } from '../publisher/scan-patterns.ts';
import { ident } from '../rules/sql.ts';
import { stagingTable, TABLES } from './contract.ts';

export const SCAN_TERMS_TABLE = 'scan_terms';

export async function buildScanTerms(conn: DuckDBConnection, tables: string[]): Promise<number> {
  const selects = TABLES.filter((t) => tables.includes(t.name)).flatMap((t) =>
    t.fields
      .filter((f) => f.type === 'text' && (f.sensitivity === 'direct' || f.sensitivity === 'record_id'))
      .map((f) => `SELECT ${ident(f.name)} AS v FROM ${ident(stagingTable(t.name))}`),
  );
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${SCAN_TERMS_TABLE} AS
    SELECT DISTINCT term FROM (SELECT ${normalizeSql('v')} AS term FROM (${selects.join(' UNION ALL ')}) WHERE v IS NOT NULL)
    WHERE term <> '' AND (contains(term, ' ') OR (regexp_matches(term, '[0-9]') AND length(term) >= 5))`);
  const r = await conn.runAndReadAll(`SELECT count(*) AS n FROM ${SCAN_TERMS_TABLE}`);
  return Number(r.getRowObjects()[0].n);
}
