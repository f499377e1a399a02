// Run status from the history: last run, per-dataset last success/failure, next run, safe errors;
// and `publisher status` on the command line.
import { spawnSync } from 'node:child_process';
import { appendFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRuns } from '../../../pipelines/history.ts';
import { buildStatus, safeError, statusJson } from '../../../pipelines/status.ts';
import { makeDataDir } from '../fixture-release.ts';
import { RUNS, SECRET, writeRuns } from './fixture.ts';

const NOW = new Date('2025-03-04T12:00:00Z');

describe('safeError', () => {
  it('keeps the first line only, at most 200 characters', () => {
    expect(safeError(`boom\nrow 3: ${SECRET}`)).toBe('boom');
    const long = safeError('y'.repeat(500))!;
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
    expect(safeError(null)).toBeNull();
  });
});

describe('buildStatus', () => {
  it('summarizes the last run and each dataset', () => {
    const s = buildStatus({ runs: RUNS, release: 'r', timezone: 'America/Chicago', schedules: [{ id: 'inci-2024', schedule: '0 6 * * *' }], now: NOW });
    expect(s.ok).toBe(false);
    expect(s.lastRun?.status).toBe('failed');
    expect(s.recent.map((r) => r.status)).toEqual(['failed', 'succeeded']);
    expect(s.datasets.map((d) => d.id)).toEqual(['inci-2024', 'uof0-0001']); // scheduled first, then seen in history
    expect(s.datasets[0].nextRun).toBe('2025-03-05T12:00:00.000Z');
    expect(s.datasets[1]).toMatchObject({ schedule: null, nextRun: null, lastFailure: null, lastSuccess: { releaseId: '20250301T063000Z' } });
    expect(JSON.stringify(statusJson(s))).not.toContain(SECRET);
  });

  it('is ok when a release serves and every dataset last succeeded', () => {
    const s = buildStatus({ runs: RUNS.slice(0, 1), release: 'r', timezone: 'UTC', schedules: [], now: NOW });
    expect(s.ok).toBe(true);
    expect(buildStatus({ runs: [], release: null, timezone: 'UTC', schedules: [], now: NOW }).ok).toBe(false);
  });
});

describe('readRuns', () => {
  it('skips a torn last line', async () => {
    const dir = await makeDataDir();
    try {
      await writeRuns(dir);
      await appendFile(path.join(dir, 'runs', 'history.jsonl'), '{"runId":"2025-03-03T0');
      expect(await readRuns(dir)).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('publisher status', () => {
  const BIN = path.resolve('bin/publisher.js');
  let dir: string;
  beforeAll(async () => {
    dir = await makeDataDir();
    await mkdir(dir, { recursive: true });
    await writeRuns(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const cli = (args: string[]) => spawnSync(process.execPath, [BIN, 'status', ...args], { encoding: 'utf8', timeout: 60_000 });

  it('--json exits 0 with the same shape as /status.json', () => {
    const r = cli(['--data', dir, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['ok', 'release', 'lastRun', 'datasets']));
    expect(s.release).toBeNull();
    expect(s.lastRun.status).toBe('failed');
    expect(r.stdout).not.toContain(SECRET);
    // The repository's dataset definitions are scheduled: each has a next run.
    const offenses = s.datasets.find((d: { id: string }) => d.id === 'nibr-offs');
    expect(offenses.schedule).toBe('15 3 * * *');
    expect(Date.parse(offenses.nextRun)).toBeGreaterThan(Date.now() - 1000);
  });

  it('prints a readable summary without --json', () => {
    const r = cli(['--data', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^status: NOT OK/);
    expect(r.stdout).toContain('release serving: none');
    expect(r.stdout).not.toContain(SECRET);
  });

  it('exits 2 on an unknown option', () => {
    expect(cli(['--frobnicate']).status).toBe(2);
  });
});
