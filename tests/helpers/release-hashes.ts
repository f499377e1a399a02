// Test helper: SHA-256 of every bulk file of a data directory's current release, as served (a file
// in parts: its parts joined), to compare a patched release with a full run's.
import { createHash } from 'node:crypto';
import { openCurrentRelease } from '../../publisher/release-reader.ts';
import { readBulk } from './bulk.ts';

export async function fileHashes(dataDir: string): Promise<Record<string, string>> {
  const release = (await openCurrentRelease(dataDir))!;
  const files = release.manifest.datasets.flatMap((d) => d.files);
  return Object.fromEntries(await Promise.all(files.map(async (f) =>
    [f.path, f.sha256 ?? createHash('sha256').update(await readBulk(release.dir, f)).digest('hex')] as const)));
}
