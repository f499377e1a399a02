// The CSV drop folder reader (records contract, source 1): finds the batch subfolders
// (YYYYMMDDTHHMMSSZ, applied in name order), checks every file's header against the contract
// before touching the database, then stages each table into stg_<table> with a quarantine.
// The heavy lifting (parsing, validation, upsert) happens in DuckDB SQL; see csv-stage.ts.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TABLES, tableSpec, type TableName } from '../contract.ts';
import type { Logger, Progress } from '../io.ts';
import { mapHeader, readCsvHeader } from './csv-header.ts';
import { sqlString } from './csv-sql.ts';
import { stageTable, type StageFile } from './csv-stage.ts';

export interface TableLoadReport {
  table: TableName;
  /** Batch folder names that held this table, in applied order. */
  batches: string[];
  /** Data rows seen in all files (accepted + quarantined). */
  rowsInFiles: number;
  /** Rows rejected with a reason (structural or value errors). */
  quarantined: number;
  /** Older versions replaced by a later row with the same key. */
  superseded: number;
  /** Rows in stg_<table> after the upsert; rowsInFiles = staged + superseded + quarantined. */
  staged: number;
  /** Header names the contract does not know (ignored, reported). */
  unknownColumns: string[];
}

export interface LoadOptions {
  sourceDir: string;
  tables?: TableName[];
  log: Logger;
  progress?: Progress;
  /** If given, the connection's TimeZone setting (display only: every source timestamp carries its offset). */
  timezone?: string;
  /** Longest CSV record in bytes; longer ones are quarantined (default 8 MiB). */
  maxLineBytes?: number;
}

export const BATCH_NAME = /^\d{8}T\d{6}Z$/;
const EXPECTED = 'expected subfolders named YYYYMMDDTHHMMSSZ';

/** Batch folder names in applied (name) order; other entries are warned about and skipped. */
export async function listBatches(sourceDir: string, log?: Logger): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(sourceDir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no batches in ${sourceDir}: the folder does not exist (${EXPECTED})`);
    throw e;
  }
  const batches: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() && BATCH_NAME.test(entry.name)) batches.push(entry.name);
    else log?.warn(`${join(sourceDir, entry.name)}: skipped, not a batch folder (${EXPECTED})`);
  }
  return batches.sort();
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

interface TablePlan { table: TableName; files: StageFile[]; unknownColumns: string[] }

/** Finds and checks every file of every requested table; throws before any database change. */
async function planTables(sourceDir: string, batches: string[], tables: TableName[], log: Logger): Promise<TablePlan[]> {
  const plans: TablePlan[] = [];
  for (const table of tables) {
    const spec = tableSpec(table);
    const plan: TablePlan = { table, files: [], unknownColumns: [] };
    for (const [ordinal, batch] of batches.entries()) {
      const path = join(sourceDir, batch, `${table}.csv`);
      if (!(await isFile(path))) continue;
      const header = await readCsvHeader(path);
      if (!header) throw new Error(`${path}: empty file, expected a header row naming the ${table} columns`);
      const mapping = mapHeader(path, header, spec);
      for (const col of mapping.unknownColumns) {
        log.warn(`${path}: column "${col}" is not in the contract for ${table}; ignored`);
        if (!plan.unknownColumns.includes(col)) plan.unknownColumns.push(col);
      }
      plan.files.push({ batch, ordinal, path, mapping });
    }
    plans.push(plan);
  }
  return plans;
}

async function warnStrayFiles(sourceDir: string, batches: string[], log: Logger): Promise<void> {
  const known = new Set(TABLES.map((t) => `${t.name}.csv`));
  for (const batch of batches) {
    for (const name of await readdir(join(sourceDir, batch))) {
      if (!known.has(name)) log.warn(`${join(sourceDir, batch, name)}: not a contract table file; ignored`);
    }
  }
}

/** Loads a CSV drop folder into stg_<table> tables (and the quarantine table) on `conn`. */
export async function loadCsvDrop(conn: DuckDBConnection, opts: LoadOptions): Promise<Record<TableName, TableLoadReport>> {
  const { sourceDir, log } = opts;
  const progress = opts.progress ?? (() => {});
  const tables = opts.tables ?? TABLES.map((t) => t.name);
  const batches = await listBatches(sourceDir, log);
  if (batches.length === 0) throw new Error(`no batches in ${sourceDir}: ${EXPECTED}`);
  await warnStrayFiles(sourceDir, batches, log);
  const plans = await planTables(sourceDir, batches, tables, log);
  if (opts.timezone) await conn.run(`SET TimeZone = ${sqlString(opts.timezone)}`);

  const reports = {} as Record<TableName, TableLoadReport>;
  for (const plan of plans) {
    const step = `load ${plan.table}`;
    const total = plan.files.length;
    progress(step, 0, total);
    const started = Date.now();
    const counts = await stageTable(conn, tableSpec(plan.table), plan.files, (done) => progress(step, done, total), opts.maxLineBytes);
    const report: TableLoadReport = {
      table: plan.table,
      batches: plan.files.map((f) => f.batch),
      ...counts,
      unknownColumns: plan.unknownColumns,
    };
    reports[plan.table] = report;
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    log.info(
      `${plan.table}: ${total} file(s), ${report.rowsInFiles} rows read, ${report.staged} staged, ` +
        `${report.superseded} superseded, ${report.quarantined} quarantined (${secs}s)`,
    );
    if (report.quarantined > 0) log.warn(`${plan.table}: ${report.quarantined} row(s) quarantined; see table quarantine`);
  }
  return reports;
}
