// Test fixture for the status and changelog pages: releases with time-shaped ids (as the publisher
// names them, so site/releases.ts lists them) and a run history.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { appendRun, type RunRecord } from '../../../pipelines/history.ts';
import type { Manifest } from '../../../publisher/manifest.ts';
import { buildRelease } from '../fixture-release.ts';

export const R1 = '20250201T063000Z';
export const R2 = '20250215T063000Z';
export const R3 = '20250301T063000Z';

/** Rewrites a release's manifest.json through `edit`. */
export async function editManifest(dataDir: string, releaseId: string, edit: (m: Manifest) => void): Promise<void> {
  const file = path.join(dataDir, 'releases', releaseId, 'manifest.json');
  const m = JSON.parse(await readFile(file, 'utf8')) as Manifest;
  edit(m);
  await writeFile(file, JSON.stringify(m, null, 2));
}

export async function buildHistory(dataDir: string): Promise<void> {
  await buildRelease(dataDir, { releaseId: R1, incidentRows: 2000 });
  await buildRelease(dataDir, { releaseId: R2, incidentRows: 2300 });
  await buildRelease(dataDir, { releaseId: R3, incidentRows: 2500 });
  // R1: no `note` column, `district` was text. R2: adds `note`, district becomes integer, with changes.
  await editManifest(dataDir, R1, (m) => {
    m.createdAt = '2025-02-01T06:30:00Z';
    m.datasets[0].columns = m.datasets[0].columns.filter((c) => c.name !== 'note').map((c) => (c.name === 'district' ? { ...c, type: 'text' } : c));
    m.datasets[0].updatedAt = '2025-02-01T06:00:00Z';
    m.datasets[1].updatedAt = '2025-02-01T07:00:00Z';
  });
  await editManifest(dataDir, R2, (m) => {
    m.createdAt = '2025-02-15T06:30:00Z';
    m.datasets[0].updatedAt = '2025-02-15T06:00:00Z';
    m.datasets[0].report.changes = { added: 300, changed: 12, removed: 0, columnsAdded: ['note'], columnsRemoved: [] };
    m.datasets[1].updatedAt = '2025-02-01T07:00:00Z'; // carried over
  });
  await editManifest(dataDir, R3, (m) => {
    m.datasets[0].report.changes = { added: 210, changed: 4, removed: 10, columnsAdded: [], columnsRemoved: ['arrest_made'] };
    m.datasets[0].columns = m.datasets[0].columns.filter((c) => c.name !== 'arrest_made');
  });
}

export const SECRET = 'Jane Q. Example, 1234 Elm St';

export const RUNS: RunRecord[] = [
  { runId: '2025-03-01T06:00:00.000Z', startedAt: '2025-03-01T06:00:00.000Z', endedAt: '2025-03-01T06:02:00.000Z', status: 'succeeded',
    datasets: ['inci-2024', 'uof0-0001'], releaseId: R3, counts: { 'inci-2024': { rowsRead: 2512, quarantined: 2, published: 2500 } }, error: null },
  { runId: '2025-03-02T06:00:00.000Z', startedAt: '2025-03-02T06:00:00.000Z', endedAt: '2025-03-02T06:00:05.000Z', status: 'failed',
    datasets: ['inci-2024'], releaseId: null, counts: {},
    error: `records database unreachable at db.internal:5432: connect ECONNREFUSED ${'x'.repeat(300)}\nrow 17: name="${SECRET}"` },
];

export async function writeRuns(dataDir: string): Promise<void> {
  for (const r of RUNS) await appendRun(dataDir, r);
}
