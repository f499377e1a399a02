// Reads one contract table's CSV files (one per batch, in batch order) into the shared staging
// pipeline's raw temp tables (stage.ts, stage-upsert.ts), or, in `check` mode, into one narrow
// check row per record (csv-stream.ts stages clean files from that without a raw copy):
// - each file is read once with read_csv (all VARCHAR, store_rejects), header renames and code
//   maps from the mapping file applied on the way in;
// - structural errors (wrong column count, bad UTF-8, unterminated quotes...) become rejects;
// - quarantine line numbers: a value failure's line is its record number in the file (header =
//   1), counting the rejected records before it.

import { open, stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { rowHash } from '../../rules/sql.ts';
import type { TableSpec } from '../contract.ts';
import type { HeaderMapping } from './csv-header.ts';
import { ident, rawRecordSql, readCsvSql, rowReasonSql, sqlString } from './csv-sql.ts';
import { count, createRawTables, dropTemp, rawTableNames, type RawTables } from './stage.ts';
import type { QuarantineRowsSql } from './stage-upsert.ts';

export interface StageFile {
  batch: string;
  /** Position of the file in this load's applied order (0-based). */
  ordinal: number;
  path: string;
  mapping: HeaderMapping;
}

export interface CsvRaw extends RawTables {
  /** (_b, start_row): the raw rowid where each file's rows start. */
  starts: string;
  /** Rows read per batch (accepted + rejected). */
  rowsPerBatch: Map<string, number>;
  quarantineRows: QuarantineRowsSql;
  /** `check` mode: (_b, _h, _k, _ts, reason), one row per record read; the raw table stays empty. */
  checked?: string;
  /** The files read, with their size and mtime when read (a second pass refuses changed files). */
  files: (StageFile & { size: number; mtimeMs: number })[];
  maxLineBytes?: number;
  codes: Record<string, Record<string, string>>;
}

/** SQL for one mapped column: its positional column, with a code map applied. */
function columnSql(idx: number, codes: Record<string, string> | undefined): string {
  if (idx < 0) return 'CAST(NULL AS VARCHAR)';
  const c = `c${idx}`;
  const entries = Object.entries(codes ?? {});
  if (entries.length === 0) return c;
  return `CASE ${c} ${entries.map(([from, to]) => `WHEN ${sqlString(from)} THEN ${sqlString(to)}`).join(' ')} ELSE ${c} END`;
}

/** One file's records as (_b, _batch, <contract fields> VARCHAR), mapped and code-mapped. */
export function fileRowsSql(spec: TableSpec, file: StageFile, codes: Record<string, Record<string, string>>,
  rejectsTable: string, rejectsScan: string, maxLineBytes?: number): string {
  const select = file.mapping.sourceIndex.map((idx, k) => `${columnSql(idx, codes[spec.fields[k].name])} AS ${ident(spec.fields[k].name)}`).join(', ');
  return `SELECT ${file.ordinal} AS _b, ${sqlString(file.batch)} AS _batch, ${select}
    FROM ${readCsvSql(file.path, file.mapping.columnCount, rejectsTable, rejectsScan, maxLineBytes)}`;
}

/** A record's identity within its file's batch: a 64-bit hash of its mapped values (same SQL in both passes). */
export const rowHashSql = (spec: TableSpec): string => rowHash(spec.fields.map((f) => f.name));

/** The check row of every record of `rows` (a fileRowsSql): batch, identity, key, updated_at, failure reason. */
function checkRowsSql(spec: TableSpec, rows: string): string {
  return `SELECT _b, ${rowHashSql(spec)} AS _h, ${ident(spec.primaryKey)} AS _k, try_cast(updated_at AS TIMESTAMPTZ) AS _ts,
    ${rowReasonSql(spec)} AS reason FROM (${rows})`;
}

/**
 * A file cut off in the middle of a row (a transfer that died): no final line break, and its last
 * record is too short or unterminated. The whole load fails, so the batch is not marked applied
 * and a complete re-delivery under the same name is read.
 */
async function refuseCutOffFile(conn: DuckDBConnection, file: StageFile, rejectsTable: string, records: number): Promise<void> {
  const handle = await open(file.path, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] === 0x0a) return;
  } finally {
    await handle.close();
  }
  const torn = await count(conn, `SELECT count(*) FROM ${ident(rejectsTable)} WHERE line = ${records + 1}
    AND regexp_matches(lower(error_type), 'missing|unquoted|quote')`);
  if (torn > 0) {
    throw new Error(`${file.path}: cut off in the middle of a row (record ${records + 1} is incomplete and the file has no final line break); batch ${file.batch} is not applied — re-deliver the complete file`);
  }
}

export async function readCsvFiles(
  conn: DuckDBConnection,
  spec: TableSpec,
  files: StageFile[],
  codes: Record<string, Record<string, string>>,
  onFileDone: (done: number) => void,
  maxLineBytes?: number,
  mode: 'raw' | 'check' = 'raw',
): Promise<CsvRaw> {
  const t = spec.name;
  const tables = rawTableNames('csv', spec);
  const starts = `_csv_files_${t}`;
  const rj = `_csv_rejects_${t}`;
  const rs = `_csv_scans_${t}`;
  const checked = mode === 'check' ? `_csv_chk_${t}` : undefined;
  const rowsTable = checked ?? tables.raw;
  await createRawTables(conn, tables);
  if (checked) await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(checked)} (_b INTEGER, _h UBIGINT, _k VARCHAR, _ts TIMESTAMPTZ, reason VARCHAR)`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(starts)} (_b INTEGER, start_row BIGINT)`);
  const rowsPerBatch = new Map<string, number>();
  const read: CsvRaw['files'] = [];
  try {
    let rows = 0;
    for (const [i, file] of files.entries()) {
      const { size, mtimeMs } = await stat(file.path);
      read.push({ ...file, size, mtimeMs });
      await conn.run(`INSERT INTO ${ident(starts)} VALUES (${file.ordinal}, ${rows})`);
      await dropTemp(conn, rj, rs);
      const fileRows = fileRowsSql(spec, file, codes, rj, rs, maxLineBytes);
      await conn.run(`INSERT INTO ${ident(rowsTable)} ${checked ? checkRowsSql(spec, fileRows) : fileRows}`);
      await conn.run(`INSERT INTO ${ident(tables.rejects)}
        SELECT ${file.ordinal}, ${sqlString(file.batch)}, line,
               string_agg(DISTINCT lower(error_type) || ': ' || error_message, '; ' ORDER BY lower(error_type) || ': ' || error_message),
               regexp_replace(first(csv_line), '^[\\r\\n]+', '')
        FROM ${ident(rj)} GROUP BY line`);
      const total = await count(conn, `SELECT count(*) FROM ${ident(rowsTable)}`);
      const rejected = await count(conn, `SELECT count(*) FROM ${ident(tables.rejects)} WHERE _b = ${file.ordinal}`);
      await refuseCutOffFile(conn, file, rj, total - rows + rejected);
      rowsPerBatch.set(file.batch, total - rows + rejected);
      rows = total;
      onFileDone(i + 1);
    }
  } catch (e) {
    await dropTemp(conn, tables.raw, tables.rejects, starts, ...(checked ? [checked] : []));
    throw e;
  } finally {
    await dropTemp(conn, rj, rs);
  }

  const quarantineRows: QuarantineRowsSql = ({ raw, rejects, bad }) => `
    WITH rjx AS (
      SELECT _b, line - 2 - (row_number() OVER (PARTITION BY _b ORDER BY line) - 1) AS acc_before FROM ${ident(rejects)}
    ), vals AS (
      SELECT b._b, r._batch, b._ord - s.start_row AS k, b.reason, ${rawRecordSql(spec, 'r')} AS raw
      FROM ${ident(bad)} b JOIN ${ident(starts)} s USING (_b) JOIN ${ident(raw)} r ON r.rowid = b._ord
    ), lined AS (
      SELECT _b, _batch AS batch, line, reason, raw FROM ${ident(rejects)}
      UNION ALL
      SELECT v._b, v._batch, v.k + 2 + (SELECT count(*) FROM rjx WHERE rjx._b = v._b AND rjx.acc_before <= v.k),
             v.reason, v.raw
      FROM vals v
    )
    SELECT _b, line AS _o, batch, line, reason, raw FROM lined`;
  return { ...tables, starts, rowsPerBatch, quarantineRows, checked, files: read, maxLineBytes, codes };
}
