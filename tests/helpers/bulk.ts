// Reads a release's bulk file as the portal serves it: the file itself, or for a file in parts
// its head, every part in order and its tail.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileManifest } from '../../publisher/manifest.ts';

export async function readBulk(releaseDir: string, file: FileManifest): Promise<Buffer> {
  if (!file.parts) return readFile(path.join(releaseDir, file.path));
  const parts = await Promise.all(file.parts.map((p) => readFile(path.join(releaseDir, p.path))));
  return Buffer.concat([Buffer.from(file.head ?? ''), ...parts, Buffer.from(file.tail ?? '')]);
}
