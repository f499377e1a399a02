// Reading published releases: which one is current, and its manifest and chart artifacts.
// This is the only door the site uses into the data directory.
import { readlinkSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { ChartArtifact, CURRENT_LINK, MANIFEST_FILE, Manifest, RELEASES_DIR } from './manifest.ts';

export interface OpenRelease {
  /** Absolute path of the release directory. */
  dir: string;
  manifest: Manifest;
}

/** The release id that `DATA/current` points at, or null when nothing is published yet. */
export async function currentReleaseId(dataDir: string): Promise<string | null> {
  return orNone(await readlink(path.join(dataDir, CURRENT_LINK)).catch(noLink));
}

/** currentReleaseId without a thread-pool round trip (the portal asks on every request). */
export function currentReleaseIdSync(dataDir: string): string | null {
  try {
    return orNone(readlinkSync(path.join(dataDir, CURRENT_LINK)));
  } catch (err) {
    return noLink(err);
  }
}

function noLink(err: unknown): null {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
  throw err;
}

function orNone(target: string | null): string | null {
  return target === null ? null : path.basename(target);
}

/** A release directory's name: its UTC time, with -N when two runs share a second. */
export const RELEASE_ID = /^\d{8}T\d{6}Z(-\d+)?$/;

/** The retained release ids in DATA/releases, oldest first (ids sort by time); none when absent. */
export async function listReleaseIds(dataDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(path.join(dataDir, RELEASES_DIR));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => RELEASE_ID.test(n)).sort();
}

export function releaseDir(dataDir: string, releaseId: string): string {
  return path.resolve(dataDir, RELEASES_DIR, releaseId);
}

export async function readManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, MANIFEST_FILE);
  const raw = JSON.parse(await readFile(file, 'utf8'));
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** The current release, or null when none has been published. */
export async function openCurrentRelease(dataDir: string): Promise<OpenRelease | null> {
  const id = await currentReleaseId(dataDir);
  if (!id) return null;
  const dir = releaseDir(dataDir, id);
  return { dir, manifest: await readManifest(dir) };
}

export async function readChart(release: OpenRelease, chartPath: string): Promise<ChartArtifact> {
  const file = path.join(release.dir, chartPath);
  return ChartArtifact.parse(JSON.parse(await readFile(file, 'utf8')));
}
