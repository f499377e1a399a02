// Writes a release: every file into a temporary directory, then one rename makes it whole, and
// one symlink rename makes it current. A crash at any point leaves the previous release serving.
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdir, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChartDef } from '../datasets/schema.ts';
import { ident, literal } from '../rules/sql.ts';
import { CASE_LOOKUP_FILE, caseLookupScanTarget } from './case-lookup.ts';
import { buildChart } from './aggregates.ts';
import { datasetChanges } from './changes.ts';
import { buildDataPackage, DATAPACKAGE_FILE } from './datapackage.ts';
import { buildDcatCatalog } from './dcat.ts';
import { exportDataset } from './export.ts';
import { DEFAULT_PART_LAYOUT, type PartLayout } from './parts.ts';
import { fsyncPath, linkAll } from './files.ts';
import { ScanBlockedError, scanRelease, type PseudonymColumn, type ScanResult } from './scan.ts';
import {
  CURRENT_LINK, MANIFEST_FILE, RELEASES_DIR,
  type ChartManifest, type ColumnManifest, type DatasetManifest, type Manifest, type RunReport,
} from './manifest.ts';
import { listReleaseIds, readManifest, type OpenRelease } from './release-reader.ts';

export interface DatasetToPublish {
  meta: Pick<DatasetManifest, 'id' | 'slug' | 'name' | 'description' | 'category' | 'keywords' | 'schedule' | 'sourceTable' | 'rowKey'>;
  timeColumn: string;
  /** The DuckDB table holding the published rows. */
  table: string;
  /** The dataset's Parquet file, already written (rows in key order, the published columns): linked in, not copied. */
  parquet?: string;
  /** TEMP table (k) of the only row keys whose rows may differ from the release now serving (the changelog compares just those). */
  candidates?: string;
  columns: ColumnManifest[];
  rulesApplied: string[];
  report: RunReport;
  charts: ChartDef[];
  /** DuckDB table of the case status lookup (I7), if the dataset has one. */
  caseLookupTable?: string | null;
  /** Columns holding only keyed pseudonyms (X4): the scan gate checks their format instead of their text. */
  pseudonymColumns?: PseudonymColumn[];
}

export interface WriteReleaseOptions {
  conn: DuckDBConnection;
  dataDir: string;
  now: Date;
  agency: Manifest['agency'];
  publisher: Manifest['publisher'];
  publicUrl: string;
  minCell: number;
  /** How many releases to keep on disk (the current one always stays). */
  keep: number;
  datasets: DatasetToPublish[];
  /** The release now serving: datasets not re-run are carried over from it unchanged. */
  previous: OpenRelease | null;
  progress?: (step: string, done: number, total?: number) => void;
  /** X3: the staging table of normalized source values to hunt for; omitted only when X3 is disabled. */
  scan?: { termsTable: string; pages?: (releaseDir: string) => Promise<{ name: string; text: string }[]> };
  /** The rule catalog as published with the release (for the privacy office pages). */
  rules: unknown;
  /** When large CSV/JSON files are written in parts; DEFAULT_PART_LAYOUT when omitted. */
  parts?: PartLayout;
}

/** The privacy report published with each release. */
export interface PrivacyReport {
  releaseId: string;
  datasets: Record<string, { touchedByRule: Record<string, number>; withheldByRule: Record<string, number>; suppressedCells: number }>;
  scan: (Omit<ScanResult, 'hits'> & { hits: number }) | { skipped: true };
}

export function releaseIdFor(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

async function temporal(conn: DuckDBConnection, table: string, column: string) {
  const r = await conn.runAndReadAll(
    `SELECT strftime(min(${ident(column)}), '%Y-%m-%dT%H:%M:%S') AS lo, strftime(max(${ident(column)}), '%Y-%m-%dT%H:%M:%S') AS hi FROM ${ident(table)}`,
  );
  const [row] = r.getRowObjects();
  return { start: (row.lo as string | null) ?? null, end: (row.hi as string | null) ?? null };
}

/** TEMP table of the row keys that differ from the release now serving, while a dataset is written. */
const CHANGED_KEYS = '__changed_keys';

async function writeDataset(o: WriteReleaseOptions, d: DatasetToPublish, tmp: string): Promise<{ manifest: DatasetManifest; suppressedCells: number }> {
  const dir = path.join(tmp, 'datasets', d.meta.id);
  await mkdir(path.join(dir, 'charts'), { recursive: true });
  const rowCount = Number((await o.conn.runAndReadAll(`SELECT count(*) AS n FROM ${ident(d.table)}`)).getRowObjects()[0].n);
  const before = o.previous?.manifest.datasets.find((p) => p.id === d.meta.id);
  // The changelog first: the keys it finds changed tell the part writer which parts to write.
  const { keys, ...changes } = await datasetChanges(o.conn, d.table, d.columns, d.meta.rowKey, before ? { dir: o.previous!.dir, dataset: before } : null, CHANGED_KEYS, d.candidates);
  const files = await exportDataset(o.conn, d.table, d.columns, d.meta.rowKey, tmp, dir, {
    layout: o.parts ?? DEFAULT_PART_LAYOUT,
    rows: rowCount,
    prefix: path.basename(tmp).replace(/^\.tmp-/, ''),
    previous: before ? { dir: o.previous!.dir, files: before.files } : null,
    changes: keys,
    parquet: d.parquet,
  }).finally(() => o.conn.run(`DROP TABLE IF EXISTS ${CHANGED_KEYS}`));
  const types = new Map(d.columns.map((c) => [c.name, c.type]));
  const charts: ChartManifest[] = [];
  let suppressedCells = 0;
  for (const chart of d.charts) {
    const artifact = await buildChart(o.conn, d.table, d.meta.id, chart, types, o.minCell);
    suppressedCells += artifact.suppressedCells;
    const file = path.join(dir, 'charts', `${chart.id}.json`);
    await writeFile(file, JSON.stringify(artifact));
    charts.push({ id: chart.id, title: chart.title, description: chart.description, path: path.relative(tmp, file) });
  }
  let caseLookup: DatasetManifest['caseLookup'];
  if (d.caseLookupTable) {
    const file = path.join(dir, CASE_LOOKUP_FILE);
    await o.conn.run(`COPY (SELECT * FROM ${ident(d.caseLookupTable)} ORDER BY lookup) TO ${literal(file)} (FORMAT parquet)`);
    caseLookup = { path: path.relative(tmp, file) };
  }
  const manifest: DatasetManifest = {
    ...d.meta,
    sortedByRowKey: true,
    columns: d.columns,
    files,
    rowCount,
    rulesApplied: d.rulesApplied,
    report: { ...d.report, changes },
    charts,
    temporal: await temporal(o.conn, d.table, d.timeColumn),
    updatedAt: o.now.toISOString(),
    ...(caseLookup ? { caseLookup } : {}),
  };
  return { manifest, suppressedCells };
}

/** Hard-links a dataset's files from the previous release (same bytes, no copy). */
async function carryOver(previous: OpenRelease, id: string, tmp: string): Promise<void> {
  const from = path.join(previous.dir, 'datasets', id);
  const to = path.join(tmp, 'datasets', id);
  const pairs: [string, string][] = [];
  for (const entry of await readdir(from, { recursive: true, withFileTypes: true })) {
    const rel = path.relative(from, path.join(entry.parentPath, entry.name));
    if (entry.isDirectory()) await mkdir(path.join(to, rel), { recursive: true });
    else pairs.push([path.join(from, rel), path.join(to, rel)]);
  }
  await linkAll(pairs);
}

/** Removes temporary directories left by a run that died. */
export async function cleanTemporary(dataDir: string): Promise<string[]> {
  const root = path.join(dataDir, RELEASES_DIR);
  const names = (await readdir(root).catch(() => [] as string[])).filter((n) => n.startsWith('.tmp-'));
  for (const n of names) await rm(path.join(root, n), { recursive: true, force: true });
  const links = (await readdir(dataDir).catch(() => [] as string[])).filter((n) => n.startsWith(`.${CURRENT_LINK}-`));
  for (const n of links) await rm(path.join(dataDir, n), { force: true });
  // Work files of an interrupted sealing pass (X6 across releases): it leaves its marker in the
  // release directory (publisher/sealing.ts), its work files there or in a dataset's directory,
  // never deeper. Only then are the part directories listed against the manifest, which for a
  // large release means tens of thousands of names and an 18 MB manifest (2 s for three releases).
  for (const release of await listReleaseIds(dataDir)) {
    const dir = path.join(root, release);
    const datasets = (await readdir(path.join(dir, 'datasets')).catch(() => [] as string[])).map((d) => path.join(dir, 'datasets', d));
    let interrupted = false;
    for (const at of [dir, ...datasets]) {
      for (const name of (await readdir(at).catch(() => [] as string[])).filter(isWorkName)) {
        interrupted = true;
        await rm(path.join(at, name), { recursive: true, force: true });
      }
    }
    if (interrupted) await removeUnlistedParts(dir);
  }
  return names;
}

/** Work files of a sealing pass or a parts writer, and its marker (publisher/sealing.ts). */
const isWorkName = (name: string): boolean => name.startsWith('.sealing-') || name.startsWith('.parts-') || name.startsWith(`.${MANIFEST_FILE}.`);

/**
 * Part files the manifest does not list: new parts of a sealing pass that died before its manifest,
 * or replaced parts (which may hold sealed rows) of one that died right after it.
 */
async function removeUnlistedParts(dir: string): Promise<void> {
  const manifest = await readManifest(dir).catch(() => null);
  if (!manifest) return;
  const listed = new Set(manifest.datasets.flatMap((d) => d.files.flatMap((f) => (f.parts ?? []).map((p) => path.join(dir, p.path)))));
  for (const d of manifest.datasets) {
    const partsDir = path.join(dir, 'datasets', d.id, 'parts');
    for (const name of await readdir(partsDir).catch(() => [] as string[])) {
      if (!listed.has(path.join(partsDir, name))) await rm(path.join(partsDir, name), { force: true });
    }
  }
}

/** Points DATA/current at a release atomically (rename of a fresh symlink over the old one). */
export async function switchCurrent(dataDir: string, releaseId: string): Promise<void> {
  const tmpLink = path.join(dataDir, `.${CURRENT_LINK}-${process.pid}`);
  await rm(tmpLink, { force: true });
  await symlink(path.join(RELEASES_DIR, releaseId), tmpLink);
  await rename(tmpLink, path.join(dataDir, CURRENT_LINK));
}

async function prune(dataDir: string, keep: number, current: string): Promise<void> {
  const root = path.join(dataDir, RELEASES_DIR);
  const ids = await listReleaseIds(dataDir);
  for (const id of ids.slice(0, Math.max(0, ids.length - keep))) {
    if (id === current) continue;
    // Renamed out of the retained set first: a run killed mid-delete must not leave a half-deleted
    // release that a rollback could switch to (cleanTemporary removes the .tmp- name later).
    const doomed = path.join(root, `.tmp-pruned-${id}`);
    await rm(doomed, { recursive: true, force: true });
    await rename(path.join(root, id), doomed);
    await rm(doomed, { recursive: true, force: true });
  }
}

export async function writeRelease(o: WriteReleaseOptions): Promise<{ releaseId: string; dir: string; manifest: Manifest }> {
  const root = path.join(o.dataDir, RELEASES_DIR);
  await mkdir(root, { recursive: true });
  let releaseId = releaseIdFor(o.now);
  const existing = new Set(await readdir(root));
  for (let i = 2; existing.has(releaseId); i++) releaseId = `${releaseIdFor(o.now)}-${i}`;
  const tmp = path.join(root, `.tmp-${releaseId}-${process.pid}`);
  // Not recursive: on a read-only filesystem a recursive mkdir reports ENOENT instead of EROFS.
  await mkdir(tmp);
  try {
    // 1. Datasets produced by this run.
    const fresh = new Map<string, DatasetManifest>();
    const suppressed = new Map<string, number>();
    for (const [i, d] of o.datasets.entries()) {
      o.progress?.(`write ${d.meta.slug}`, i, o.datasets.length);
      const { manifest, suppressedCells } = await writeDataset(o, d, tmp);
      fresh.set(d.meta.id, manifest);
      suppressed.set(d.meta.id, suppressedCells);
    }
    // 2. Datasets this run did not touch, carried over from the release now serving.
    const datasets: DatasetManifest[] = [];
    for (const prev of o.previous?.manifest.datasets ?? []) {
      if (fresh.has(prev.id)) continue;
      await carryOver(o.previous!, prev.id, tmp);
      datasets.push(prev);
    }
    datasets.push(...fresh.values());
    datasets.sort((a, b) => a.name.localeCompare(b.name));
    // 3. Metadata, then the manifest last: a release without a manifest is not a release.
    const manifest: Manifest = { releaseId, createdAt: o.now.toISOString(), publisher: o.publisher, agency: o.agency, datasets };
    await writeFile(path.join(tmp, 'data.json'), JSON.stringify(buildDcatCatalog(manifest, o.publicUrl), null, 2));
    await writeFile(path.join(tmp, DATAPACKAGE_FILE), JSON.stringify(buildDataPackage(manifest, o.publicUrl), null, 2));
    await writeFile(path.join(tmp, 'rules.json'), JSON.stringify(o.rules, null, 2));
    await writeFile(path.join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
    // 4. The scan gate (X3): any hit blocks the release.
    let scan: PrivacyReport['scan'] = { skipped: true };
    if (o.scan) {
      o.progress?.('scan release (X3)', 0);
      const result = await scanRelease(o.conn, {
        releaseDir: tmp,
        termsTable: o.scan.termsTable,
        allow: [o.agency.contactEmail],
        extra: o.scan.pages ? await o.scan.pages(tmp) : [],
        datasets: o.datasets.flatMap((d) => [
          { id: d.meta.id, table: d.table, rowKey: d.meta.rowKey, textColumns: d.columns.filter((c) => c.type === 'text').map((c) => c.name), pseudonymColumns: d.pseudonymColumns },
          ...(d.caseLookupTable ? [caseLookupScanTarget(d.meta.id, d.caseLookupTable)] : []),
        ]),
      });
      if (!result.passed) throw new ScanBlockedError(result);
      scan = { ...result, hits: 0 };
    }
    const report: PrivacyReport = {
      releaseId,
      scan,
      datasets: Object.fromEntries(datasets.map((d) => [d.id, {
        touchedByRule: d.report.touchedByRule,
        withheldByRule: d.report.withheldByRule,
        suppressedCells: suppressed.get(d.id) ?? 0,
      }])),
    };
    await writeFile(path.join(tmp, 'privacy-report.json'), JSON.stringify(report, null, 2));
    await fsyncPath(path.join(tmp, MANIFEST_FILE));
    // 5. Whole, then current.
    const dir = path.join(root, releaseId);
    await rename(tmp, dir);
    await fsyncPath(root);
    await switchCurrent(o.dataDir, releaseId);
    await prune(o.dataDir, o.keep, releaseId);
    return { releaseId, dir, manifest };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
