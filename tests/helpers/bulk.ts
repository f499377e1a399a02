// Reads a release's bulk file as the portal serves it: the file itself, or for a CSV/JSON file in
// parts its head, every part in order (joined by its separator) and its tail.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileManifest } from '../../publisher/manifest.ts';

export async function readBulk(releaseDir: string, file: FileManifest): Promise<Buffer> {
  if (!file.parts) return readFile(path.join(releaseDir, file.path));
  if (file.format === 'parquet') throw new Error('Parquet parts are separate files, not one file joined');
  const parts = await Promise.all(file.parts.map((p) => readFile(path.join(releaseDir, p.path))));
  const separator = Buffer.from(file.separator ?? '');
  return Buffer.concat([Buffer.from(file.head ?? ''), ...parts.flatMap((p, n) => (n > 0 ? [separator, p] : [p])), Buffer.from(file.tail ?? '')]);
}

/** A DuckDB `read_parquet(…)` of a dataset's rows in a release: its Parquet file, or every monthly part. */
export function parquetOf(releaseDir: string, id: string): string {
  const manifest = JSON.parse(readFileSync(path.join(releaseDir, 'manifest.json'), 'utf8')) as { datasets: { id: string; files: FileManifest[] }[] };
  const file = manifest.datasets.find((d) => d.id === id)?.files.find((f) => f.format === 'parquet');
  if (!file) throw new Error(`no Parquet file of ${id} in ${releaseDir}`);
  const paths = (file.parts ?? [file]).map((p) => `'${path.join(releaseDir, p.path).replaceAll("'", "''")}'`);
  return `read_parquet([${paths.join(', ')}])`;
}
