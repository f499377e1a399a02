// The pipeline run end to end on a small seeded drop: counts reconcile, bad rows are quarantined
// and counted, a failed run leaves the last good release serving, one dataset can run alone.
import { mkdir, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRuns } from '../../pipelines/history.ts';
import { openCurrentRelease } from '../../publisher/release-reader.ts';
import { demoDrop, runOnce, tempDir } from '../helpers/pipeline.ts';
import { csvFile } from './sources/csv-drop-helpers.ts';

let source: string;
beforeAll(async () => {
  source = await demoDrop({ scale: 0.004 });
});

describe('runPipelines', () => {
  it('publishes all three datasets with reconciled counts and records the run', async () => {
    const data = await tempDir('run');
    // Two days after the records end: the last days of offenses are still under embargo (X5).
    const run = await runOnce(source, data, { clock: () => new Date('2026-11-02T00:00:00Z') });
    const release = (await openCurrentRelease(data))!;
    expect(release.manifest.releaseId).toBe(run.releaseId);
    expect(release.manifest.datasets.map((d) => d.id).sort()).toEqual(['c911-call', 'nibr-offs', 'uofx-frce']);
    for (const d of release.manifest.datasets) {
      const r = d.report;
      const withheld = Object.values(r.withheldByRule).reduce((a, b) => a + b, 0);
      expect(r.rowsRead, d.id).toBe(r.published + withheld + r.quarantined);
      expect(d.rowCount).toBe(r.published);
      expect(r.published).toBeGreaterThan(0);
      expect(d.files.map((f) => f.format).sort()).toEqual(['csv', 'json', 'parquet']);
      expect(r.withheldByRule.X6, `${d.id} sealed rows`).toBeGreaterThan(0);
    }
    const offenses = release.manifest.datasets.find((d) => d.id === 'nibr-offs')!;
    expect(offenses.report.withheldByRule.X5).toBeGreaterThan(0);
    const [history] = await readRuns(data);
    expect(history).toMatchObject({ status: 'succeeded', releaseId: run.releaseId, error: null });
  });

  it('quarantines malformed rows with reasons and counts them in the run report', async () => {
    const drop = await demoDrop({ scale: 0.001 });
    const bad = path.join(drop, '20261101T020000Z');
    await mkdir(bad);
    const good = { event_id: '2026-77770001', record_status: 'ACTIVE' };
    await writeFile(path.join(bad, 'cad_events.csv'), csvFile('cad_events', [
      good,
      { event_id: '2026-77770002', received_at: 'yesterday at noon' },
      { event_id: '2026-77770003', call_source: 'CARRIER_PIGEON' },
      { event_id: '2026-77770004', priority: '12' },
    ]) + '2026-77770005,too,few,columns\n');
    const data = await tempDir('run-bad');
    const run = await runOnce(drop, data);
    expect(run.reports['c911-call'].quarantined).toBe(4);
    const r = run.reports['c911-call'];
    expect(r.rowsRead).toBe(r.published + Object.values(r.withheldByRule).reduce((a, b) => a + b, 0) + r.quarantined);
  });

  it('leaves the last good release serving when a run fails, and records the failure', async () => {
    const drop = await demoDrop({ scale: 0.001 });
    const data = await tempDir('run-fail');
    const first = await runOnce(drop, data);
    const broken = path.join(drop, '20261102T020000Z');
    await mkdir(broken);
    await writeFile(path.join(broken, 'rms_offenses.csv'), 'offense_id,report_number\nX-1,R-1\n');
    await expect(runOnce(drop, data, { clock: () => new Date('2026-11-15T00:00:00Z') })).rejects.toThrow(/rms_offenses\.csv.*(missing|required)/i);
    expect(path.basename(await readlink(path.join(data, 'current')))).toBe(first.releaseId);
    expect((await readdir(path.join(data, 'releases'))).filter((n) => n.startsWith('.tmp'))).toEqual([]);
    const runs = await readRuns(data);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed']);
    expect(runs[1].error).toMatch(/rms_offenses\.csv/);
  });

  it('runs one dataset alone and carries the others over unchanged (hard links)', async () => {
    const data = await tempDir('run-one');
    const first = await runOnce(source, data);
    const second = await runOnce(source, data, { only: ['offenses'], clock: () => new Date('2026-11-15T00:00:00Z') });
    expect(second.releaseId).not.toBe(first.releaseId);
    expect(Object.keys(second.reports)).toEqual(['nibr-offs']);
    const release = (await openCurrentRelease(data))!;
    expect(release.manifest.datasets).toHaveLength(3);
    const calls = (p: string) => stat(path.join(p, 'datasets', 'c911-call', 'rows.parquet'));
    expect((await calls(second.releaseDir)).ino).toBe((await calls(first.releaseDir)).ino);
  });

  it('names the unknown dataset', async () => {
    await expect(runOnce(source, await tempDir('run-unknown'), { only: ['parking-tickets'] })).rejects.toThrow(/unknown dataset "parking-tickets"/);
  });

  it('cleans up a temporary release left by a killed run', async () => {
    const data = await tempDir('run-leftover');
    await mkdir(path.join(data, 'releases', '.tmp-20261101T000000Z-999999', 'datasets'), { recursive: true });
    const run = await runOnce(source, data);
    expect(run.log.lines.some((l) => /interrupted run/.test(l))).toBe(true);
    expect((await readdir(path.join(data, 'releases'))).filter((n) => n.startsWith('.tmp'))).toEqual([]);
  });
});
