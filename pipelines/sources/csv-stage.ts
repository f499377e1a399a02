// Stages one contract table from its CSV files (one per batch, in batch order) inside DuckDB:
// 1. each file is read once with read_csv (all VARCHAR, store_rejects) into a temp table;
// 2. one validation pass computes a failure reason per row (only failing rows are kept);
// 3. one upsert pass keeps, per primary key, the row with the newest updated_at (ties: later
//    batch, then later line) and writes stg_<table>; structural and value failures go to quarantine.

import type { DuckDBConnection } from '@duckdb/node-api';
import { stagingTable, type TableSpec } from '../contract.ts';
import type { HeaderMapping } from './csv-header.ts';
import { fieldCastSql, ident, rawRecordSql, readCsvSql, rowReasonSql, sqlString } from './csv-sql.ts';

export interface StageFile {
  batch: string;
  /** Position of the batch in applied order (0-based). */
  ordinal: number;
  path: string;
  mapping: HeaderMapping;
}

export interface StageCounts {
  rowsInFiles: number;
  quarantined: number;
  superseded: number;
  staged: number;
}

export const QUARANTINE_DDL = `CREATE TABLE IF NOT EXISTS quarantine (
  table_name VARCHAR, batch VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR)`;

async function count(conn: DuckDBConnection, sql: string): Promise<number> {
  const rows = (await conn.runAndReadAll(sql)).getRows();
  return Number(rows[0][0]);
}

export async function stageTable(
  conn: DuckDBConnection,
  spec: TableSpec,
  files: StageFile[],
  onFileDone: (done: number) => void,
  maxLineBytes?: number,
): Promise<StageCounts> {
  const t = spec.name;
  const raw = ident(`_csv_raw_${t}`);
  const rej = ident(`_csv_rej_${t}`);
  const bad = ident(`_csv_bad_${t}`);
  const starts = ident(`_csv_files_${t}`);
  const rj = ident(`_csv_rejects_${t}`);
  const rs = ident(`_csv_scans_${t}`);
  const fieldCols = spec.fields.map((f) => `${ident(f.name)} VARCHAR`).join(', ');

  await conn.run(`CREATE OR REPLACE TEMP TABLE ${raw} (_b INTEGER, _batch VARCHAR, ${fieldCols})`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${rej} (_b INTEGER, _batch VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR)`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${starts} (_b INTEGER, start_row BIGINT)`);
  try {
    // 1. Read every file once; structural errors land in the rejects tables, one entry per error.
    let rows = 0;
    for (const [i, file] of files.entries()) {
      await conn.run(`INSERT INTO ${starts} VALUES (${file.ordinal}, ${rows})`);
      await conn.run(`DROP TABLE IF EXISTS ${rj}`);
      await conn.run(`DROP TABLE IF EXISTS ${rs}`);
      const select = file.mapping.sourceIndex.map((idx) => (idx >= 0 ? `c${idx}` : 'NULL')).join(', ');
      await conn.run(`INSERT INTO ${raw} SELECT ${file.ordinal}, ${sqlString(file.batch)}, ${select}
        FROM ${readCsvSql(file.path, file.mapping.columnCount, `_csv_rejects_${t}`, `_csv_scans_${t}`, maxLineBytes)}`);
      await conn.run(`INSERT INTO ${rej}
        SELECT ${file.ordinal}, ${sqlString(file.batch)}, line,
               string_agg(DISTINCT lower(error_type) || ': ' || error_message, '; '),
               regexp_replace(first(csv_line), '^[\\r\\n]+', '')
        FROM ${rj} GROUP BY line`);
      rows = await count(conn, `SELECT count(*) FROM ${raw}`);
      onFileDone(i + 1);
    }

    // 2. Validation: one pass over the VARCHAR rows, keeping only the failing ones.
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${bad} AS
      SELECT _ord, _b, _batch, reason FROM (
        SELECT rowid AS _ord, _b, _batch, ${rowReasonSql(spec)} AS reason FROM ${raw}
      ) WHERE reason IS NOT NULL`);

    // 3. Quarantine and upsert, replacing the table's previous staging state atomically.
    const pk = ident(spec.primaryKey);
    await conn.run('BEGIN TRANSACTION');
    try {
      await conn.run(QUARANTINE_DDL);
      await conn.run(`DELETE FROM quarantine WHERE table_name = ${sqlString(t)}`);
      // A data row's line: its record number in the file (header = 1), counting rejected records
      // before it. acc_before = accepted rows that precede the reject.
      await conn.run(`INSERT INTO quarantine
        WITH rjx AS (
          SELECT _b, line - 2 - (row_number() OVER (PARTITION BY _b ORDER BY line) - 1) AS acc_before FROM ${rej}
        ), vals AS (
          SELECT b._b, b._batch, b._ord - s.start_row AS k, b.reason, ${rawRecordSql(spec, 'r')} AS raw
          FROM ${bad} b JOIN ${starts} s USING (_b) JOIN ${raw} r ON r.rowid = b._ord
        )
        SELECT ${sqlString(t)}, batch, line, reason, raw FROM (
          SELECT _b, _batch AS batch, line, reason, raw FROM ${rej}
          UNION ALL
          SELECT v._b, v._batch, v.k + 2 + (SELECT count(*) FROM rjx WHERE rjx._b = v._b AND rjx.acc_before <= v.k),
                 v.reason, v.raw
          FROM vals v
        ) ORDER BY _b, line`);
      await conn.run(`CREATE OR REPLACE TABLE ${ident(stagingTable(t))} AS
        SELECT ${spec.fields.map(fieldCastSql).join(', ')}, _batch
        FROM ${raw} r
        WHERE r.rowid NOT IN (SELECT _ord FROM ${bad})
        QUALIFY row_number() OVER (
          PARTITION BY r.${pk}
          ORDER BY CAST(r.updated_at AS TIMESTAMPTZ) DESC, r._b DESC, r.rowid DESC) = 1`);
      await conn.run('COMMIT');
    } catch (e) {
      await conn.run('ROLLBACK');
      throw e;
    }

    const rawRows = await count(conn, `SELECT count(*) FROM ${raw}`);
    const valueBad = await count(conn, `SELECT count(*) FROM ${bad}`);
    const structural = await count(conn, `SELECT count(*) FROM ${rej}`);
    const staged = await count(conn, `SELECT count(*) FROM ${ident(stagingTable(t))}`);
    return {
      rowsInFiles: rawRows + structural,
      quarantined: valueBad + structural,
      superseded: rawRows - valueBad - staged,
      staged,
    };
  } finally {
    for (const name of [raw, rej, bad, starts, rj, rs]) await conn.run(`DROP TABLE IF EXISTS ${name}`);
  }
}
