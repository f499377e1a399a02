// `publisher rollback`: point the portal back at a retained release (the one before the current
// one by default). Sealed records were already removed from retained releases, so a rollback
// never brings one back.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { RELEASES_DIR } from '../publisher/manifest.ts';
import { currentReleaseId, readManifest } from '../publisher/release-reader.ts';
import { switchCurrent } from '../publisher/release-writer.ts';
import { appendAudit } from './audit.ts';
import { acquireRunLock } from './lock.ts';

export async function retainedReleases(dataDir: string): Promise<string[]> {
  const names = await readdir(path.join(dataDir, RELEASES_DIR)).catch(() => [] as string[]);
  return names.filter((n) => /^\d{8}T\d{6}Z(-\d+)?$/.test(n)).sort();
}

export async function rollback(dataDir: string, to?: string): Promise<{ from: string | null; to: string }> {
  const release = await acquireRunLock(dataDir);
  try {
    const ids = await retainedReleases(dataDir);
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
