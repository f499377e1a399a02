// The retained releases of a data directory (DATA/releases/<id>/manifest.json), newest first, for
// the Atom feeds. Reads only published release manifests via publisher/release-reader.ts.
import type { Manifest } from '../publisher/manifest.ts';
import { listReleaseIds, readManifest, releaseDir } from '../publisher/release-reader.ts';

/** Release ids in DATA/releases, newest first. */
export async function listReleases(dataDir: string): Promise<string[]> {
  return (await listReleaseIds(dataDir)).reverse();
}

/** Manifests of the retained releases, newest first; unreadable releases are skipped (and logged). */
export async function releaseManifests(dataDir: string, limit = 50): Promise<Manifest[]> {
  const ids = (await listReleases(dataDir)).slice(0, limit);
  const out: Manifest[] = [];
  for (const id of ids) {
    try {
      out.push(await readManifest(releaseDir(dataDir, id)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') console.error(`site: release ${id} skipped in feed:`, (err as Error).message);
    }
  }
  return out;
}
