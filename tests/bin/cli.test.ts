// The `publisher` command as a user runs it: exit codes 0/1/2, data on stdout, messages on stderr.
import { spawnSync } from 'node:child_process';
import { readlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/pipeline.ts';

const BIN = path.resolve('bin/publisher.js');
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('publisher CLI', () => {
  it('prints usage and exits 2 without a command or with an unknown one', () => {
    expect(cli([]).code).toBe(2);
    const r = cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
    expect(cli(['help']).code).toBe(0);
  });

  it('exits 2 on a bad option, naming it', () => {
    const r = cli(['demo-records', '--out', '/tmp/x', '--years', 'many']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--years must be a whole number/);
    expect(cli(['demo-records']).stderr).toMatch(/needs --out/);
  });

  it('exits 1 with a clear message when the source has no batches', async () => {
    const r = cli(['run', '--source', '/nonexistent/records', '--data', await tempDir('cli-data')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no batches in \/nonexistent\/records/);
    expect(r.stdout).toBe('');
  });

  it('generates records and publishes a release: JSON on stdout, progress on stderr', async () => {
    const dir = await tempDir('cli');
    const gen = cli(['demo-records', '--out', `${dir}/records`, '--years', '1', '--scale', '0.001', '--end', '2026-10-31']);
    expect(gen.code).toBe(0);
    expect(JSON.parse(gen.stdout).batches.length).toBeGreaterThanOrEqual(2);
    const run = cli(['run', '--source', `${dir}/records`, '--data', `${dir}/data`], { PUBLISHER_KEY: 'ab'.repeat(32) });
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(path.basename(await readlink(`${dir}/data/current`))).toBe(out.releaseId);
    expect(run.stderr).toMatch(/release \S+ published/);
  });

  it('rules diff reports the catalog as approved; rules approve without --by is a usage error', async () => {
    const dir = await tempDir('cli-rules');
    const diff = cli(['rules', 'diff', '--data', dir]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/matches the approved one/);
    const json = cli(['rules', 'diff', '--json', '--data', dir]);
    expect(JSON.parse(json.stdout).changes).toEqual([]);
    const bad = cli(['rules', 'approve', 'C2', '--note', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--by NAME --note TEXT/);
    expect(cli(['rules', 'frob']).code).toBe(2);
  });
});
