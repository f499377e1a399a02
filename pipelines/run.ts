// One pipeline run, as numbered steps: definitions → staging → rules → release → history.
// Any failure leaves the release now serving untouched and is recorded in the run history.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { loadDatasets, type LoadedDataset } from '../datasets/load.ts';
import { cleanTemporary, writeRelease } from '../publisher/release-writer.ts';
import { saveSealList } from '../publisher/seal-list.ts';
import { openCurrentRelease, type OpenRelease } from '../publisher/release-reader.ts';
import type { RunReport } from '../publisher/manifest.ts';
import { loadCatalog, type Catalog } from '../rules/catalog.ts';
import { compileDataset, type CompiledDataset } from '../rules/compile.ts';
import { ident } from '../rules/sql.ts';
import type { Config } from './config.ts';
import { stagingTable, type TableName } from './contract.ts';
import { appendRun, type RunRecord } from './history.ts';
import type { Clock, Logger, Progress } from './io.ts';
import { loadLookupKey, loadPublisherKey } from './key.ts';
import { buildCaseLookup, buildSealedLookupKeys } from './case-lookup.ts';
import { buildScanTerms, SCAN_TERMS_TABLE } from './scan-terms.ts';
import { pseudonymColumns } from './pseudonym-columns.ts';
import { catalogSnapshot } from '../rules/snapshot.ts';
import { acquireRunLock } from './lock.ts';
import { markPublished, type PublishedBase } from './pub-state.ts';
import { clearPending, shapeDataset, type Shaped } from './shape.ts';
import { checkRuleChanges } from './rule-changes.ts';
import { loadCsvDrop, type TableLoadReport } from './sources/csv-drop.ts';
import { loadPostgres, postgresConnectionFromEnv } from './sources/postgres.ts';

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
  /** Re-read every record from the source instead of only what is new. */
  full?: boolean;
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

/**
 * Staging persists between runs, so a run only applies what is new. A file that cannot be opened,
 * or one from before incremental loading, is rebuilt from the source (`full`).
 */
async function openStaging(dataDir: string, memoryLimit: string, log: Logger): Promise<{ db: DuckDBInstance; conn: DuckDBConnection; full: boolean }> {
  const dir = path.join(dataDir, 'staging');
  await mkdir(path.join(dir, 'tmp'), { recursive: true });
  const file = path.join(dir, 'staging.duckdb');
  const fresh = !existsSync(file);
  const options = { memory_limit: memoryLimit, temp_directory: path.join(dir, 'tmp') };
  try {
    const db = await DuckDBInstance.create(file, options);
    const conn = await db.connect();
    const tables = (await conn.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE table_name IN ('_applied_batches', '_source_watermarks')`)).getRowObjects();
    return { db, conn, full: !fresh && tables.length === 0 };
  } catch (err) {
    log.warn(`staging ${file} could not be opened (${(err as Error).message}); rebuilding it from the source`);
    await rm(file, { force: true });
    await rm(`${file}.wal`, { force: true });
    const db = await DuckDBInstance.create(file, options);
    return { db, conn: await db.connect(), full: true };
  }
}

/**
 * The clock staging stamps `_loaded_at` with: never at or before a row already staged, even if the
 * system clock went back, so "loaded since the last shaping" (pipelines/shape.ts) misses nothing.
 */
async function loadClock(conn: DuckDBConnection, tables: TableName[], clock: Clock): Promise<Clock> {
  let floor = 0;
  for (const t of tables) {
    const r = await conn.runAndReadAll(`SELECT epoch_ms(max(_loaded_at)) AS ms FROM ${ident(stagingTable(t))}`).catch(() => null);
    floor = Math.max(floor, Number(r?.getRowObjects()[0].ms ?? 0));
  }
  return () => new Date(Math.max(clock().getTime(), floor + 1));
}

async function stageSource(conn: DuckDBConnection, o: RunOptions, tables: TableName[], full: boolean): Promise<Record<string, TableLoadReport>> {
  const { config, log, progress } = o;
  const common = { tables, full, log, progress, clock: await loadClock(conn, tables, o.clock), mapping: config.mappingFile };
  if (config.source === 'postgres') {
    return loadPostgres(conn, { ...common, connection: postgresConnectionFromEnv(o.env ?? process.env), schema: config.postgresSchema });
  }
  return loadCsvDrop(conn, { ...common, sourceDir: config.sourceDir, timezone: config.agency.timezone });
}

/** What a patch of a dataset starts from: its Parquet file in the release now serving. */
function publishedBase(serving: OpenRelease | null, datasetId: string): PublishedBase | null {
  const d = serving?.manifest.datasets.find((x) => x.id === datasetId);
  const parquet = d?.files.find((f) => f.format === 'parquet');
  if (!serving || !d || !parquet) return null;
  return { releaseId: serving.manifest.releaseId, parquet: path.join(serving.dir, parquet.path), columns: d.columns };
}

function disabledI7(o: RunOptions): boolean {
  return Boolean(o.disabledRules?.includes('I7'));
}

export async function runPipelines(o: RunOptions): Promise<RunResult> {
  const { config, log, progress } = o;
  const started = o.clock();
  const runId = started.toISOString();
  const record: RunRecord = { runId, startedAt: runId, endedAt: '', status: 'failed', datasets: [], releaseId: null, counts: {}, error: null };
  let release: (() => Promise<void>) | null = null;
  let staging: { db: DuckDBInstance; conn: DuckDBConnection; full: boolean } | null = null;
  try {
    // 1. One run at a time; clear what a killed run left behind.
    release = await acquireRunLock(config.dataDir);
    const leftovers = await cleanTemporary(config.dataDir);
    if (leftovers.length) log.warn(`removed ${leftovers.length} unfinished release(s) left by an interrupted run`);

    // 2. Definitions and rules, checked before any data is touched.
    const catalog: Catalog = await loadCatalog(o.catalogDir ?? config.catalogDir);
    await checkRuleChanges(catalog, config.dataDir, log, started);
    const selected = selectDatasets(await loadDatasets(o.datasetsDir ?? config.datasetsDir), o.only);
    record.datasets = selected.map((d) => d.def.id);
    const secretHex = await loadPublisherKey(config.dataDir, o.env);
    const nowIso = started.toISOString();
    const compiled = selected.map((d) =>
      compileDataset(d.def, d.file, catalog, { secretHex, timezone: config.agency.timezone, nowIso, disabledRules: o.disabledRules }),
    );
    const minCell = Number(catalog.rules.get('X7')?.steps[0]?.params.minCell ?? 11);

    // 3. Stage the source records (quarantining bad rows).
    staging = await openStaging(config.dataDir, config.stagingMemoryLimit, log);
    const tables = [...new Set(selected.map((d) => d.def.source))] as TableName[];
    const fullLoad = Boolean(o.full) || staging.full;
    const loads = await stageSource(staging.conn, o, tables, fullLoad);

    // 4. Apply the rules: the published rows of each dataset, with their counts, and X8. Each
    //    dataset has its Parquet file written here (under DATA/staging/published, linked into the
    //    release); patched when its state matches the release now serving: only what changed (with
    //    X8, the partitions it touches) is published again.
    const reports: Record<string, RunReport> = {};
    const parquets = new Map<string, string>();
    const patched = new Map<string, NonNullable<Shaped['patched']>>();
    // The release now serving (read once: the run lock keeps it current until this run switches).
    const serving = await openCurrentRelease(config.dataDir);
    const parquetDir = path.join(config.dataDir, 'staging', 'published');
    await rm(parquetDir, { recursive: true, force: true });
    await mkdir(parquetDir, { recursive: true });
    for (const [i, c] of compiled.entries()) {
      const { def } = selected[i];
      progress(`apply rules ${def.slug}`, i, compiled.length);
      const shaped = await shapeDataset(staging.conn, c, loads[def.source], {
        full: fullLoad, rowKey: def.rowKey, publish: { base: publishedBase(serving, def.id), file: path.join(parquetDir, `${def.id}.parquet`) },
        connect: () => staging!.db.connect(),
      });
      const r = shaped.report;
      if (shaped.parquet) parquets.set(c.datasetId, shaped.parquet);
      if (shaped.patched) patched.set(c.datasetId, shaped.patched);
      reports[c.datasetId] = r;
      log.info(`${def.slug}: ${r.rowsRead} read, ${r.quarantined} quarantined, ${Object.values(r.withheldByRule).reduce((a, b) => a + b, 0)} withheld, ${r.published} published (${shaped.reshaped} shaped this run)`);
      if (shaped.patched) log.info(`${def.slug}: ${shaped.patched.republished} row(s) published again, the rest kept from release ${serving!.manifest.releaseId}`);
    }

    // The case status lookup (I7), for datasets that offer one.
    const lookupKey = await loadLookupKey(config.dataDir, o.env);
    const lookups: (string | null)[] = [];
    for (const [i, { def }] of selected.entries()) lookups.push(disabledI7(o) ? null : await buildCaseLookup(staging.conn, def, compiled[i], lookupKey));

    // 5. The seal list (X6): every key sealed so far, saved before the release switches in. A
    //    retained release keeps its rows, unserved, until a rollback applies the list to it.
    const sealed = [];
    for (const [i, c] of compiled.entries()) {
      if (!c.sealedKeysSql) continue;
      const keysTable = `sealed_${c.datasetId.replace(/-/g, '_')}`;
      await staging.conn.run(`CREATE OR REPLACE TEMP TABLE ${keysTable} AS ${c.sealedKeysSql}`);
      const lookupKeysTable = lookups[i] ? await buildSealedLookupKeys(staging.conn, selected[i].def, c, lookupKey, lookups[i]!) : null;
      sealed.push({ datasetId: c.datasetId, keysTable, lookupKeysTable });
    }
    for (const [id, n] of Object.entries(await saveSealList(staging.conn, config.dataDir, sealed))) log.info(`sealing: ${n} sealed row key(s) of ${id} on the seal list`);

    // 6. Write the release, scan it (X3) and switch it in.
    const scanOn = !o.disabledRules?.includes('X3');
    if (scanOn) {
      const t = await buildScanTerms(staging.conn, tables, fullLoad);
      log.info(`scan gate: ${t.terms} source values to hunt for (${t.rebuilt ? `rebuilt: ${t.rebuilt}` : `${t.added} new`})`);
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
      parts: config.bulkParts,
      previous: serving,
      progress,
      datasets: selected.map(({ def }, i) => ({
        meta: { id: def.id, slug: def.slug, name: def.name, description: def.description, category: def.category, keywords: def.keywords, schedule: def.schedule, sourceTable: def.source, rowKey: def.rowKey },
        timeColumn: def.timeColumn,
        table: compiled[i].table,
        parquet: parquets.get(def.id),
        candidates: patched.get(def.id)?.candidates,
        columns: compiled[i].columns.map((c) => ({ ...c, example: null })),
        rulesApplied: compiled[i].rulesApplied,
        report: reports[def.id],
        charts: def.charts,
        caseLookupTable: lookups[i],
        pseudonymColumns: pseudonymColumns(def, catalog, o.disabledRules),
      })),
    });
    log.info(`release ${out.releaseId} published`);
    await markPublished(staging.conn, [...parquets.keys()], out.releaseId);
    await clearPending(staging.conn, compiled.map((c) => c.datasetId));
    await rm(parquetDir, { recursive: true, force: true });

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
