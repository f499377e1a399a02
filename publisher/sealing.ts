// X6 across releases: a record sealed after it was published disappears from every retained
// release too. Each affected release's bulk files are rewritten without the sealed rows (new
// files renamed over the old, Parquet last; of CSV/JSON in parts, only the parts that held sealed
// rows, the replaced parts deleted after the manifest) and its manifest rewritten last, with only a count
// of removals. Chart aggregates are left as published: counts, never identities.
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ident, literal } from '../rules/sql.ts';
import { exportDataset, exportSteps } from './export.ts';
import { fileSize, sha256File } from './files.ts';
import { DEFAULT_PART_LAYOUT, writeParts } from './parts.ts';
import { MANIFEST_FILE, RELEASES_DIR, type FileManifest, type Manifest } from './manifest.ts';
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

async function rewriteDataset(conn: DuckDBConnection, dir: string, manifest: Manifest, index: number, keysTable: string, obsolete: string[]): Promise<number> {
  const d = manifest.datasets[index];
  const parquet = d.files.find((f) => f.format === 'parquet');
  if (!parquet) return 0;
  const source = `read_parquet(${literal(path.join(dir, parquet.path))})`;
  const key = ident(d.rowKey);
  const hit = (await conn.runAndReadAll(`SELECT count(*) AS n FROM ${source} WHERE ${key} IN (SELECT k FROM ${ident(keysTable)})`)).getRowObjects()[0];
  const removed = Number(hit.n);
  if (removed === 0) return 0;
  await conn.run(`CREATE OR REPLACE TEMP TABLE sealing_rows AS SELECT * FROM ${source} WHERE ${key} NOT IN (SELECT k FROM ${ident(keysTable)})`);
  const datasetDir = path.join(dir, 'datasets', d.id);
  const work = path.join(datasetDir, `.sealing-${process.pid}`);
  await mkdir(work, { recursive: true });
  const csv = d.files.find((f) => f.format === 'csv');
  const json = d.files.find((f) => f.format === 'json');
  try {
    let files: FileManifest[];
    let replaced: string[] = [];
    if (csv?.parts && json?.parts) {
      // In parts: a new Parquet file, and only the parts that held sealed rows written again.
      const [step] = exportSteps('sealing_rows', d.columns, d.rowKey, work);
      await conn.run(step.sql);
      const parts = await writeParts({
        conn, parquet: step.file, columns: d.columns, rowKey: d.rowKey, releaseDir: dir, datasetDir,
        layout: DEFAULT_PART_LAYOUT, prefix: `${path.basename(dir)}-sealed-${process.pid}-${Date.now()}`,
        previous: { dir, csv, json },
      });
      const kept = new Set([...parts.csv.parts!, ...parts.json.parts!].map((p) => p.path));
      replaced = [...csv.parts, ...json.parts].map((p) => p.path).filter((p) => !kept.has(p));
      const parquet = path.join(datasetDir, 'rows.parquet');
      await rename(step.file, parquet);
      files = [{ format: 'parquet', path: path.relative(dir, parquet), bytes: await fileSize(parquet), sha256: await sha256File(parquet) }, parts.csv, parts.json];
    } else {
      files = await exportDataset(conn, 'sealing_rows', d.columns, d.rowKey, dir, work);
      for (const format of ['csv', 'json', 'parquet'] as const) {
        const f = files.find((x) => x.format === format)!;
        const name = path.basename(f.path);
        await rename(path.join(work, name), path.join(datasetDir, name));
        f.path = path.relative(dir, path.join(datasetDir, name));
      }
    }
    manifest.datasets[index] = {
      ...d,
      files,
      rowCount: d.rowCount - removed,
      report: { ...d.report, sealedRemoved: (d.report.sealedRemoved ?? 0) + removed },
    };
    // Part files no longer listed are removed once the new manifest is in place.
    obsolete.push(...replaced.map((p) => path.join(dir, p)));
  } finally {
    await rm(work, { recursive: true, force: true });
    await conn.run('DROP TABLE IF EXISTS sealing_rows');
  }
  return removed;
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
