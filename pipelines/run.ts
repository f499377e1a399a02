// One pipeline run, as numbered steps: definitions → staging → rules → release → history.
// Any failure leaves the release now serving untouched and is recorded in the run history.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { loadDatasets, type LoadedDataset } from '../datasets/load.ts';
import { cleanTemporary, writeRelease } from '../publisher/release-writer.ts';
import { openCurrentRelease } from '../publisher/release-reader.ts';
import type { RunReport } from '../publisher/manifest.ts';
import { loadCatalog, type Catalog } from '../rules/catalog.ts';
import { compileDataset, type CompiledDataset } from '../rules/compile.ts';
import { ident } from '../rules/sql.ts';
import type { Config } from './config.ts';
import type { TableName } from './contract.ts';
import { appendRun, type RunRecord } from './history.ts';
import type { Clock, Logger, Progress } from './io.ts';
import { loadPublisherKey } from './key.ts';
import { buildScanTerms, SCAN_TERMS_TABLE } from './scan-terms.ts';
import { catalogSnapshot } from '../rules/snapshot.ts';
import { acquireRunLock } from './lock.ts';
import { loadCsvDrop, type TableLoadReport } from './sources/csv-drop.ts';

export interface RunOptions {
  config: Config;
  /** Dataset ids or slugs to run; all when empty. */
  only?: string[];
  log: Logger;
  progress: Progress;
  clock: Clock;
  /** Where catalog and dataset definitions live (tests point these at fixtures). */
  catalogDir?: string;
  datasetsDir?: string;
  /** Rules to leave out: only tests use this, to prove a defence matters. */
  disabledRules?: string[];
  env?: NodeJS.ProcessEnv;
  /** Renders the portal's pages for a release directory, for the scan gate (wired in by the CLI). */
  renderPages?: (releaseDir: string) => Promise<{ name: string; text: string }[]>;
}

export interface RunResult {
  releaseId: string;
  releaseDir: string;
  reports: Record<string, RunReport>;
}

const PUBLISHER = { name: 'police-open-data-publisher', version: '0.1.0' };

function selectDatasets(all: LoadedDataset[], only: string[] | undefined): LoadedDataset[] {
  if (!only?.length) return all;
  return only.map((want) => {
    const hit = all.find((d) => d.def.id === want || d.def.slug === want);
    if (!hit) throw new Error(`unknown dataset "${want}"; known: ${all.map((d) => `${d.def.id} (${d.def.slug})`).join(', ')}`);
    return hit;
  });
}

async function openStaging(dataDir: string): Promise<{ db: DuckDBInstance; conn: DuckDBConnection }> {
  const dir = path.join(dataDir, 'staging');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'staging.duckdb');
  // Staging is rebuilt from the source on every run, so a damaged file is simply replaced.
  await rm(file, { force: true });
  await rm(`${file}.wal`, { force: true });
  const db = await DuckDBInstance.create(file);
  const conn = await db.connect();
  return { db, conn };
}

async function count(conn: DuckDBConnection, sql: string): Promise<Record<string, number | null>> {
  const [row] = (await conn.runAndReadAll(sql)).getRowObjects();
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : Number(v)]));
}

/** X8: runs the post-processing steps and measures the k achieved. */
async function applyPost(conn: DuckDBConnection, compiled: CompiledDataset): Promise<RunReport['kAnonymity']> {
  let result: RunReport['kAnonymity'] = null;
  // (one X8 step per dataset; a second would report its own k last)
  for (const { sql } of compiled.post) {
    const before = (await count(conn, sql.smallRowsSql)).n ?? 0;
    for (const statement of sql.statements) await conn.run(statement);
    const { k, classes } = await count(conn, sql.minKSql);
    result = { k, required: sql.k, classes: classes ?? 0, rowsBelowK: before };
  }
  return result;
}

async function shapeDataset(conn: DuckDBConnection, compiled: CompiledDataset, load: TableLoadReport): Promise<RunReport> {
  const table = compiled.table;
  await conn.run(`CREATE OR REPLACE TABLE ${ident(table)} AS ${compiled.shapeSql}`);
  const kAnonymity = await applyPost(conn, compiled);
  const rules = [...new Set(compiled.touchedColumns.map((t) => t.rule))];
  const sums = rules.map((r) => `coalesce(sum(CAST(${ident(`__touched_${r}`)} AS INTEGER)), 0) AS ${ident(r)}`);
  const [touchedRow] = (await conn.runAndReadAll(`SELECT count(*) AS published${sums.map((s) => `, ${s}`).join('')} FROM ${ident(table)}`)).getRowObjects();
  const [withheldRow] = (await conn.runAndReadAll(compiled.withheldSql)).getRowObjects();
  const withheldByRule = Object.fromEntries(compiled.rowRules.map((r) => [r, Number(withheldRow[r])]));
  const published = Number(touchedRow.published);
  const staged = Number(withheldRow.rows_total);
  const withheld = Object.values(withheldByRule).reduce((a, b) => a + b, 0);
  if (staged !== published + withheld) throw new Error(`${compiled.datasetId}: counts do not reconcile (${staged} staged ≠ ${published} published + ${withheld} withheld)`);
  return {
    rowsRead: staged + load.quarantined,
    quarantined: load.quarantined,
    withheldByRule,
    published,
    touchedByRule: Object.fromEntries(rules.map((r) => [r, Number(touchedRow[r])])),
    unknownColumns: load.unknownColumns,
    kAnonymity,
  };
}

export async function runPipelines(o: RunOptions): Promise<RunResult> {
  const { config, log, progress } = o;
  const started = o.clock();
  const runId = started.toISOString();
  const record: RunRecord = { runId, startedAt: runId, endedAt: '', status: 'failed', datasets: [], releaseId: null, counts: {}, error: null };
  let release: (() => Promise<void>) | null = null;
  let staging: { db: DuckDBInstance; conn: DuckDBConnection } | null = null;
  try {
    // 1. One run at a time; clear what a killed run left behind.
    release = await acquireRunLock(config.dataDir);
    const leftovers = await cleanTemporary(config.dataDir);
    if (leftovers.length) log.warn(`removed ${leftovers.length} unfinished release(s) left by an interrupted run`);

    // 2. Definitions and rules, checked before any data is touched.
    const catalog: Catalog = await loadCatalog(o.catalogDir);
    const selected = selectDatasets(await loadDatasets(o.datasetsDir), o.only);
    record.datasets = selected.map((d) => d.def.id);
    const secretHex = await loadPublisherKey(config.dataDir, o.env);
    const nowIso = started.toISOString();
    const compiled = selected.map((d) =>
      compileDataset(d.def, d.file, catalog, { secretHex, timezone: config.agency.timezone, nowIso, disabledRules: o.disabledRules }),
    );
    const minCell = Number(catalog.rules.get('X7')?.steps[0]?.params.minCell ?? 11);

    // 3. Stage the source records (quarantining bad rows).
    staging = await openStaging(config.dataDir);
    const tables = [...new Set(selected.map((d) => d.def.source))] as TableName[];
    const loads = await loadCsvDrop(staging.conn, { sourceDir: config.sourceDir, tables, log, progress, timezone: config.agency.timezone });

    // 4. Apply the rules: one published table per dataset, with its counts.
    const reports: Record<string, RunReport> = {};
    for (const [i, c] of compiled.entries()) {
      progress(`apply rules ${selected[i].def.slug}`, i, compiled.length);
      reports[c.datasetId] = await shapeDataset(staging.conn, c, loads[selected[i].def.source]);
      const r = reports[c.datasetId];
      log.info(`${selected[i].def.slug}: ${r.rowsRead} read, ${r.quarantined} quarantined, ${Object.values(r.withheldByRule).reduce((a, b) => a + b, 0)} withheld, ${r.published} published`);
    }

    // 5. Write the release, scan it (X3) and switch it in.
    const scanOn = !o.disabledRules?.includes('X3');
    if (scanOn) {
      const terms = await buildScanTerms(staging.conn, tables);
      log.info(`scan gate: ${terms} source values to hunt for`);
    }
    const out = await writeRelease({
      scan: scanOn ? { termsTable: SCAN_TERMS_TABLE, pages: o.renderPages } : undefined,
      rules: catalogSnapshot(catalog),
      conn: staging.conn,
      dataDir: config.dataDir,
      now: started,
      agency: config.agency,
      publisher: PUBLISHER,
      publicUrl: config.publicUrl,
      minCell,
      keep: config.keepReleases,
      previous: await openCurrentRelease(config.dataDir),
      progress,
      datasets: selected.map(({ def }, i) => ({
        meta: { id: def.id, slug: def.slug, name: def.name, description: def.description, category: def.category, keywords: def.keywords, schedule: def.schedule, sourceTable: def.source, rowKey: def.rowKey },
        timeColumn: def.timeColumn,
        table: compiled[i].table,
        columns: compiled[i].columns.map((c) => ({ ...c, example: null })),
        rulesApplied: compiled[i].rulesApplied,
        report: reports[def.id],
        charts: def.charts,
      })),
    });
    log.info(`release ${out.releaseId} published`);

    record.status = 'succeeded';
    record.releaseId = out.releaseId;
    record.counts = Object.fromEntries(Object.entries(reports).map(([id, r]) => [id, { rowsRead: r.rowsRead, quarantined: r.quarantined, published: r.published }]));
    return { releaseId: out.releaseId, releaseDir: out.dir, reports };
  } catch (err) {
    record.error = (err as Error).message;
    throw err;
  } finally {
    staging?.conn.closeSync();
    staging?.db.closeSync();
    record.endedAt = o.clock().toISOString();
    await appendRun(config.dataDir, record).catch((e) => log.error(`could not record the run: ${(e as Error).message}`));
    await release?.();
  }
}
