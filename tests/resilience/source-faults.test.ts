// Source and disk faults (#8.2): PostgreSQL shut down in the middle of a pull, a CSV batch cut off
// in the middle of a row, the releases disk full (a 1-release tmpfs) and read-only (remounted
// ro). Each run that cannot finish fails with a clear message, the run history records it, and
// the release serving before stays current and whole, with no work files left behind.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Config } from '../../pipelines/config.ts';
import { readRuns } from '../../pipelines/history.ts';
import { memoryLogger, noProgress, type Progress } from '../../pipelines/io.ts';
import { runPipelines } from '../../pipelines/run.ts';
import { TABLES } from '../../pipelines/contract.ts';
import { contractDdl, openToServer, startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { demoDrop, runOnce, tempDir, TEST_KEY } from '../helpers/pipeline.ts';
import { currentTarget, leftovers, verifyRelease } from './helpers.ts';

const sh = promisify(execFile);

/** Bytes of every file under dir. */
async function du(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) n += (await stat(path.join(e.parentPath, e.name))).size;
  return n;
}

async function expectFailedRun(data: string, before: string, message: RegExp, run: () => Promise<unknown>) {
  const runsBefore = (await readRuns(data)).length;
  await expect(run()).rejects.toThrow(message);
  const runs = await readRuns(data);
  expect(runs.length).toBe(runsBefore + 1);
  expect(runs.at(-1)).toMatchObject({ status: 'failed', releaseId: null });
  expect(runs.at(-1)!.error).toMatch(message);
  expect(await currentTarget(data)).toBe(before);
  await verifyRelease(data, before);
  expect((await leftovers(data)).filter((f) => f.startsWith('releases/'))).toEqual([]);
}

describe('PostgreSQL stops in the middle of a pull', () => {
  let pg: TestPostgres;
  let data: string;
  const schema = `faults_${process.pid}`;
  const config = () => ({ ...Config.parse({}), source: 'postgres' as const, postgresSchema: schema, dataDir: data, sourceDir: '/nonexistent' });
  const run = (progress: Progress = noProgress) => runPipelines({
    config: config(), log: memoryLogger(), progress, clock: () => new Date(),
    env: { PUBLISHER_KEY: TEST_KEY, RECORDS_DATABASE_URL: pg.url },
  });

  beforeAll(async () => {
    pg = await startPostgres();
    data = await tempDir('pg-fault');
    const drop = await demoDrop({ scale: 0.001 });
    const batch = path.join(drop, (await readdir(drop)).sort()[0]);
    await openToServer(batch);
    await pg.query(contractDdl(schema));
    for (const table of ['cad_events', 'rms_offenses', 'use_of_force']) {
      await pg.query(`COPY "${schema}"."${table}" FROM '${batch}/${table}.csv' WITH (FORMAT csv, HEADER true)`);
    }
  });
  afterAll(async () => pg?.stop());

  it('fails the run with the connection error, records it, keeps serving; the next run succeeds', async () => {
    const first = await run();
    // 150,000 newer calls: the next (incremental) pull takes 15 FETCHes of 10,000.
    const cols = TABLES.find((t) => t.name === 'cad_events')!.fields.map((f) => `"${f.name}"`);
    const select = cols.map((c) => (c === '"event_id"' ? `c.event_id || '-' || g` : c === '"updated_at"' ? `now()` : `c.${c}`));
    await pg.query(`INSERT INTO "${schema}".cad_events (${cols.join(', ')})
      SELECT ${select.join(', ')} FROM (SELECT * FROM "${schema}".cad_events WHERE record_status = 'ACTIVE' LIMIT 1) c, generate_series(1, 150000) g`);
    const [{ setting: pgData }] = await pg.query<{ setting: string }>(`SELECT setting FROM pg_settings WHERE name = 'data_directory'`);
    const postmaster = Number(readFileSync(path.join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
    let stopped = false;
    // The moment the first 10,000 rows of the pull arrive, the server gets a fast shutdown (SIGINT
    // to the postmaster: every backend is terminated, as by `pg_ctl stop -m fast`).
    await expectFailedRun(data, first.releaseId, /terminat|ECONNRESET|connection|shut ?down|Connection terminated/i, () =>
      run((step, done) => {
        if (!stopped && /cad_events/.test(step) && done >= 10_000) {
          stopped = true;
          process.kill(postmaster, 'SIGINT');
        }
      }),
    );
    expect(stopped).toBe(true);
    // Wait for the shutdown to finish, start the server again: the next run completes.
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(postmaster, 0);
        await new Promise((r) => setTimeout(r, 100));
      } catch {
        break;
      }
    }
    await pg.resume();
    const next = await run();
    expect(next.reports['c911-call'].rowsRead).toBeGreaterThan(first.reports['c911-call'].rowsRead + 100_000);
    expect(await currentTarget(data)).toBe(next.releaseId);
    await verifyRelease(data, next.releaseId);
  });
});

describe('a CSV batch cut off in the middle of a row', () => {
  it('fails the run with a clear message, keeps the last release, and reads the batch once it is whole', async () => {
    const drop = await demoDrop({ scale: 0.001 });
    const data = await tempDir('cut');
    const first = await runOnce(drop, data, { clock: () => new Date() });
    // A new batch: a copy of the first one, cut in the middle of a record (a transfer that died).
    const src = path.join(drop, (await readdir(drop)).sort()[0], 'cad_events.csv');
    const text = await readFile(src, 'utf8');
    const cut = text.slice(0, Math.floor(text.length * 0.6));
    expect(cut.endsWith('\n')).toBe(false);
    const batch = path.join(drop, '20261201T020000Z');
    await mkdir(batch);
    await writeFile(path.join(batch, 'cad_events.csv'), cut);
    await expect(runOnce(drop, data, { clock: () => new Date() })).rejects.toThrow(/cad_events\.csv: cut off in the middle of a row .* batch 20261201T020000Z is not applied/);
    expect((await readRuns(data)).at(-1)).toMatchObject({ status: 'failed' });
    expect(await currentTarget(data)).toBe(first.releaseId);
    // The complete file is re-delivered under the same batch name: it is read, nothing is lost.
    await writeFile(path.join(batch, 'cad_events.csv'), text);
    const next = await runOnce(drop, data, { clock: () => new Date() });
    expect(next.reports['c911-call'].quarantined).toBe(0);
    expect((await readRuns(data)).at(-1)).toMatchObject({ status: 'succeeded' });
  });
});

describe('the releases disk fails', () => {
  const mounts: string[] = [];
  afterAll(async () => {
    for (const m of mounts.reverse()) await sh('umount', ['-l', m]).catch(() => {});
  });

  async function mountTmpfs(dir: string, bytes: number) {
    await mkdir(dir, { recursive: true });
    await sh('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
    mounts.push(dir);
  }

  it('disk full: a tmpfs that holds one release; the second run fails with ENOSPC', async () => {
    const drop = await demoDrop({ scale: 0.001 });
    const probe = await tempDir('disk-probe');
    const sized = await runOnce(drop, probe);
    const bytes = await du(path.join(probe, 'releases', sized.releaseId));
    const data = await tempDir('disk-full');
    await mountTmpfs(path.join(data, 'releases'), Math.ceil(bytes * 1.4) + 64 * 1024);
    const first = await runOnce(drop, data, { clock: () => new Date() });
    await expectFailedRun(data, first.releaseId, /ENOSPC|no space left/i, () => runOnce(drop, data, { clock: () => new Date(Date.now() + 2000) }));
    // The portal's view: still the first release, whole.
    const { runApp } = await import('../site/helpers.ts');
    const app = await runApp(data);
    try {
      expect(((await (await app.get('/health')).json()) as { release: string }).release).toBe(first.releaseId);
      expect((await app.get('/api/views/c911-call/rows.csv')).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('read-only: the releases filesystem remounted ro; the run fails with EROFS', async () => {
    const drop = await demoDrop({ scale: 0.001 });
    const data = await tempDir('disk-ro');
    const dir = path.join(data, 'releases');
    await mountTmpfs(dir, 64 * 1024 * 1024);
    const first = await runOnce(drop, data, { clock: () => new Date() });
    await sh('mount', ['-o', 'remount,ro', dir]);
    try {
      await expectFailedRun(data, first.releaseId, /EROFS|read-only/i, () => runOnce(drop, data, { clock: () => new Date(Date.now() + 2000) }));
    } finally {
      await sh('mount', ['-o', 'remount,rw', dir]);
    }
    // Writable again: the next run completes.
    const next = await runOnce(drop, data, { clock: () => new Date(Date.now() + 4000) });
    expect(await currentTarget(data)).toBe(next.releaseId);
  });
});
