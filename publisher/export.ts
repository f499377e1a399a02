// Bulk files of one dataset, written by DuckDB COPY (never row by row in Node): Parquet with
// native types, CSV and JSON with floating ISO timestamps. Rows in the stable row-key order.
import type { DuckDBConnection } from '@duckdb/node-api';
import path from 'node:path';
import { ident, literal } from '../rules/sql.ts';
import { fileSize, sha256File } from './files.ts';
import type { ColumnManifest, FileManifest } from './manifest.ts';

/** Text cells that a spreadsheet would run as a formula get a leading apostrophe in CSV. */
function csvCell(c: ColumnManifest): string {
  const col = ident(c.name);
  if (c.type === 'timestamp') return `strftime(${col}, '%Y-%m-%dT%H:%M:%S') AS ${col}`;
  if (c.type === 'text') return `CASE WHEN regexp_matches(${col}, '^[=+\\-@\\t\\r]') THEN '''' || ${col} ELSE ${col} END AS ${col}`;
  return col;
}

function jsonCell(c: ColumnManifest): string {
  const col = ident(c.name);
  return c.type === 'timestamp' ? `strftime(${col}, '%Y-%m-%dT%H:%M:%S.%g') AS ${col}` : col;
}

export async function exportDataset(
  conn: DuckDBConnection,
  table: string,
  columns: readonly ColumnManifest[],
  rowKey: string,
  releaseDir: string,
  datasetDir: string,
): Promise<FileManifest[]> {
  const from = `FROM ${ident(table)} ORDER BY ${ident(rowKey)}`;
  const names = columns.map((c) => ident(c.name)).join(', ');
  const jobs: { format: FileManifest['format']; file: string; sql: string }[] = [
    { format: 'parquet', file: 'rows.parquet', sql: `SELECT ${names} ${from}`, },
    { format: 'csv', file: 'rows.csv', sql: `SELECT ${columns.map(csvCell).join(', ')} ${from}` },
    { format: 'json', file: 'rows.json', sql: `SELECT ${columns.map(jsonCell).join(', ')} ${from}` },
  ];
  const options: Record<FileManifest['format'], string> = {
    parquet: `(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`,
    csv: `(FORMAT csv, HEADER true)`,
    json: `(FORMAT json, ARRAY true)`,
  };
  const files: FileManifest[] = [];
  for (const job of jobs) {
    const abs = path.join(datasetDir, job.file);
    await conn.run(`COPY (${job.sql}) TO ${literal(abs)} ${options[job.format]}`);
    files.push({ format: job.format, path: path.relative(releaseDir, abs), bytes: await fileSize(abs), sha256: await sha256File(abs) });
  }
  return files;
}
