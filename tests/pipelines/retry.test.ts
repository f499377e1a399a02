// withRetry: a source that is down is retried with exponential backoff; rule, privacy and lock
// errors are final. Sleep is injected, so backoff timing is checked without waiting.
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../pipelines/io.ts';
import { RunInProgressError } from '../../pipelines/lock.ts';
import { backoffMs, isSourceUnreachable, withRetry } from '../../pipelines/retry.ts';
import { UnapprovedChangeError } from '../../pipelines/rule-changes.ts';
import { ScanBlockedError } from '../../publisher/scan.ts';

function recorder() {
  const slept: number[] = [];
  return { slept, sleep: async (ms: number) => void slept.push(ms) };
}

const failing = (errors: Error[], result = 'done') => {
  let calls = 0;
  const fn = async () => {
    const e = errors[calls++];
    if (e) throw e;
    return result;
  };
  return { fn, calls: () => calls };
};

describe('isSourceUnreachable', () => {
  it('says yes for a source that cannot be reached', () => {
    expect(isSourceUnreachable(new Error('records database unreachable at db:5432: timeout'))).toBe(true);
    expect(isSourceUnreachable(new Error('connect ECONNREFUSED 127.0.0.1:5432'))).toBe(true);
    expect(isSourceUnreachable(Object.assign(new Error('socket hang up'), { code: 'ETIMEDOUT' }))).toBe(true);
    expect(isSourceUnreachable(new Error('no batches in /mnt/records: the folder does not exist'))).toBe(true);
  });

  it('says no for rule, privacy, approval and lock errors, whatever their message', () => {
    expect(isSourceUnreachable(new Error('X3 scan gate: 2 hits'))).toBe(false);
    expect(isSourceUnreachable(new Error('rule X8 failed: k=3 < 5'))).toBe(false);
    const scan = Object.create(ScanBlockedError.prototype, { message: { value: 'release blocked; source unreachable?' } }) as Error;
    expect(isSourceUnreachable(scan)).toBe(false);
    expect(isSourceUnreachable(new RunInProgressError('another run holds the lock; db unreachable'))).toBe(false);
    const unapproved = Object.create(UnapprovedChangeError.prototype, { message: { value: 'unreachable' } }) as Error;
    expect(isSourceUnreachable(unapproved)).toBe(false);
    expect(isSourceUnreachable('unreachable')).toBe(false);
  });
});

describe('withRetry', () => {
  it('retries an unreachable source with exponential backoff capped at maxMs, then succeeds', async () => {
    const { slept, sleep } = recorder();
    const log = memoryLogger();
    const down = new Error('records database unreachable at db:5432: connect ECONNREFUSED');
    const f = failing([down, down, down, down]);
    const out = await withRetry(f.fn, { attempts: 6, baseMs: 1000, maxMs: 5000, sleep, log, label: 'offenses' });
    expect(out).toBe('done');
    expect(f.calls()).toBe(5);
    expect(slept).toEqual([1000, 2000, 4000, 5000]);
    expect(log.lines).toHaveLength(4);
    expect(log.lines[0]).toMatch(/^warn: offenses: attempt 1 of 6 failed \(records database unreachable.*\); retrying in 1 s$/);
  });

  it('gives up after `attempts` tries and rethrows the last error', async () => {
    const { slept, sleep } = recorder();
    const errs = [new Error('ETIMEDOUT 1'), new Error('ETIMEDOUT 2'), new Error('ETIMEDOUT 3')];
    const f = failing(errs);
    await expect(withRetry(f.fn, { attempts: 3, baseMs: 10, maxMs: 1000, sleep })).rejects.toBe(errs[2]);
    expect(f.calls()).toBe(3);
    expect(slept).toEqual([10, 20]);
  });

  it('stops at once on any other error', async () => {
    const { slept, sleep } = recorder();
    const rule = new Error('rule X5: embargo column missing');
    const f = failing([rule]);
    await expect(withRetry(f.fn, { attempts: 5, baseMs: 10, maxMs: 1000, sleep })).rejects.toBe(rule);
    expect(f.calls()).toBe(1);
    expect(slept).toEqual([]);
  });

  it('stops when a retried source comes back with a non-retryable failure', async () => {
    const { slept, sleep } = recorder();
    const privacy = Object.create(ScanBlockedError.prototype, { message: { value: 'scan blocked the release' } }) as Error;
    const f = failing([new Error('no batches in /records'), privacy]);
    await expect(withRetry(f.fn, { attempts: 5, baseMs: 10, maxMs: 1000, sleep })).rejects.toBe(privacy);
    expect(f.calls()).toBe(2);
    expect(slept).toEqual([10]);
  });

  it('takes a custom isRetryable, and attempts: 1 means no retry', async () => {
    const { slept, sleep } = recorder();
    const f = failing([new Error('flaky')]);
    expect(await withRetry(f.fn, { attempts: 2, baseMs: 7, maxMs: 7, sleep, isRetryable: () => true })).toBe('done');
    expect(slept).toEqual([7]);
    const g = failing([new Error('ECONNREFUSED')]);
    await expect(withRetry(g.fn, { attempts: 1, baseMs: 7, maxMs: 7, sleep })).rejects.toThrow('ECONNREFUSED');
  });

  it('computes backoff as base·2^(n−1), at most max', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, { baseMs: 30_000, maxMs: 600_000 }))).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 600_000]);
  });
});

describe('scheduleDatasets with retries', () => {
  it('retries a scheduled run whose source is down, and still never overlaps runs', async () => {
    const { scheduleDatasets } = await import('../../pipelines/schedule.ts');
    const log = memoryLogger();
    let calls = 0;
    let running = 0;
    let maxRunning = 0;
    const scheduler = scheduleDatasets(
      [{ id: 'aaaa-1111', slug: 'a', schedule: '* * * * * *' }],
      'UTC',
      async () => {
        calls++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        if (calls <= 2) throw new Error('records database unreachable at db:5432');
      },
      log,
      { retry: { attempts: 3, baseMs: 50, maxMs: 50 } },
    );
    await new Promise((r) => setTimeout(r, 1500));
    scheduler.stop();
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(log.lines.filter((l) => /attempt \d of 3 failed/.test(l))).toHaveLength(2);
    expect(log.lines.some((l) => l.startsWith('error:'))).toBe(false);
    expect(maxRunning).toBe(1);
    expect(scheduler.nextRuns()[0].id).toBe('aaaa-1111');
  });
});
