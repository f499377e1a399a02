// `publisher rollback`: point the portal back at a retained release (the one before the current
// one by default), and `publisher seal`. A retained release keeps rows sealed after it was
// published until it would serve again (X6 covers served releases): a rollback first removes
// everything on the seal list from it (publisher/seal-list.ts), and switches only if that worked.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import path from 'node:path';
import { RELEASES_DIR } from '../publisher/manifest.ts';
import { currentReleaseId, listReleaseIds, readManifest } from '../publisher/release-reader.ts';
import { switchCurrent } from '../publisher/release-writer.ts';
import { loadSealList } from '../publisher/seal-list.ts';
import { sealRelease, sealRetainedReleases, type SealedKeys, type SealingResult } from '../publisher/sealing.ts';
import { appendAudit } from './audit.ts';
import { acquireRunLock } from './lock.ts';

export interface RollbackResult {
  from: string | null;
  to: string;
  /** Sealed rows removed from the target before it served, per dataset. */
  sealed: Record<string, number>;
}

/** An in-memory DuckDB holding the seal list, for the length of `work`. */
async function withSealList<T>(dataDir: string, work: (conn: DuckDBConnection, list: SealedKeys[]) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(':memory:', { temp_directory: path.join(dataDir, 'staging', 'tmp') });
  const conn = await db.connect();
  try {
    return await work(conn, await loadSealList(conn, dataDir));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const byDataset = (results: SealingResult[]): Record<string, number> =>
  results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.datasetId]: (acc[r.datasetId] ?? 0) + r.removed }), {});

export async function rollback(dataDir: string, to?: string): Promise<RollbackResult> {
  const release = await acquireRunLock(dataDir);
  try {
    const ids = await listReleaseIds(dataDir);
    const current = await currentReleaseId(dataDir);
    const target = to ?? ids[ids.indexOf(current ?? '') - 1];
    if (!target) throw new Error(`no earlier release to roll back to; retained: ${ids.join(', ') || 'none'}`);
    if (!ids.includes(target)) throw new Error(`release "${target}" is not retained; retained: ${ids.join(', ')}`);
    const dir = path.join(dataDir, RELEASES_DIR, target);
    await readManifest(dir);
    const sealed = byDataset(await withSealList(dataDir, (conn, list) => sealRelease(conn, dir, list)));
    await switchCurrent(dataDir, target);
    await appendAudit(dataDir, 'rollback', { from: current, to: target, sealed });
    return { from: current, to: target, sealed };
  } finally {
    await release();
  }
}

/** `publisher seal`: removes every sealed row from every retained release now, not at rollback. */
export async function sealRetained(dataDir: string): Promise<SealingResult[]> {
  const release = await acquireRunLock(dataDir);
  try {
    const current = await currentReleaseId(dataDir);
    const results = await withSealList(dataDir, (conn, list) => sealRetainedReleases(conn, dataDir, current, list));
    await appendAudit(dataDir, 'seal', { removed: results.map((r) => ({ release: r.releaseId, dataset: r.datasetId, rows: r.removed })) });
    return results;
  } finally {
    await release();
  }
}
