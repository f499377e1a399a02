// Test helper: a small seeded demo drop and a pipeline run into a temp data directory, with a
// fixed clock and a fixed key, so tests that need a real release share one recipe.
import { cp, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Config } from '../../pipelines/config.ts';
import { generateDemoRecords } from '../../pipelines/demo/generate.ts';
import { memoryLogger, noProgress } from '../../pipelines/io.ts';
import { runPipelines, type RunOptions } from '../../pipelines/run.ts';

export const DEMO_END = new Date('2026-10-31T00:00:00Z');
/** Two weeks after the demo data ends, so the offense embargo (X5) has passed for all but pending rows. */
export const RUN_CLOCK = () => new Date('2026-11-14T12:00:00Z');
export const TEST_KEY = '5e'.repeat(32);

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `${prefix}-`));
}

export async function demoDrop(opts: { scale?: number; years?: number; seed?: number } = {}): Promise<string> {
  const dir = path.join(await tempDir('drop'), 'records');
  await generateDemoRecords({ outDir: dir, years: opts.years ?? 1, seed: opts.seed ?? 7, end: DEMO_END, scale: opts.scale ?? 0.004 });
  return dir;
}

/** Source folder `dir` holding the first `n` batches (in name order) of demo drop `drop`. */
export async function copyBatches(drop: string, dir: string, n: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const b of (await readdir(drop)).sort().slice(0, n)) await cp(path.join(drop, b), path.join(dir, b), { recursive: true });
  return dir;
}

export function testConfig(sourceDir: string, dataDir: string): Config {
  return { ...Config.parse({}), sourceDir, dataDir };
}

export async function runOnce(sourceDir: string, dataDir: string, extra: Partial<RunOptions> = {}, config: Partial<Config> = {}) {
  const log = memoryLogger();
  const result = await runPipelines({
    config: { ...testConfig(sourceDir, dataDir), ...config },
    log,
    progress: noProgress,
    clock: RUN_CLOCK,
    env: { PUBLISHER_KEY: TEST_KEY },
    ...extra,
  });
  return { ...result, log };
}
