// `publisher rollback`: back to a retained release, audited; refuses what is not retained, and
// does not switch when it cannot apply the seal list to the target first.
import { mkdir, readlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readAudit } from '../../pipelines/audit.ts';
import { rollback } from '../../pipelines/rollback.ts';
import { demoDrop, runOnce, tempDir } from '../helpers/pipeline.ts';

describe('rollback', () => {
  it('serves the previous release again and records who did it', async () => {
    const source = await demoDrop({ scale: 0.001 });
    const data = await tempDir('rollback');
    const first = await runOnce(source, data);
    const second = await runOnce(source, data, { clock: () => new Date('2026-11-15T00:00:00Z') });
    expect(await rollback(data)).toEqual({ from: second.releaseId, to: first.releaseId, sealed: {} });
    expect(path.basename(await readlink(path.join(data, 'current')))).toBe(first.releaseId);
    const [entry] = await readAudit(data);
    expect(entry).toMatchObject({ action: 'rollback', details: { from: second.releaseId, to: first.releaseId, sealed: {} } });
    await expect(rollback(data)).rejects.toThrow(/no earlier release/);
    await expect(rollback(data, '19990101T000000Z')).rejects.toThrow(/not retained/);
    expect((await rollback(data, second.releaseId)).to).toBe(second.releaseId);
    // The privacy office reads the log with `publisher audit`.
    const out = spawnSync(process.execPath, [path.resolve('bin/publisher.js'), 'audit', '--json', '--data', data], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout).map((e: { action: string }) => e.action)).toEqual(['rollback', 'rollback']);
  });

  it('keeps the current release serving when the seal list cannot be applied to the target', async () => {
    const source = await demoDrop({ scale: 0.001 });
    const data = await tempDir('rollback-seal');
    const first = await runOnce(source, data);
    const second = await runOnce(source, data, { clock: () => new Date('2026-11-15T00:00:00Z') });
    await mkdir(path.join(data, 'sealing'), { recursive: true });
    await writeFile(path.join(data, 'sealing', 'c911-call.keys.parquet'), 'not a parquet file');
    await expect(rollback(data, first.releaseId)).rejects.toThrow(/c911-call\.keys\.parquet/);
    expect(path.basename(await readlink(path.join(data, 'current')))).toBe(second.releaseId);
    expect(await readAudit(data)).toEqual([]);
  });
});
