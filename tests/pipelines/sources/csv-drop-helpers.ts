// Test helpers for the CSV drop reader: valid default values for every contract field, CSV
// writing from partial rows, and building a drop folder in a temp dir and loading it.

import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { tableSpec, type FieldSpec, type TableName } from '../../../pipelines/contract.ts';
import { memoryLogger } from '../../../pipelines/io.ts';
import { loadCsvDrop, type LoadOptions, type TableLoadReport } from '../../../pipelines/sources/csv-drop.ts';

export type Row = Record<string, string | null | undefined>;

export function defaultValue(f: FieldSpec): string {
  if (f.codes) return f.codes[0];
  switch (f.type) {
    case 'text': return `${f.name}-x`;
    case 'timestamp': return '2026-03-04T21:07:55-08:00';
    case 'date': return '1980-01-02';
    case 'boolean': return 'false';
    case 'integer': return String(f.range ? f.range[0] : 1);
    case 'double': return '47.5';
  }
}

export function cell(v: string | null | undefined): string {
  if (v == null) return '';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** One CSV record: defaults for every column, overridden by `row`. */
export function csvRow(table: TableName, row: Row, columns = columnNames(table)): string {
  const spec = tableSpec(table);
  return columns
    .map((c) => {
      if (c in row) return cell(row[c]);
      const f = spec.fields.find((x) => x.name === c);
      return cell(f ? defaultValue(f) : `${c}-val`);
    })
    .join(',');
}

export const columnNames = (table: TableName): string[] => tableSpec(table).fields.map((f) => f.name);

/** A whole CSV file (header + rows, LF line ends, trailing newline). */
export function csvFile(table: TableName, rows: Row[], columns = columnNames(table)): string {
  return [columns.join(','), ...rows.map((r) => csvRow(table, r, columns))].join('\n') + '\n';
}

/** Writes { batch: { 'file.csv': content } } under a fresh temp dir; returns the dir. */
export async function writeDrop(batches: Record<string, Record<string, string | Buffer>>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'csv-drop-'));
  for (const [batch, files] of Object.entries(batches)) {
    await mkdir(join(dir, batch), { recursive: true });
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, batch, name), content);
  }
  return dir;
}

export interface Loaded {
  conn: DuckDBConnection;
  reports: Record<TableName, TableLoadReport>;
  lines: string[];
  rows: (sql: string) => Promise<Record<string, unknown>[]>;
}

export async function loadDrop(sourceDir: string, opts: Partial<LoadOptions> = {}): Promise<Loaded> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const log = memoryLogger();
  const reports = await loadCsvDrop(conn, { sourceDir, log, ...opts });
  const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  return { conn, reports, lines: log.lines, rows };
}

export const B1 = '20260101T020000Z';
export const B2 = '20260102T020000Z';
export const B3 = '20260103T020000Z';
