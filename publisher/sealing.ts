// X6 across releases: a record sealed after it was published disappears from a retained release
// before that release serves again (`publisher rollback`, `publisher seal`; the keys come from the
// seal list, publisher/seal-list.ts). Each affected release's bulk files are rewritten without
// the sealed rows (new files renamed over the old once every dataset has been rewritten, so a
// failure leaves the release as it was; of CSV/JSON in parts, only the parts that held sealed
// rows, the replaced parts deleted after the manifest) and its manifest rewritten last, with only
// a count of removals. Chart aggregates are left as published: counts, never identities. A sealed
// row can leave its classmates below k (X8): X8 runs again over the partitions that held sealed
// rows (publisher/seal-post.ts; its SQL built from the catalog by pipelines/rollback.ts), and the
// release is refused if a class that carries values stays below k.
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ident, literal } from '../rules/sql.ts';
import { exportDataset, PARQUET_OPTIONS } from './export.ts';
import { fileSize, sha256File } from './files.ts';
import { DEFAULT_PART_LAYOUT, writeParts } from './parts.ts';
import { MANIFEST_FILE, RELEASES_DIR, type ColumnManifest, type FileManifest, type Manifest } from './manifest.ts';
import { listReleaseIds, readManifest } from './release-reader.ts';
import { dropPostTables, rerunPost, type SealPost } from './seal-post.ts';

export type { SealPost } from './seal-post.ts';

export interface SealedKeys {
  datasetId: string;
  /** A table with one column `k`: the published row keys of sealed records. */
  keysTable: string;
  /** A table with one column `k`: case lookup hashes (I7) of sealed cases that no longer publish. */
  lookupKeysTable?: string | null;
  /** The dataset's post-processing (X8) over a table of the rows a release keeps; none when absent. */
  post?: ((table: string) => SealPost[]) | null;
}

/** A release's new files, moved over the old ones only once every dataset has been rewritten. */
interface Pending {
  renames: [from: string, to: string][];
  /** Work files and directories, removed at the end whatever happens. */
  work: string[];
  /** New part files, written in place under new names: removed if the release is not rewritten. */
  created: string[];
}

/** Removes sealed cases from a retained release's case lookup table (a new file, renamed over the old at the end). */
async function rewriteLookup(conn: DuckDBConnection, dir: string, manifest: Manifest, index: number, keysTable: string, pending: Pending): Promise<number> {
  const entry = manifest.datasets[index].caseLookup;
  if (!entry) return 0;
  const file = path.join(dir, entry.path);
  const source = `read_parquet(${literal(file)})`;
  const hit = (await conn.runAndReadAll(`SELECT count(*) AS n FROM ${source} WHERE lookup IN (SELECT k FROM ${ident(keysTable)})`)).getRowObjects()[0];
  const removed = Number(hit.n);
  if (removed === 0) return 0;
  const tmp = path.join(path.dirname(file), `.sealing-${process.pid}-${path.basename(file)}`);
  pending.work.push(tmp);
  await conn.run(`COPY (SELECT * FROM ${source} WHERE lookup NOT IN (SELECT k FROM ${ident(keysTable)}) ORDER BY lookup) TO ${literal(tmp)} (FORMAT parquet)`);
  pending.renames.push([tmp, file]);
  return removed;
}

/** TEMP table of the sealed keys one release holds (and of rows X8 changes), while it is rewritten. */
const SEALED_ROWS = '__sealed_rows';

export interface SealingResult {
  releaseId: string;
  datasetId: string;
  removed: number;
}

/**
 * The Parquet file `file` of a release without the rows whose keys are in TEMP table `removed`
 * (k), in the file's order. The rows to drop are found by position, and dropped by a filter on a
 * bitstring of those positions: a filter keeps the order of the rows it reads, where a join may
 * not (DuckDB emits a join's rows a batch out of place now and then) and a sort of 11 M rows
 * costs 20-40 s. The positions are a DuckDB variable (a constant, so no join is planned). On the
 * 11 M calls: 6-7 s for 30 sealed rows, as with the list of keys used before, which gave way to a
 * join and a sort past 1,000 keys; this costs the same for any number.
 */
async function parquetWithout(conn: DuckDBConnection, file: string, columns: readonly ColumnManifest[], rowKey: string, removed: string, to: string): Promise<void> {
  const names = columns.map((c) => ident(c.name)).join(', ');
  const src = `read_parquet(${literal(file)}, file_row_number = true)`;
  const rows = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${src}`)).getRowObjects()[0].n);
  if (rows > 2 ** 31 - 1) throw new Error(`${file}: ${rows} rows is past what a bitstring of positions can index`);
  const positions = `sealing_drop_${process.pid}`;
  await conn.run(`SET VARIABLE ${positions} = (SELECT bitstring_agg(file_row_number, 0, ${Math.max(rows - 1, 0)}) FROM ${src}
    WHERE ${ident(rowKey)} IN (SELECT k FROM ${ident(removed)}))`);
  try {
    await conn.run(`COPY (SELECT ${names} FROM ${src} WHERE coalesce(get_bit(getvariable('${positions}'), CAST(file_row_number AS INTEGER)), 0) = 0)
      TO ${literal(to)} (${PARQUET_OPTIONS})`);
  } finally {
    await conn.run(`RESET VARIABLE ${positions}`);
  }
}

/** TEMP table of the rows a release keeps, when they are rewritten from a table. */
const KEPT_ROWS = 'sealing_rows';

async function rewriteDataset(conn: DuckDBConnection, dir: string, manifest: Manifest, index: number, sealed: SealedKeys, obsolete: string[], pending: Pending): Promise<number> {
  const keysTable = sealed.keysTable;
  const d = manifest.datasets[index];
  const parquet = d.files.find((f) => f.format === 'parquet');
  if (!parquet) return 0;
  const source = `read_parquet(${literal(path.join(dir, parquet.path))})`;
  const key = ident(d.rowKey);
  // The sealed keys this release holds (its key column only), as removals for the part planner.
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${SEALED_ROWS} AS SELECT ${key} AS k, 'removed' AS kind FROM ${source} WHERE ${key} IN (SELECT k FROM ${ident(keysTable)})`);
  const removed = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${SEALED_ROWS}`)).getRowObjects()[0].n);
  if (removed === 0) {
    await conn.run(`DROP TABLE ${SEALED_ROWS}`);
    return 0;
  }
  const datasetDir = path.join(dir, 'datasets', d.id);
  const work = path.join(datasetDir, `.sealing-${process.pid}`);
  await mkdir(work, { recursive: true });
  pending.work.push(work);
  const csv = d.files.find((f) => f.format === 'csv');
  const json = d.files.find((f) => f.format === 'json');
  try {
    let files: FileManifest[];
    let replaced: string[] = [];
    // X8 again over the partitions that held sealed rows (publisher/seal-post.ts).
    const x8 = sealed.post ? await rerunPost(conn, sealed.post, { source, rowKey: d.rowKey, changes: SEALED_ROWS, where: `${d.id} in release ${path.basename(dir)}`, before: d.report.kAnonymity }) : null;
    const rows = x8?.rows ?? `SELECT * FROM ${source} WHERE ${key} NOT IN (SELECT k FROM ${SEALED_ROWS})`;
    if (csv?.parts && json?.parts) {
      // In parts: a new Parquet file, and only the parts that held sealed (or changed) rows written again.
      const file = path.join(work, 'rows.parquet');
      if (x8?.changed) {
        await conn.run(`COPY (SELECT ${d.columns.map((c) => ident(c.name)).join(', ')} FROM (${rows}) ORDER BY ${key}) TO ${literal(file)} (${PARQUET_OPTIONS})`);
      } else {
        await parquetWithout(conn, path.join(dir, parquet.path), d.columns, d.rowKey, SEALED_ROWS, file);
      }
      const parts = await writeParts({
        conn, parquet: file, columns: d.columns, rowKey: d.rowKey, releaseDir: dir, datasetDir,
        layout: DEFAULT_PART_LAYOUT, prefix: `${path.basename(dir)}-sealed-${process.pid}-${Date.now()}`,
        previous: { dir, csv, json }, changes: SEALED_ROWS,
      });
      const kept = new Set([...parts.csv.parts!, ...parts.json.parts!].map((p) => p.path));
      replaced = [...csv.parts, ...json.parts].map((p) => p.path).filter((p) => !kept.has(p));
      const old = new Set([...csv.parts, ...json.parts].map((p) => p.path));
      pending.created.push(...[...kept].filter((p) => !old.has(p)).map((p) => path.join(dir, p)));
      const target = path.join(datasetDir, 'rows.parquet');
      pending.renames.push([file, target]);
      files = [{ format: 'parquet', path: path.relative(dir, target), bytes: await fileSize(file), sha256: await sha256File(file) }, parts.csv, parts.json];
    } else {
      await conn.run(`CREATE OR REPLACE TEMP TABLE ${KEPT_ROWS} AS ${rows}`);
      files = await exportDataset(conn, KEPT_ROWS, d.columns, d.rowKey, dir, work);
      for (const format of ['csv', 'json', 'parquet'] as const) {
        const f = files.find((x) => x.format === format)!;
        const name = path.basename(f.path);
        pending.renames.push([path.join(work, name), path.join(datasetDir, name)]);
        f.path = path.relative(dir, path.join(datasetDir, name));
      }
    }
    manifest.datasets[index] = {
      ...d,
      files,
      rowCount: d.rowCount - removed,
      report: { ...d.report, kAnonymity: x8?.kAnonymity ?? d.report.kAnonymity, sealedRemoved: (d.report.sealedRemoved ?? 0) + removed },
    };
    // Part files no longer listed are removed once the new manifest is in place.
    obsolete.push(...replaced.map((p) => path.join(dir, p)));
  } finally {
    await dropPostTables(conn);
    await conn.run(`DROP TABLE IF EXISTS ${KEPT_ROWS}; DROP TABLE IF EXISTS ${SEALED_ROWS}`);
  }
  return removed;
}

/** Removes the sealed rows from one release (its files and manifest); what it removed, per dataset. */
export async function sealRelease(conn: DuckDBConnection, dir: string, sealed: readonly SealedKeys[]): Promise<SealingResult[]> {
  const releaseId = path.basename(dir);
  const manifest = await readManifest(dir);
  const obsolete: string[] = [];
  const results: SealingResult[] = [];
  const pending: Pending = { renames: [], work: [], created: [] };
  let committed = false;
  let renamed = false;
  // Kept until the release is whole again: the next run's cleanTemporary looks for unlisted parts
  // (which may hold sealed rows) only in a release that has it.
  const marker = path.join(dir, `.sealing-${process.pid}`);
  await writeFile(marker, `${process.pid}\n`);
  let whole = false;
  try {
    for (const entry of sealed) {
      const { datasetId, lookupKeysTable } = entry;
      const index = manifest.datasets.findIndex((d) => d.id === datasetId);
      if (index < 0) continue;
      const lookups = lookupKeysTable ? await rewriteLookup(conn, dir, manifest, index, lookupKeysTable, pending) : 0;
      const removed = await rewriteDataset(conn, dir, manifest, index, entry, obsolete, pending);
      if (removed || lookups) results.push({ releaseId, datasetId, removed });
    }
    // Every dataset rewritten (or none, if one failed): the new files in place, then the manifest.
    renamed = pending.renames.length > 0;
    for (const [from, to] of pending.renames) await rename(from, to);
    if (results.some((r) => r.removed)) {
      const tmp = path.join(dir, `.${MANIFEST_FILE}.${process.pid}`);
      await writeFile(tmp, JSON.stringify(manifest, null, 2));
      await rename(tmp, path.join(dir, MANIFEST_FILE));
      committed = true;
      for (const file of obsolete) await rm(file, { force: true });
    }
    whole = true;
  } catch (err) {
    if (!committed) for (const file of pending.created) await rm(file, { force: true });
    // Nothing moved yet: the release is as it was.
    whole = !renamed;
    throw err;
  } finally {
    for (const w of pending.work) await rm(w, { recursive: true, force: true });
    if (whole) await rm(marker, { force: true });
  }
  return results;
}

/** Removes sealed rows from every retained release other than `currentId`. */
export async function sealRetainedReleases(conn: DuckDBConnection, dataDir: string, currentId: string | null, sealed: readonly SealedKeys[]): Promise<SealingResult[]> {
  const root = path.join(dataDir, RELEASES_DIR);
  const results: SealingResult[] = [];
  for (const releaseId of (await listReleaseIds(dataDir)).filter((n) => n !== currentId)) {
    results.push(...(await sealRelease(conn, path.join(root, releaseId), sealed)));
  }
  return results;
}
