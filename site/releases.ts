// The retained releases of a data directory (DATA/releases/<id>/manifest.json), newest first, for
// the Atom feeds. Reads only published release manifests via publisher/release-reader.ts.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../publisher/manifest.ts';
import { RELEASES_DIR } from '../publisher/manifest.ts';
import { readManifest, releaseDir } from '../publisher/release-reader.ts';

export const RELEASE_ID = /^\d{8}T\d{6}Z/;

/** Release ids in DATA/releases, newest first (ids sort by time). */
export async function listReleases(dataDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(path.join(dataDir, RELEASES_DIR));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => RELEASE_ID.test(n)).sort().reverse();
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
