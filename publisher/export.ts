// Bulk files of one dataset, written by DuckDB COPY (never row by row in Node): Parquet with
// native types, CSV and JSON with floating ISO timestamps. Rows in time order, then row key.
// The table is sorted once, into the Parquet file; CSV and JSON are copied from that file in its
// order (DuckDB preserves insertion order), so rows are not sorted three times. SHA-256 of each
// file runs in Node while DuckDB writes the next one. A large dataset is written in monthly parts
// instead (publisher/parts.ts), reusing the previous release's unchanged months.
import type { DuckDBConnection } from '@duckdb/node-api';
import path from 'node:path';
import { ident, literal } from '../rules/sql.ts';
import { csvCell, jsonCell } from './cells.ts';
import { fileSize, sha256File } from './files.ts';
import type { ColumnManifest, FileManifest } from './manifest.ts';
import { bulkOrderSql, writeParts, type PartLayout } from './parts.ts';

export interface ExportStep {
  format: FileManifest['format'];
  /** Absolute path of the file written. */
  file: string;
  /** The COPY statement that writes it. */
  sql: string;
}

/** The COPY statements for a dataset's bulk files, in the order they must run (Parquet first). */
export function exportSteps(table: string, columns: readonly ColumnManifest[], order: { timeColumn: string; rowKey: string }, datasetDir: string): ExportStep[] {
  const parquet = path.join(datasetDir, 'rows.parquet');
  const names = columns.map((c) => ident(c.name)).join(', ');
  const sorted = `SELECT ${names} FROM ${ident(table)} ORDER BY ${bulkOrderSql(order.timeColumn, order.rowKey)}`;
  const fromParquet = `FROM read_parquet(${literal(parquet)})`;
  return [
    { format: 'parquet', file: parquet, sql: `COPY (${sorted}) TO ${literal(parquet)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)` },
    {
      format: 'csv',
      file: path.join(datasetDir, 'rows.csv'),
      sql: `COPY (SELECT ${columns.map((c) => csvCell(c)).join(', ')} ${fromParquet}) TO ${literal(path.join(datasetDir, 'rows.csv'))} (FORMAT csv, HEADER true)`,
    },
    {
      format: 'json',
      file: path.join(datasetDir, 'rows.json'),
      sql: `COPY (SELECT ${columns.map((c) => jsonCell(c)).join(', ')} ${fromParquet}) TO ${literal(path.join(datasetDir, 'rows.json'))} (FORMAT json, ARRAY true)`,
    },
  ];
}

/** When and how a large dataset is written in monthly parts (publisher/parts.ts). */
export interface PartsOptions {
  layout: PartLayout;
  /** Rows in the table: more than `layout.above` means parts. */
  rows: number;
  /** Prefix of new part file names, unique within the release. */
  prefix: string;
  /** The dataset's files in the release now serving (parts in them are reused when unchanged). */
  previous: { dir: string; files: readonly FileManifest[] } | null;
}

export async function exportDataset(
  conn: DuckDBConnection,
  table: string,
  columns: readonly ColumnManifest[],
  order: { timeColumn: string; rowKey: string },
  releaseDir: string,
  datasetDir: string,
  parts?: PartsOptions,
): Promise<FileManifest[]> {
  if (parts !== undefined && parts.rows > parts.layout.above) {
    const written = await writeParts({
      conn, table, columns, rowKey: order.rowKey, timeColumn: order.timeColumn, releaseDir, datasetDir,
      prefix: parts.prefix, previous: parts.previous,
    });
    return written.files;
  }
  const pending: Promise<FileManifest>[] = [];
  try {
    for (const step of exportSteps(table, columns, order, datasetDir)) {
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
