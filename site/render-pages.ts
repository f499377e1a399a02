// Renders every page type of a release that is not switched in yet, for the scan gate (X3):
// the publisher hands in a release directory, gets back each page's text. In-process, on a
// loopback port that lives only as long as the call.
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { readManifest } from '../publisher/release-reader.ts';
import { closeApp, createApp } from './app.ts';

export async function renderReleasePages(releaseDir: string): Promise<{ name: string; text: string }[]> {
  const dataDir = path.dirname(path.dirname(releaseDir));
  const manifest = await readManifest(releaseDir);
  const app = await createApp({ dataDir, pinRelease: path.basename(releaseDir) });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const paths = ['/', '/brief', '/surveillance', '/privacy', '/data.json', '/api/catalog/v1'];
  for (const d of manifest.datasets) {
    paths.push(`/datasets/${d.id}`, `/resource/${d.id}.json`, `/api/views/${d.id}.json`);
    for (const c of d.charts) paths.push(`/datasets/${d.id}/charts/${c.id}`);
  }
  try {
    const pages: { name: string; text: string }[] = [];
    for (const p of paths) {
      const res = await fetch(base + p);
      pages.push({ name: `page ${p}`, text: await res.text() });
    }
    return pages;
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await closeApp(app);
  }
}
