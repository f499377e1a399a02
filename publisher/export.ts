// Bulk files of one dataset, written by DuckDB COPY (never row by row in Node): Parquet with
// native types, CSV and JSON with floating ISO timestamps. Rows in the stable row-key order.
// The table is sorted once, into the Parquet file; CSV and JSON are copied from that file in its
// order (DuckDB preserves insertion order), so 11 M rows are not sorted three times. SHA-256 of
// each file runs in Node while DuckDB writes the next one.
import type { DuckDBConnection } from '@duckdb/node-api';
import path from 'node:path';
import { ident, literal } from '../rules/sql.ts';
import { fileSize, sha256File } from './files.ts';
import type { ColumnManifest, FileManifest } from './manifest.ts';

/** Text cells that a spreadsheet would run as a formula get a leading apostrophe in CSV. */
function csvCell(c: ColumnManifest): string {
  const col = ident(c.name);
  if (c.type === 'timestamp') return `strftime(${col}, '%Y-%m-%dT%H:%M:%S') AS ${col}`;
  // A regex, not `left(col, 1) IN (…)`: DuckDB turns an IN list of 5+ constants into a join,
  // which loses the Parquet file's row order when CSV and JSON are copied from it.
  if (c.type === 'text') return `CASE WHEN regexp_matches(${col}, '^[=+\\-@\\t\\r]') THEN '''' || ${col} ELSE ${col} END AS ${col}`;
  return col;
}

function jsonCell(c: ColumnManifest): string {
  const col = ident(c.name);
  return c.type === 'timestamp' ? `strftime(${col}, '%Y-%m-%dT%H:%M:%S.%g') AS ${col}` : col;
}

export interface ExportStep {
  format: FileManifest['format'];
  /** Absolute path of the file written. */
  file: string;
  /** The COPY statement that writes it. */
  sql: string;
}

/** The COPY statements for a dataset's bulk files, in the order they must run (Parquet first). */
export function exportSteps(table: string, columns: readonly ColumnManifest[], rowKey: string, datasetDir: string): ExportStep[] {
  const parquet = path.join(datasetDir, 'rows.parquet');
  const names = columns.map((c) => ident(c.name)).join(', ');
  const sorted = `SELECT ${names} FROM ${ident(table)} ORDER BY ${ident(rowKey)}`;
  const fromParquet = `FROM read_parquet(${literal(parquet)})`;
  return [
    { format: 'parquet', file: parquet, sql: `COPY (${sorted}) TO ${literal(parquet)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)` },
    {
      format: 'csv',
      file: path.join(datasetDir, 'rows.csv'),
      sql: `COPY (SELECT ${columns.map(csvCell).join(', ')} ${fromParquet}) TO ${literal(path.join(datasetDir, 'rows.csv'))} (FORMAT csv, HEADER true)`,
    },
    {
      format: 'json',
      file: path.join(datasetDir, 'rows.json'),
      sql: `COPY (SELECT ${columns.map(jsonCell).join(', ')} ${fromParquet}) TO ${literal(path.join(datasetDir, 'rows.json'))} (FORMAT json, ARRAY true)`,
    },
  ];
}

export async function exportDataset(
  conn: DuckDBConnection,
  table: string,
  columns: readonly ColumnManifest[],
  rowKey: string,
  releaseDir: string,
  datasetDir: string,
): Promise<FileManifest[]> {
  const pending: Promise<FileManifest>[] = [];
  try {
    for (const step of exportSteps(table, columns, rowKey, datasetDir)) {
      await conn.run(step.sql);
      pending.push(Promise.all([fileSize(step.file), sha256File(step.file)]).then(([bytes, sha256]) => ({
        format: step.format, path: path.relative(releaseDir, step.file), bytes, sha256,
      })));
    }
  } finally {
    // Never leave a hash reading a file the caller is about to remove.
    await Promise.allSettled(pending);
  }
  return Promise.all(pending);
}
