// Bulk files of one dataset, written by DuckDB COPY (never row by row in Node): Parquet with
// native types, CSV and JSON with floating ISO timestamps. Rows in the stable row-key order.
// The rows are sorted once: into the Parquet file, here or by the rules (pipelines/shape.ts writes
// the file of a dataset without X8 itself); CSV and JSON are copied from that file in its order
// (PRESERVE_ORDER: DuckDB keeps insertion order by default, but not in every plan), so 11 M rows are
// not sorted three times. SHA-256 of each file runs in Node
// while DuckDB writes the next one. A large dataset's CSV and JSON are written in parts instead
// (publisher/parts.ts), reusing the previous release's unchanged parts.
import type { DuckDBConnection } from '@duckdb/node-api';
import path from 'node:path';
import { ident, literal } from '../rules/sql.ts';
import { csvCell, jsonCell } from './cells.ts';
import { fileSize, linkOrCopy, sha256File } from './files.ts';
import type { ColumnManifest, FileManifest } from './manifest.ts';
import { writeParts, type PartLayout } from './parts.ts';

export interface ExportStep {
  format: FileManifest['format'];
  /** Absolute path of the file written. */
  file: string;
  /** The COPY statement that writes it. */
  sql: string;
}

/**
 * How every Parquet file of a release is written. zstd at level 1: on the 11 M calls, a file as
 * small as at the default level (264 MB), written in 4.3 s instead of 5.2 s.
 */
export const PARQUET_ROW_GROUP = 122880;
export const parquetOptions = (rowGroupSize = PARQUET_ROW_GROUP): string => `FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE ${rowGroupSize}`;
export const PARQUET_OPTIONS = parquetOptions();

/** The COPY statements for a dataset's bulk files, in the order they must run (Parquet first). */
export function exportSteps(table: string, columns: readonly ColumnManifest[], rowKey: string, datasetDir: string): ExportStep[] {
  const parquet = path.join(datasetDir, 'rows.parquet');
  const names = columns.map((c) => ident(c.name)).join(', ');
  const sorted = `SELECT ${names} FROM ${ident(table)} ORDER BY ${ident(rowKey)}`;
  const fromParquet = `FROM read_parquet(${literal(parquet)})`;
  return [
    { format: 'parquet', file: parquet, sql: `COPY (${sorted}) TO ${literal(parquet)} (${PARQUET_OPTIONS})` },
    {
      format: 'csv',
      file: path.join(datasetDir, 'rows.csv'),
      sql: `COPY (SELECT ${columns.map((c) => csvCell(c)).join(', ')} ${fromParquet}) TO ${literal(path.join(datasetDir, 'rows.csv'))} (FORMAT csv, HEADER true, PRESERVE_ORDER true)`,
    },
    {
      format: 'json',
      file: path.join(datasetDir, 'rows.json'),
      sql: `COPY (SELECT ${columns.map((c) => jsonCell(c)).join(', ')} ${fromParquet}) TO ${literal(path.join(datasetDir, 'rows.json'))} (FORMAT json, ARRAY true, PRESERVE_ORDER true)`,
    },
  ];
}

/** When and how a large dataset's CSV and JSON are written in parts (publisher/parts.ts). */
export interface PartsOptions {
  layout: PartLayout;
  /** Rows in the table: more than `layout.above` means parts. */
  rows: number;
  /** Prefix of new part file names, unique within the release. */
  prefix: string;
  /** The dataset's files in the release now serving (parts in them are reused when unchanged). */
  previous: { dir: string; files: readonly FileManifest[] } | null;
  /** TEMP table of the row keys that differ from `previous` (PartsInput.changes), if known. */
  changes?: string | null;
  /** The Parquet file, already written in this layout (PARQUET_OPTIONS, key order): linked in (copied across filesystems), not written again. */
  parquet?: string;
}

export async function exportDataset(
  conn: DuckDBConnection,
  table: string,
  columns: readonly ColumnManifest[],
  rowKey: string,
  releaseDir: string,
  datasetDir: string,
  parts?: PartsOptions,
): Promise<FileManifest[]> {
  const pending: Promise<FileManifest>[] = [];
  const inParts = parts !== undefined && parts.rows > parts.layout.above;
  try {
    for (const step of exportSteps(table, columns, rowKey, datasetDir)) {
      if (inParts && step.format !== 'parquet') continue;
      // Staging may be on another filesystem than the releases: then the file is copied.
      if (step.format === 'parquet' && parts?.parquet) await linkOrCopy(parts.parquet, step.file);
      else await conn.run(step.sql);
      pending.push(Promise.all([fileSize(step.file), sha256File(step.file)]).then(([bytes, sha256]) => ({
        format: step.format, path: path.relative(releaseDir, step.file), bytes, sha256,
      })));
    }
    if (inParts) {
      const prevCsv = parts.previous?.files.find((f) => f.format === 'csv' && f.parts);
      const prevJson = parts.previous?.files.find((f) => f.format === 'json' && f.parts);
      const written = await writeParts({
        conn, parquet: path.join(datasetDir, 'rows.parquet'), columns, rowKey, releaseDir, datasetDir,
        layout: parts.layout, prefix: parts.prefix,
        previous: prevCsv && prevJson ? { dir: parts.previous!.dir, csv: prevCsv, json: prevJson } : null,
        changes: parts.changes,
      });
      pending.push(Promise.resolve(written.csv), Promise.resolve(written.json));
    }
  } finally {
    // Never leave a hash reading a file the caller is about to remove.
    await Promise.allSettled(pending);
  }
  return Promise.all(pending);
}
