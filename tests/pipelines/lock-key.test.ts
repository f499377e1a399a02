// The run lock (one run at a time, stale locks taken over) and the pseudonym key (env or a
// mode-600 file created once).
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPublisherKey } from '../../pipelines/key.ts';
import { acquireRunLock, RunInProgressError } from '../../pipelines/lock.ts';
import { tempDir } from '../helpers/pipeline.ts';

describe('acquireRunLock', () => {
  it('refuses a second run while the first holds the lock, and frees it on release', async () => {
    const dir = await tempDir('lock');
    const release = await acquireRunLock(dir);
    await writeFile(path.join(dir, 'run.lock'), String(process.ppid));
    await expect(acquireRunLock(dir)).rejects.toBeInstanceOf(RunInProgressError);
    await release();
    const again = await acquireRunLock(dir);
    await again();
  });

  it('takes over a lock whose process is gone', async () => {
    const dir = await tempDir('lock-stale');
    await writeFile(path.join(dir, 'run.lock'), '2147483646');
    const release = await acquireRunLock(dir);
    expect(await readFile(path.join(dir, 'run.lock'), 'utf8')).toBe(String(process.pid));
    await release();
  });
});

describe('loadPublisherKey', () => {
  it('creates a random key once, with mode 600, and reuses it', async () => {
    const dir = await tempDir('key');
    const a = await loadPublisherKey(dir, {});
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(path.join(dir, 'publisher.key'))).mode & 0o777).toBe(0o600);
    expect(await loadPublisherKey(dir, {})).toBe(a);
    expect(await loadPublisherKey(await tempDir('key2'), {})).not.toBe(a);
  });

  it('prefers PUBLISHER_KEY and refuses a malformed one', async () => {
    const dir = await tempDir('key-env');
    expect(await loadPublisherKey(dir, { PUBLISHER_KEY: 'AB'.repeat(16) })).toBe('ab'.repeat(16));
    await expect(loadPublisherKey(dir, { PUBLISHER_KEY: 'not-hex' })).rejects.toThrow(/PUBLISHER_KEY/);
  });
});
