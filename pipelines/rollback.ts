// `publisher rollback`: point the portal back at a retained release (the one before the current
// one by default). Sealed records were already removed from retained releases, so a rollback
// never brings one back.
import path from 'node:path';
import { RELEASES_DIR } from '../publisher/manifest.ts';
import { currentReleaseId, listReleaseIds, readManifest } from '../publisher/release-reader.ts';
import { switchCurrent } from '../publisher/release-writer.ts';
import { appendAudit } from './audit.ts';
import { acquireRunLock } from './lock.ts';

export async function rollback(dataDir: string, to?: string): Promise<{ from: string | null; to: string }> {
  const release = await acquireRunLock(dataDir);
  try {
    const ids = await listReleaseIds(dataDir);
    const current = await currentReleaseId(dataDir);
    const target = to ?? ids[ids.indexOf(current ?? '') - 1];
    if (!target) throw new Error(`no earlier release to roll back to; retained: ${ids.join(', ') || 'none'}`);
    if (!ids.includes(target)) throw new Error(`release "${target}" is not retained; retained: ${ids.join(', ')}`);
    await readManifest(path.join(dataDir, RELEASES_DIR, target));
    await switchCurrent(dataDir, target);
    await appendAudit(dataDir, 'rollback', { from: current, to: target });
    return { from: current, to: target };
  } finally {
    await release();
  }
}
