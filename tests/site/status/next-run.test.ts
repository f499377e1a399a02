// The next scheduled run from a fixed clock, in the agency's time zone, across DST changes, and
// agreeing with node-cron's own next-run computation; the schedule in words.
import cron from 'node-cron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeCron, nextRun } from '../../../pipelines/schedule.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('nextRun', () => {
  it('is the next daily run in the agency time zone, strictly after the clock', () => {
    const tz = 'America/Los_Angeles';
    expect(iso(nextRun('15 3 * * *', tz, new Date('2026-11-14T12:00:00Z')))).toBe('2026-11-15T11:15:00.000Z');
    expect(iso(nextRun('15 3 * * *', tz, new Date('2026-11-15T11:14:59Z')))).toBe('2026-11-15T11:15:00.000Z');
    expect(iso(nextRun('15 3 * * *', tz, new Date('2026-11-15T11:15:00Z')))).toBe('2026-11-16T11:15:00.000Z');
  });

  it('follows the offset change: 03:15 local is 10:15Z in summer and 11:15Z in winter', () => {
    const tz = 'America/Los_Angeles';
    expect(iso(nextRun('15 3 * * *', tz, new Date('2026-10-31T12:00:00Z')))).toBe('2026-11-01T11:15:00.000Z'); // after fall-back
    expect(iso(nextRun('15 3 * * *', tz, new Date('2026-03-07T12:00:00Z')))).toBe('2026-03-08T10:15:00.000Z'); // after spring-forward
  });

  it('skips a wall-clock time that spring-forward removes', () => {
    // 2026-03-08 02:30 does not exist in New York; the next 02:30 is on the 9th (EDT).
    expect(iso(nextRun('30 2 * * *', 'America/New_York', new Date('2026-03-07T12:00:00Z')))).toBe('2026-03-09T06:30:00.000Z');
  });

  it('runs a wall-clock time that fall-back repeats once, at its first occurrence', () => {
    const first = nextRun('30 1 * * *', 'America/New_York', new Date('2026-10-31T12:00:00Z'));
    expect(iso(first)).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
    expect(iso(nextRun('30 1 * * *', 'America/New_York', first!))).toBe('2026-11-02T06:30:00.000Z'); // not 01:30 EST the same night
  });

  it('handles weekly, monthly, leap-day and six-field expressions', () => {
    expect(iso(nextRun('0 7 * * 1', 'America/Chicago', new Date('2025-03-08T13:00:00Z')))).toBe('2025-03-10T12:00:00.000Z');
    expect(iso(nextRun('0 6 1 * *', 'UTC', new Date('2025-01-31T00:00:00Z')))).toBe('2025-02-01T06:00:00.000Z');
    expect(iso(nextRun('0 2 29 2 *', 'UTC', new Date('2025-03-01T00:00:00Z')))).toBe('2028-02-29T02:00:00.000Z');
    expect(iso(nextRun('30 15 3 * * *', 'UTC', new Date('2025-03-01T00:00:00Z')))).toBe('2025-03-01T03:15:30.000Z');
    expect(() => nextRun('every night', 'UTC', new Date())).toThrow();
  });

  describe('agrees with node-cron', () => {
    afterEach(() => {
      vi.useRealTimers();
    });
    const cases: [string, string, string][] = [
      ['15 3 * * *', 'America/Los_Angeles', '2026-11-14T12:00:00Z'],
      ['30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z'],
      ['30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z'],
      ['0 7 * * 1', 'America/Chicago', '2025-03-08T13:00:00Z'],
      ['0 9 * * mon-fri', 'Europe/London', '2025-03-29T23:00:00Z'],
      ['0 0 L * *', 'Australia/Sydney', '2025-04-05T10:00:00Z'],
      ['*/20 * * * *', 'Asia/Kolkata', '2025-06-01T00:05:00Z'],
    ];
    for (const [expr, tz, at] of cases) {
      it(`${expr} in ${tz} from ${at}`, () => {
        vi.useFakeTimers({ toFake: ['Date'], now: new Date(at) });
        const task = cron.createTask(expr, () => {}, { timezone: tz });
        const theirs = task.getNextRuns(3);
        let from = new Date(at);
        const ours: Date[] = [];
        for (let i = 0; i < 3; i++) ours.push((from = nextRun(expr, tz, from)!));
        expect(ours.map(iso)).toEqual(theirs.map(iso));
      });
    }
  });
});

describe('describeCron', () => {
  it('puts the common shapes in words', () => {
    expect(describeCron('15 3 * * *')).toBe('Every day at 3:15 a.m.');
    expect(describeCron('0 15 * * *')).toBe('Every day at 3:00 p.m.');
    expect(describeCron('0 0 * * *')).toBe('Every day at 12:00 a.m.');
    expect(describeCron('0 7 * * 1')).toBe('Every Monday at 7:00 a.m.');
    expect(describeCron('0 9 * * mon-fri')).toBe('Every weekday (Monday to Friday) at 9:00 a.m.');
    expect(describeCron('0 6 1 * *')).toBe('On the 1st day of the month at 6:00 a.m.');
    expect(describeCron('0 * * * *')).toBe('Every hour, on the hour');
    expect(describeCron('0 3,15 * * *')).toBe('Every day at 3:00 a.m. and 3:00 p.m.');
  });

  it('falls back to the expression for anything else', () => {
    expect(describeCron('*/5 * * * *')).toBe('On the cron schedule */5 * * * *');
    expect(describeCron('nonsense')).toBe('On the cron schedule nonsense');
  });
});
