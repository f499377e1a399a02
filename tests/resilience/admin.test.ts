// Admin actions (#8.5): rule approval, runs and rollback are command-line only. No HTTP route
// triggers them (plausible admin paths with every write method answer 404/405 and change nothing
// in the data directory), and each one done through the CLI is appended to DATA/audit.jsonl.
import { createHash } from 'node:crypto';
import { cp, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../../pipelines/audit.ts';
import { demoDrop, runOnce, tempDir, TEST_KEY } from '../helpers/pipeline.ts';
import { runApp, type Running } from '../site/helpers.ts';
import { currentTarget, REPO, runCli } from './helpers.ts';

let data: string;
let cwd: string;
let drop: string;
let app: Running;

/** Every file under the data directory with its size and hash (symlinks by target). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const abs = path.join(e.parentPath, e.name);
    const rel = path.relative(dir, abs);
    if (e.isSymbolicLink()) out[rel] = `-> ${await readlink(abs)}`;
    else if (e.isFile()) out[rel] = `${(await stat(abs)).size} ${createHash('sha256').update(await readFile(abs)).digest('hex')}`;
  }
  return out;
}

beforeAll(async () => {
  drop = await demoDrop({ scale: 0.001 });
  data = await tempDir('admin-data');
  cwd = await tempDir('admin-cwd');
  // Approvals write into the catalog: the CLI gets a copy through its settings file.
  await cp(path.join(REPO, 'rules', 'catalog'), path.join(cwd, 'rules', 'catalog'), { recursive: true });
  await cp(path.join(REPO, 'rules', 'approved.json'), path.join(cwd, 'rules', 'approved.json'));
  await writeFile(path.join(cwd, 'publisher.config.yaml'), `sourceDir: ${drop}\ndataDir: ${data}\ncatalogDir: ${path.join(cwd, 'rules', 'catalog')}\n`);
  await runOnce(drop, data, { clock: () => new Date(Date.now() - 60_000), catalogDir: path.join(cwd, 'rules', 'catalog') });
  app = await runApp(data);
});

afterAll(async () => {
  await app?.close();
});

const PATHS = [
  '/admin', '/admin/run', '/admin/rollback', '/admin/rules/X1/approve', '/api/admin', '/api/run', '/api/runs', '/api/rollback',
  '/api/rules/X1/approve', '/api/releases', '/api/releases/current', '/api/v1/run', '/run', '/runs', '/rollback', '/approve',
  '/rules/X1/approve', '/privacy/rules/X1', '/privacy/rules/X1/approve', '/privacy/approve', '/privacy/report', '/status',
  '/status.json', '/status/run', '/datasets/c911-call', '/datasets/c911-call/run', '/datasets/c911-call/rollback',
  '/api/views/c911-call', '/api/views/c911-call.json', '/resource/c911-call.json', '/health', '/api/sql?sql=SELECT%201',
  '/api/schedule', '/schedule', '/api/publish', '/publish', '/releases/current', '/current', '/audit', '/privacy/audit',
];

describe('no HTTP route performs an admin action', () => {
  it('write methods on plausible admin paths answer 404/405 and change nothing on disk', async () => {
    const before = await snapshot(data);
    const unexpected: string[] = [];
    let n = 0;
    for (const p of PATHS) {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const r = await app.get(p, {
          method,
          headers: { 'content-type': 'application/json', 'x-app-token': 'admin' },
          body: JSON.stringify({ rule: 'X1', by: 'mallory', note: 'ok', to: 'previous', sql: 'SELECT 1' }),
        });
        n++;
        // POST /api/sql is the read-only query endpoint: a SELECT is answered 200 by design.
        const sqlRead = method === 'POST' && p.startsWith('/api/sql');
        if (!sqlRead && ![404, 405].includes(r.status)) unexpected.push(`${method} ${p}: ${r.status}`);
      }
    }
    expect(n).toBeGreaterThanOrEqual(150);
    expect(unexpected).toEqual([]);
    expect(await snapshot(data)).toEqual(before);
  });
});

describe('the CLI audits every admin action', () => {
  it('run, rules approve, rollback and seal each append one audit entry, in order', async () => {
    const env = { PUBLISHER_KEY: TEST_KEY };
    const start = (await readAudit(data)).length;
    const before = await currentTarget(data);

    const run = await runCli(['run'], { cwd, env });
    expect(run.code, run.stderr).toBe(0);
    const released = (JSON.parse(run.stdout) as { releaseId: string }).releaseId;
    const approve = await runCli(['rules', 'approve', 'X1', '--by', 'Privacy Officer', '--note', 'reviewed in the resilience suite'], { cwd, env });
    expect(approve.code, approve.stderr).toBe(0);
    const rollback = await runCli(['rollback'], { cwd, env });
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(await currentTarget(data)).toBe(before);
    const seal = await runCli(['seal'], { cwd, env });
    expect(seal.code, seal.stderr).toBe(0);
    expect(JSON.parse(seal.stdout)).toEqual([]);

    const entries = (await readAudit(data)).slice(start);
    expect(entries.map((e) => e.action)).toEqual(['run', 'rules.approve', 'rollback', 'seal']);
    expect(entries[1].details).toMatchObject({ rule: 'X1', by: 'Privacy Officer', note: 'reviewed in the resilience suite' });
    expect(entries[2].details).toMatchObject({ from: released, to: before });
    for (const e of entries) {
      expect(Date.parse(e.at)).not.toBeNaN();
      expect(e.actor).toBeTruthy();
    }
    // A refused admin action (a usage error) is not audited as done.
    const bad = await runCli(['rules', 'approve', 'X1'], { cwd, env });
    expect(bad.code).toBe(2);
    expect((await readAudit(data)).length).toBe(start + 4);
  });
});
