// `publisher rollback`: point the portal back at a retained release (the one before the current
// one by default), and `publisher seal`. A retained release keeps rows sealed after it was
// published until it would serve again (X6 covers served releases): a rollback first removes
// everything on the seal list from it (publisher/seal-list.ts), runs X8 again over what a dataset
// with it keeps (a sealed row can leave its classmates below k), and switches only if that worked.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import path from 'node:path';
import { loadDatasets } from '../datasets/load.ts';
import { RELEASES_DIR } from '../publisher/manifest.ts';
import { currentReleaseId, listReleaseIds, readManifest } from '../publisher/release-reader.ts';
import { switchCurrent } from '../publisher/release-writer.ts';
import { loadSealList } from '../publisher/seal-list.ts';
import { sealRelease, sealRetainedReleases, type SealedKeys, type SealingResult, type SealPost } from '../publisher/sealing.ts';
import { loadCatalog } from '../rules/catalog.ts';
import { postProcessSteps } from '../rules/compile.ts';
import { appendAudit } from './audit.ts';
import { acquireRunLock } from './lock.ts';

/** Where the rules and dataset definitions are read from (the config's; the repository's when absent). */
export interface RuleDirs {
  catalogDir?: string;
  datasetsDir?: string;
}

export interface RollbackResult {
  from: string | null;
  to: string;
  /** Sealed rows removed from the target before it served, per dataset. */
  sealed: Record<string, number>;
}

/** Each dataset's post-processing (X8) in the current catalog, as SQL over a table of kept rows. */
async function sealPosts(dirs: RuleDirs): Promise<Map<string, (table: string) => SealPost[]>> {
  const catalog = await loadCatalog(dirs.catalogDir);
  const posts = new Map<string, (table: string) => SealPost[]>();
  for (const { def } of await loadDatasets(dirs.datasetsDir)) {
    posts.set(def.id, (table) => postProcessSteps(def, catalog, table).map(({ rule, sql }) => ({
      rule, k: sql.k, partition: sql.partition, statements: sql.statements, minKSql: sql.minKSql,
    })));
  }
  return posts;
}

/** An in-memory DuckDB holding the seal list (with each dataset's X8), for the length of `work`. */
async function withSealList<T>(dataDir: string, dirs: RuleDirs, work: (conn: DuckDBConnection, list: SealedKeys[]) => Promise<T>): Promise<T> {
  const posts = await sealPosts(dirs);
  const db = await DuckDBInstance.create(':memory:', { temp_directory: path.join(dataDir, 'staging', 'tmp') });
  const conn = await db.connect();
  try {
    const list = (await loadSealList(conn, dataDir)).map((s) => ({ ...s, post: posts.get(s.datasetId) ?? null }));
    return await work(conn, list);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const byDataset = (results: SealingResult[]): Record<string, number> =>
  results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.datasetId]: (acc[r.datasetId] ?? 0) + r.removed }), {});

export async function rollback(dataDir: string, to?: string, dirs: RuleDirs = {}): Promise<RollbackResult> {
  const release = await acquireRunLock(dataDir);
  try {
    const ids = await listReleaseIds(dataDir);
    const current = await currentReleaseId(dataDir);
    const target = to ?? ids[ids.indexOf(current ?? '') - 1];
    if (!target) throw new Error(`no earlier release to roll back to; retained: ${ids.join(', ') || 'none'}`);
    if (!ids.includes(target)) throw new Error(`release "${target}" is not retained; retained: ${ids.join(', ')}`);
    const dir = path.join(dataDir, RELEASES_DIR, target);
    await readManifest(dir);
    const sealed = byDataset(await withSealList(dataDir, dirs, (conn, list) => sealRelease(conn, dir, list)));
    await switchCurrent(dataDir, target);
    await appendAudit(dataDir, 'rollback', { from: current, to: target, sealed });
    return { from: current, to: target, sealed };
  } finally {
    await release();
  }
}

/** `publisher seal`: removes every sealed row from every retained release now, not at rollback. */
export async function sealRetained(dataDir: string, dirs: RuleDirs = {}): Promise<SealingResult[]> {
  const release = await acquireRunLock(dataDir);
  try {
    const current = await currentReleaseId(dataDir);
    const results = await withSealList(dataDir, dirs, (conn, list) => sealRetainedReleases(conn, dataDir, current, list));
    await appendAudit(dataDir, 'seal', { removed: results.map((r) => ({ release: r.releaseId, dataset: r.datasetId, rows: r.removed })) });
    return results;
  } finally {
    await release();
  }
}
