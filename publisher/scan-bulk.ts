// X3 over bulk files, through the table each was copied from. Ordinary text columns add their
// distinct values to the scan units. Pseudonym columns (X4: keyed HMAC hex) are not n-grammed:
// every non-null value must match the pseudonym format in full, else the column is reported
// (its first offending line) as not pseudonymized. Values that pass the format cannot match a
// pattern (no separators, no words), but a numeric one might be a raw id of the same length, so
// values without a hex letter are scanned as ordinary text too (few: 0.05 % of 16-hex pseudonyms).
import type { DuckDBConnection } from '@duckdb/node-api';
import { ident, literal } from '../rules/sql.ts';

export interface PseudonymColumn {
  column: string;
  /** RE2 pattern every non-null value must match in full. */
  format: string;
}

export interface ScanDataset {
  id: string;
  table: string;
  rowKey: string;
  textColumns: string[];
  /** Text columns holding only pseudonyms: format-checked instead of n-grammed. */
  pseudonymColumns?: PseudonymColumn[];
  /** The artifact written from this table, when it is not the bulk rows (e.g. case-lookup.parquet). */
  file?: string;
}

/** Hits found without n-grams: (artifact, offset, kind, text), like the scan's own hits. */
export const FORMAT_HITS = 'scan_format_hits';

export const NOT_A_PSEUDONYM = 'not a pseudonym';

export function bulkArtifact(d: ScanDataset): string {
  return `datasets/${d.id}/${d.file ?? 'rows.{csv,json,parquet}'}`;
}

async function addDistinctValues(conn: DuckDBConnection, d: ScanDataset, col: string): Promise<void> {
  await conn.run(`INSERT INTO scan_units SELECT ${literal(bulkArtifact(d))}, ${literal(`column ${col}`)}, v
    FROM (SELECT DISTINCT CAST(${ident(col)} AS VARCHAR) AS v FROM ${ident(d.table)}) WHERE v IS NOT NULL`);
}

/** One pass over the column: the values off format, and those in format without a hex letter. */
async function checkPseudonyms(conn: DuckDBConnection, d: ScanDataset, p: PseudonymColumn): Promise<void> {
  const artifact = literal(bulkArtifact(d));
  const offset = literal(`column ${p.column}`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE scan_pseudo AS
    SELECT v, k, regexp_full_match(v, ${literal(p.format)}) AS ok
    FROM (SELECT CAST(${ident(p.column)} AS VARCHAR) AS v, ${ident(d.rowKey)} AS k FROM ${ident(d.table)})
    WHERE v IS NOT NULL AND NOT (regexp_full_match(v, ${literal(p.format)}) AND regexp_matches(v, '[a-f]'))`);
  await conn.run(`INSERT INTO ${FORMAT_HITS} SELECT ${artifact}, ${offset}, ${literal(NOT_A_PSEUDONYM)}, arg_min(v, k)
    FROM scan_pseudo WHERE NOT ok HAVING count(*) > 0`);
  await conn.run(`INSERT INTO scan_units SELECT DISTINCT ${artifact}, ${offset}, v FROM scan_pseudo WHERE ok`);
  await conn.run('DROP TABLE scan_pseudo');
}

/** Adds every bulk artifact's text to the scan: distinct values, or format checks for pseudonyms. */
export async function addBulkUnits(conn: DuckDBConnection, datasets: ScanDataset[]): Promise<void> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${FORMAT_HITS} (artifact VARCHAR, "offset" VARCHAR, kind VARCHAR, text VARCHAR)`);
  for (const d of datasets) {
    for (const col of d.textColumns) {
      const pseudonym = d.pseudonymColumns?.find((p) => p.column === col);
      if (pseudonym) await checkPseudonyms(conn, d, pseudonym);
      else await addDistinctValues(conn, d, col);
    }
  }
}

/** Where a bulk hit is: the CSV line of the value's first occurrence (rows are in row-key order). */
export async function bulkOffset(conn: DuckDBConnection, datasets: ScanDataset[], artifact: string, offset: string, text: string): Promise<string> {
  const bulk = datasets.find((d) => !d.file && artifact.startsWith(`datasets/${d.id}/rows.`));
  if (!bulk || !offset.startsWith('column ')) return offset;
  const col = offset.slice('column '.length);
  const t = ident(bulk.table);
  const key = ident(bulk.rowKey);
  const line = await conn.runAndReadAll(
    `SELECT count(*) + 2 AS line FROM ${t} WHERE ${key} < (SELECT min(${key}) FROM ${t} WHERE CAST(${ident(col)} AS VARCHAR) = ${literal(text)})`,
  );
  return `rows.csv line ${line.getRowObjects()[0].line}, column ${col}`;
}
