// The CSV drop folder reader (records contract, source 1): finds the batch subfolders
// (YYYYMMDDTHHMMSSZ, applied in name order), works out which batches this staging database has
// not applied yet (table _applied_batches), checks those files' headers against the contract
// (and the mapping file, if any) before touching the database, reads them into temp tables and
// runs the shared staging pipeline (stage.ts, stage-upsert.ts): validation, quarantine, upsert
// into stg_<table>.
// All tables are applied in one transaction, with the batch records: a failure changes nothing.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TABLES, tableSpec, type TableName } from '../contract.ts';
import type { Clock, Logger, Progress } from '../io.ts';
import { mapHeader, readCsvHeader } from './csv-header.ts';
import { sqlString } from './csv-sql.ts';
import { readCsvFiles, type CsvRaw, type StageFile } from './csv-stage.ts';
import { loadSourceMapping, tableMapping, type SourceMapping } from './mapping.ts';
import {
  APPLIED_BATCHES_DDL, describeLoad, dropTemp, ensureStaging, inTransaction, resetStaging, stagingState, tableExists,
  type TableLoadReport,
} from './stage.ts';
import { applyPrepared, dropPrepared, prepareTable, type Prepared } from './stage-upsert.ts';
import { prepareStreamed } from './csv-stream.ts';

export type { AppliedLoad, TableLoadReport } from './stage.ts';

export interface LoadOptions {
  sourceDir: string;
  tables?: TableName[];
  log: Logger;
  progress?: Progress;
  /** If given, the connection's TimeZone setting (display only: every source timestamp carries its offset). */
  timezone?: string;
  /** Longest CSV record in bytes; longer ones are quarantined (default 8 MiB). */
  maxLineBytes?: number;
  /** Drop the tables' staging, quarantine rows and applied-batch records, and re-apply every batch. */
  full?: boolean;
  /** Header renames, file names and code maps (a parsed mapping, or the path of a mapping file). */
  mapping?: SourceMapping | string;
  /** Time stamped on applied batches and staged rows (default: now). */
  clock?: Clock;
  /** Always stage through a raw copy of the text (csv-stage.ts), never by identity (csv-stream.ts). */
  rawCopy?: boolean;
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

interface TablePlan {
  table: TableName;
  /** Files of batches not applied yet, in name order. */
  files: StageFile[];
  unknownColumns: string[];
}

/** Batches already applied, per table. */
async function appliedBatches(conn: DuckDBConnection): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (!(await tableExists(conn, '_applied_batches'))) return out;
  const rows = (await conn.runAndReadAll('SELECT table_name, batch FROM _applied_batches')).getRows();
  for (const [table, batch] of rows) {
    const set = out.get(String(table)) ?? new Set<string>();
    set.add(String(batch));
    out.set(String(table), set);
  }
  return out;
}

/** Finds and checks every pending file of every requested table; throws before any database change. */
async function planTables(
  sourceDir: string, batches: string[], tables: TableName[], applied: Map<string, Set<string>>,
  mapping: SourceMapping | undefined, log: Logger,
): Promise<TablePlan[]> {
  const plans: TablePlan[] = [];
  for (const table of tables) {
    const spec = tableSpec(table);
    const m = tableMapping(mapping, table);
    const done = applied.get(table) ?? new Set<string>();
    const last = [...done].sort().at(-1);
    const plan: TablePlan = { table, files: [], unknownColumns: [] };
    for (const batch of batches) {
      if (done.has(batch)) continue;
      const path = join(sourceDir, batch, `${m.from}.csv`);
      if (!(await isFile(path))) continue;
      if (last !== undefined && batch < last) {
        log.warn(`${path}: late delivery: batch ${batch} sorts before ${last}, which is already applied; applying it now ` +
          `(its rows replace staged ones only where their updated_at is newer or equal)`);
      }
      const header = await readCsvHeader(path);
      if (!header) throw new Error(`${path}: empty file, expected a header row naming the ${table} columns`);
      const headerMap = mapHeader(path, header, spec, m.columns);
      for (const col of headerMap.unknownColumns) {
        log.warn(`${path}: column "${col}" is not in the contract for ${table}; ignored`);
        if (!plan.unknownColumns.includes(col)) plan.unknownColumns.push(col);
      }
      plan.files.push({ batch, ordinal: plan.files.length, path, mapping: headerMap });
    }
    plans.push(plan);
  }
  return plans;
}

async function warnStrayFiles(sourceDir: string, batches: string[], mapping: SourceMapping | undefined, log: Logger): Promise<void> {
  const known = new Set(TABLES.map((t) => `${tableMapping(mapping, t.name).from}.csv`));
  for (const batch of batches) {
    for (const name of await readdir(join(sourceDir, batch))) {
      if (!known.has(name)) log.warn(`${join(sourceDir, batch, name)}: not a contract table file; ignored`);
    }
  }
}

/**
 * Applies the CSV drop folder's new batches (all of them with `full`) to stg_<table> and the
 * quarantine on `conn`. Reports each table's state after the load and what this load did.
 */
export async function loadCsvDrop(conn: DuckDBConnection, opts: LoadOptions): Promise<Record<TableName, TableLoadReport>> {
  const { sourceDir, log } = opts;
  const progress = opts.progress ?? (() => {});
  const clock = opts.clock ?? (() => new Date());
  const tables = opts.tables ?? TABLES.map((t) => t.name);
  const mapping = typeof opts.mapping === 'string' ? await loadSourceMapping(opts.mapping) : opts.mapping;
  const batches = await listBatches(sourceDir, log);
  if (batches.length === 0) throw new Error(`no batches in ${sourceDir}: ${EXPECTED}`);
  await warnStrayFiles(sourceDir, batches, mapping, log);
  const applied = opts.full ? new Map<string, Set<string>>() : await appliedBatches(conn);
  const plans = await planTables(sourceDir, batches, tables, applied, mapping, log);
  if (opts.timezone) await conn.run(`SET TimeZone = ${sqlString(opts.timezone)}`);

  // 1. Read every pending file and validate, in temp tables only.
  const started = Date.now();
  const prepared: { plan: TablePlan; raw: CsvRaw; prep?: Prepared }[] = [];
  try {
    for (const plan of plans) {
      const step = `load ${plan.table}`;
      const total = plan.files.length;
      progress(step, 0, total);
      const spec = tableSpec(plan.table);
      const read = (mode: 'raw' | 'check') => readCsvFiles(conn, spec, plan.files, tableMapping(mapping, plan.table).codes,
        (done) => progress(step, done, total), opts.maxLineBytes, mode);
      const entry: (typeof prepared)[number] = { plan, raw: await read(opts.rawCopy ? 'raw' : 'check') };
      prepared.push(entry);
      const streamed = entry.raw.checked ? await prepareStreamed(conn, entry.raw) : { fallback: 'raw copy asked for' };
      if ('fallback' in streamed) {
        if (entry.raw.checked) {
          log.info(`${plan.table}: ${streamed.fallback}; staging through a raw copy`);
          await dropTemp(conn, entry.raw.checked);
          progress(step, 0, total);
          entry.raw = await read('raw');
        }
        entry.prep = await prepareTable(conn, entry.raw, entry.raw.quarantineRows);
      } else {
        entry.prep = streamed;
      }
    }

    // 2. Apply every table and record its batches, atomically.
    const now = clock();
    const reports = {} as Record<TableName, TableLoadReport>;
    await inTransaction(conn, async () => {
      await conn.run(APPLIED_BATCHES_DDL);
      for (const { plan, raw, prep } of prepared) {
        if (opts.full) {
          await resetStaging(conn, plan.table);
          await conn.run(`DELETE FROM _applied_batches WHERE table_name = ${sqlString(plan.table)}`);
        }
        await ensureStaging(conn, tableSpec(plan.table));
        const upsert = `upsert ${plan.table}`;
        if (plan.files.length > 0) progress(upsert, 0, 1);
        const counts = await applyPrepared(conn, prep!, now);
        if (plan.files.length > 0) progress(upsert, 1, 1);
        for (const f of plan.files) {
          await conn.run(`INSERT INTO _applied_batches VALUES (${sqlString(f.batch)}, ${sqlString(plan.table)},
            CAST(${sqlString(now.toISOString())} AS TIMESTAMPTZ), ${raw.rowsPerBatch.get(f.batch) ?? 0})`);
        }
        reports[plan.table] = {
          table: plan.table,
          ...(await stagingState(conn, plan.table)),
          unknownColumns: plan.unknownColumns,
          applied: { source: 'csv', units: plan.files.map((f) => f.batch), ...counts },
        };
      }
    });

    const secs = ((Date.now() - started) / 1000).toFixed(1);
    for (const { plan } of prepared) {
      const r = reports[plan.table];
      if (plan.files.length === 0) {
        log.info(`${plan.table}: no new batches; ${r.staged} staged, ${r.quarantined} in quarantine`);
        continue;
      }
      log.info(`${describeLoad(r, secs)}; batches ${r.applied.units.join(', ')}`);
      if (r.applied.quarantined > 0) log.warn(`${plan.table}: ${r.applied.quarantined} row(s) quarantined; see table quarantine`);
    }
    return reports;
  } finally {
    for (const { raw, prep } of prepared) {
      await dropPrepared(conn, prep ?? raw);
      await dropTemp(conn, raw.starts, ...(raw.checked ? [raw.checked] : []));
    }
  }
}
