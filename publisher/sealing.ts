// X6 across releases: a record sealed after it was published disappears from every retained
// release too. Each affected release's bulk files are rewritten without the sealed rows (new
// files renamed over the old, Parquet last; of a dataset in monthly parts, only the months that
// held sealed rows, the replaced parts deleted after the manifest) and its manifest rewritten
// last, with only a count of removals. Chart aggregates are left as published: counts, never
// identities.
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ident, literal } from '../rules/sql.ts';
import { exportDataset } from './export.ts';
import { previousMonths, writeParts } from './parts.ts';
import { MANIFEST_FILE, RELEASES_DIR, type DatasetManifest, type FileManifest, type Manifest } from './manifest.ts';
import { listReleaseIds, readManifest } from './release-reader.ts';

export interface SealedKeys {
  datasetId: string;
  /** A table with one column `k`: the published row keys of sealed records. */
  keysTable: string;
  /** A table with one column `k`: case lookup hashes (I7) of sealed cases that no longer publish. */
  lookupKeysTable?: string | null;
}

/** Removes sealed cases from a retained release's case lookup table (rewrite, then rename). */
async function rewriteLookup(conn: DuckDBConnection, dir: string, manifest: Manifest, index: number, keysTable: string): Promise<number> {
  const entry = manifest.datasets[index].caseLookup;
  if (!entry) return 0;
  const file = path.join(dir, entry.path);
  const source = `read_parquet(${literal(file)})`;
  const hit = (await conn.runAndReadAll(`SELECT count(*) AS n FROM ${source} WHERE lookup IN (SELECT k FROM ${ident(keysTable)})`)).getRowObjects()[0];
  const removed = Number(hit.n);
  if (removed === 0) return 0;
  const tmp = path.join(path.dirname(file), `.sealing-${process.pid}-${path.basename(file)}`);
  await conn.run(`COPY (SELECT * FROM ${source} WHERE lookup NOT IN (SELECT k FROM ${ident(keysTable)}) ORDER BY lookup) TO ${literal(tmp)} (FORMAT parquet)`);
  await rename(tmp, file);
  return removed;
}

export interface SealingResult {
  releaseId: string;
  datasetId: string;
  removed: number;
}

/** The column a dataset's bulk rows are ordered by (releases before it was recorded: the row key). */
const timeColumnOf = (d: DatasetManifest): string => d.timeColumn ?? d.rowKey;

/** Rewrites a dataset stored whole without the sealed rows (new files renamed over the old, Parquet last). */
async function rewriteWhole(conn: DuckDBConnection, dir: string, d: DatasetManifest, parquet: FileManifest, keysTable: string): Promise<{ removed: number; files: FileManifest[] }> {
  const source = `read_parquet(${literal(path.join(dir, parquet.path))})`;
  const key = ident(d.rowKey);
  const removed = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${source} WHERE ${key} IN (SELECT k FROM ${ident(keysTable)})`)).getRowObjects()[0].n);
  if (removed === 0) return { removed, files: d.files };
  await conn.run(`CREATE OR REPLACE TEMP TABLE sealing_rows AS SELECT * FROM ${source} WHERE ${key} NOT IN (SELECT k FROM ${ident(keysTable)})`);
  const datasetDir = path.join(dir, 'datasets', d.id);
  const work = path.join(datasetDir, `.sealing-${process.pid}`);
  await mkdir(work, { recursive: true });
  try {
    const files = await exportDataset(conn, 'sealing_rows', d.columns, { timeColumn: timeColumnOf(d), rowKey: d.rowKey }, dir, work);
    for (const format of ['csv', 'json', 'parquet'] as const) {
      const f = files.find((x) => x.format === format)!;
      const name = path.basename(f.path);
      await rename(path.join(work, name), path.join(datasetDir, name));
      f.path = path.relative(dir, path.join(datasetDir, name));
    }
    return { removed, files };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Rewrites the months of a dataset in parts that hold sealed rows: the Parquet parts find them (only
 * the key column is read), and only those months are written again, under new names.
 */
async function rewriteMonths(conn: DuckDBConnection, dir: string, d: DatasetManifest, parquet: FileManifest, keysTable: string, obsolete: string[]): Promise<{ removed: number; files: FileManifest[] }> {
  const key = ident(d.rowKey);
  const byFile = new Map(parquet.parts!.map((p) => [path.join(dir, p.path), p.month!]));
  const list = (files: Iterable<string>) => `[${[...files].map(literal).join(', ')}]`;
  const hits = (await conn.runAndReadAll(`SELECT filename, count(*) AS n FROM read_parquet(${list(byFile.keys())}, filename = true)
    WHERE ${key} IN (SELECT k FROM ${ident(keysTable)}) GROUP BY filename`)).getRowObjects();
  const removed = hits.reduce((a, h) => a + Number(h.n), 0);
  if (removed === 0) return { removed, files: d.files };
  const files = hits.map((h) => String(h.filename));
  await conn.run(`CREATE OR REPLACE TEMP TABLE sealing_rows AS SELECT ${d.columns.map((c) => ident(c.name)).join(', ')}
    FROM read_parquet(${list(files)}) WHERE ${key} NOT IN (SELECT k FROM ${ident(keysTable)})`);
  const written = await writeParts({
    conn, table: 'sealing_rows', columns: d.columns, rowKey: d.rowKey, timeColumn: timeColumnOf(d), releaseDir: dir,
    datasetDir: path.join(dir, 'datasets', d.id), prefix: `${path.basename(dir)}-sealed-${process.pid}-${Date.now()}`,
    previous: { dir, files: d.files }, scope: files.map((f) => byFile.get(f)!),
  });
  // Part files no longer listed are removed once the new manifest is in place.
  const kept = new Set(written.files.flatMap((f) => f.parts!.map((p) => p.path)));
  obsolete.push(...d.files.flatMap((f) => f.parts!.map((p) => p.path)).filter((p) => !kept.has(p)).map((p) => path.join(dir, p)));
  return { removed, files: written.files };
}

async function rewriteDataset(conn: DuckDBConnection, dir: string, manifest: Manifest, index: number, keysTable: string, obsolete: string[]): Promise<number> {
  const d = manifest.datasets[index];
  const parquet = d.files.find((f) => f.format === 'parquet');
  if (!parquet) return 0;
  try {
    const monthly = parquet.parts && previousMonths(d.files, d.columns);
    const { removed, files } = monthly
      ? await rewriteMonths(conn, dir, d, parquet, keysTable, obsolete)
      : await rewriteWhole(conn, dir, d, parquet, keysTable);
    if (removed === 0) return 0;
    // Rewritten whole, a dataset that had parts (written by an earlier version) leaves them all behind.
    if (!monthly) obsolete.push(...d.files.flatMap((f) => f.parts ?? []).map((p) => path.join(dir, p.path)));
    manifest.datasets[index] = {
      ...d,
      files,
      rowCount: d.rowCount - removed,
      report: { ...d.report, sealedRemoved: (d.report.sealedRemoved ?? 0) + removed },
    };
    return removed;
  } finally {
    await conn.run('DROP TABLE IF EXISTS sealing_rows');
  }
}

/** Removes sealed rows from every retained release other than `currentId`. */
export async function sealRetainedReleases(conn: DuckDBConnection, dataDir: string, currentId: string, sealed: SealedKeys[]): Promise<SealingResult[]> {
  const root = path.join(dataDir, RELEASES_DIR);
  const ids = (await listReleaseIds(dataDir)).filter((n) => n !== currentId);
  const results: SealingResult[] = [];
  for (const releaseId of ids) {
    const dir = path.join(root, releaseId);
    const manifest = await readManifest(dir);
    const obsolete: string[] = [];
    let touched = false;
    for (const { datasetId, keysTable, lookupKeysTable } of sealed) {
      const index = manifest.datasets.findIndex((d) => d.id === datasetId);
      if (index < 0) continue;
      if (lookupKeysTable) await rewriteLookup(conn, dir, manifest, index, lookupKeysTable);
      const removed = await rewriteDataset(conn, dir, manifest, index, keysTable, obsolete);
      if (removed) {
        touched = true;
        results.push({ releaseId, datasetId, removed });
      }
    }
    if (touched) {
      const tmp = path.join(dir, `.${MANIFEST_FILE}.${process.pid}`);
      await writeFile(tmp, JSON.stringify(manifest, null, 2));
      await rename(tmp, path.join(dir, MANIFEST_FILE));
      for (const file of obsolete) await rm(file, { force: true });
    }
  }
  return results;
}
