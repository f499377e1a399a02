// Crash safety (#8.1): the publisher CLI is killed with SIGKILL at seeded random points of a run,
// again and again, while the portal keeps serving from the same data directory. After every kill
// `current` points at a whole release (valid manifest, every file's hash matches), the portal
// serves exactly that release, no partial release is ever served, and the next run removes the
// dead run's work files and completes.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRuns } from '../../pipelines/history.ts';
import { demoDrop, runOnce, tempDir, TEST_KEY } from '../helpers/pipeline.ts';
import { runApi, type Running } from '../site/api/helpers.ts';
import { currentTarget, leftovers, retained, rng, runCli, sha256, startCli, verifyRelease } from './helpers.ts';

const TRIALS = 24;
const SEED = 20260808;
/** Progress lines of `publisher run` (stderr) that mark the phases worth killing in. */
const MARKERS = ['load cad_events', 'apply rules', 'write ', 'scan release', 'published'];

let source: string;
let data: string;
let cwd: string;
let portal: Running;
let normalMs = 0;

beforeAll(async () => {
  source = await demoDrop({ scale: 0.004 });
  data = await tempDir('crash-data');
  cwd = await tempDir('crash-cwd');
  const t0 = Date.now();
  const first = await runCli(['run', '--source', source, '--data', data], { cwd, env: { PUBLISHER_KEY: TEST_KEY } });
  normalMs = Date.now() - t0;
  expect(first.code, first.stderr).toBe(0);
  // Rate limits out of the way: the poller asks far more often than 600 times a minute.
  portal = await runApi(data, { rateLimit: { perIp: 1_000_000, perIpCeiling: 1_000_000 } });
});

afterAll(async () => {
  await portal?.close();
});

/** Polls the portal while a run is in progress; every answer must come from a whole release. */
function watchPortal() {
  let stop = false;
  const problems: string[] = [];
  let polls = 0;
  const loop = (async () => {
    while (!stop) {
      const health = await portal.get('/health');
      const body = (await health.json()) as { ok: boolean; release: string | null };
      if (health.status !== 200 || !body.release) problems.push(`/health ${health.status} ${JSON.stringify(body)}`);
      const rows = await portal.get('/resource/c911-call.json?$limit=2');
      if (rows.status !== 200) problems.push(`/resource ${rows.status}: ${(await rows.text()).slice(0, 200)}`);
      else if (((await rows.json()) as unknown[]).length !== 2) problems.push('/resource: wrong row count');
      polls++;
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    async done() {
      stop = true;
      await loop;
      return { problems, polls };
    },
  };
}

describe('SIGKILL during runs', () => {
  it(`leaves a whole release serving and the next run recovers, ${TRIALS} times`, async () => {
    const random = rng(SEED);
    const summary: { trial: number; how: string; atMs: number; killed: boolean; left: number; recoverMs: number }[] = [];
    let totalPolls = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const before = await currentTarget(data);
      // Half the kills are spread uniformly over a normal run's duration; half land just after a
      // chosen phase starts (loading, rules, writing, the scan gate, the switch).
      const uniform = trial % 2 === 0;
      const marker = MARKERS[Math.floor(random() * MARKERS.length)];
      const delay = uniform ? Math.floor(random() * normalMs * 0.9) : Math.floor(random() * 300);
      const args = ['run', '--source', source, '--data', data, ...(trial % 3 === 0 ? ['--full'] : [])];
      const watch = watchPortal();
      const t0 = Date.now();
      const cli = startCli(args, { cwd, env: { PUBLISHER_KEY: TEST_KEY } });
      let killAt = 0;
      const kill = () => {
        if (cli.child.exitCode === null && cli.child.signalCode === null) {
          killAt = Date.now() - t0;
          cli.child.kill('SIGKILL');
        }
      };
      if (uniform) setTimeout(kill, delay);
      else {
        const timer = setInterval(() => {
          if (cli.stderr().includes(marker)) {
            clearInterval(timer);
            setTimeout(kill, delay);
          }
        }, 5);
        void cli.exited.then(() => clearInterval(timer));
      }
      const exit = await cli.exited;
      const { problems, polls } = await watch.done();
      totalPolls += polls;
      expect(problems, `trial ${trial}: the portal served something broken during the run`).toEqual([]);
      const killed = exit.signal === 'SIGKILL';
      if (!killed) expect(exit.code, cli.stderr()).toBe(0);

      // 1. current is a whole release: the one before, or the one this run finished.
      const now = await currentTarget(data);
      expect(now).not.toBeNull();
      const manifest = await verifyRelease(data, now!);
      if (killed && now !== before) expect(cli.stderr(), `trial ${trial}: switched without a published message`).toMatch(/write |scan release/);
      // Every retained release is whole too (a rollback may switch to any of them).
      for (const id of await retained(data)) await verifyRelease(data, id);
      // 2. The portal serves exactly that release, byte for byte.
      const health = (await (await portal.get('/health')).json()) as { release: string };
      expect(health.release).toBe(now);
      const csv = manifest.datasets.find((d) => d.id === 'c911-call')!.files.find((f) => f.format === 'csv')!;
      const download = Buffer.from(await (await portal.get('/api/views/c911-call/rows.csv')).arrayBuffer());
      expect((await import('node:crypto')).createHash('sha256').update(download).digest('hex')).toBe(csv.sha256);
      expect(await sha256(path.join(data, 'releases', now!, csv.path))).toBe(csv.sha256);
      const left = (await leftovers(data)).length;

      // 3. The next run removes what the killed one left and completes.
      const r0 = Date.now();
      const next = await runOnce(source, data, { clock: () => new Date() });
      const recoverMs = Date.now() - r0;
      expect(await leftovers(data)).toEqual([]);
      expect(await currentTarget(data)).toBe(next.releaseId);
      await verifyRelease(data, next.releaseId);
      expect((await readRuns(data)).at(-1)).toMatchObject({ status: 'succeeded', releaseId: next.releaseId });
      summary.push({ trial, how: uniform ? `uniform +${delay}ms` : `after "${marker.trim()}" +${delay}ms`, atMs: killAt || Date.now() - t0, killed, left, recoverMs });
    }
    const kills = summary.filter((s) => s.killed).length;
    console.log(`crash trials: normal run ${normalMs} ms; ${kills}/${TRIALS} killed mid-run, ` +
      `${summary.filter((s) => s.left > 0).length} left work files; ${totalPolls} portal polls during runs`);
    for (const s of summary) console.log(`  #${s.trial} ${s.how}: ${s.killed ? `killed at ${s.atMs} ms` : 'completed first'}, ${s.left} leftovers, recovery ${s.recoverMs} ms`);
    expect(kills).toBeGreaterThanOrEqual(20);
    // Nothing of the run history was lost or torn by the kills.
    const history = await readFile(path.join(data, 'runs', 'history.jsonl'), 'utf8');
    expect(history.trim().split('\n').every((l) => JSON.parse(l))).toBe(true);
  });
});
