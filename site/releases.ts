// The retained releases of a data directory (DATA/releases/<id>/manifest.json), newest first, for
// the Atom feeds and changelog pages. Reads only published release manifests via
// publisher/release-reader.ts, each parsed once and kept (lean) until its manifest file changes
// (sealing rewrites a retained release) or the release is pruned.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { MANIFEST_FILE, RELEASES_DIR, type Manifest } from '../publisher/manifest.ts';
import { listReleaseIds, readManifest, releaseDir } from '../publisher/release-reader.ts';
import { leanParts } from './bulk.ts';

/** Release ids in DATA/releases, newest first. */
export async function listReleases(dataDir: string): Promise<string[]> {
  return (await listReleaseIds(dataDir)).reverse();
}

/**
 * Parsed manifests by release directory, with the size and time of the file they came from. A
 * manifest of the bench's 11 M calls is 36 MB: parsing the two retained ones took about 1 s, on
 * every feed or changelog request, with the event loop blocked.
 */
const parsed = new Map<string, { stamp: string; manifest: Manifest }>();

async function manifestOf(dir: string): Promise<Manifest> {
  const s = await stat(path.join(dir, MANIFEST_FILE));
  const stamp = `${s.size}:${s.mtimeMs}:${s.ino}`;
  const hit = parsed.get(dir);
  if (hit?.stamp === stamp) return hit.manifest;
  const manifest = leanParts(await readManifest(dir));
  parsed.set(dir, { stamp, manifest });
  return manifest;
}

/** Manifests of the retained releases, newest first; unreadable releases are skipped (and logged). */
export async function releaseManifests(dataDir: string, limit = 50): Promise<Manifest[]> {
  const ids = (await listReleases(dataDir)).slice(0, limit);
  // Forget the releases of this data directory that are gone (or beyond the limit).
  const root = path.resolve(dataDir, RELEASES_DIR);
  const listed = new Set(ids.map((id) => releaseDir(dataDir, id)));
  for (const dir of parsed.keys()) if (path.dirname(dir) === root && !listed.has(dir)) parsed.delete(dir);
  const out: Manifest[] = [];
  for (const id of ids) {
    try {
      out.push(await manifestOf(releaseDir(dataDir, id)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') console.error(`site: release ${id} skipped in feed:`, (err as Error).message);
    }
  }
  return out;
}
