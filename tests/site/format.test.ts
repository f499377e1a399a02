// Relative ages and the moment their text changes (pages showing an age are kept until then).
import { describe, expect, it } from 'vitest';
import { ageChangesAt, formatAge } from '../../site/format.ts';

const THEN = '2025-03-01T06:00:00Z';
const t = (iso: string) => new Date(iso);

describe('ageChangesAt', () => {
  it.each([
    ['2025-03-04T12:00:00Z', '2025-03-05T05:59:59.501Z', '3 days ago', '4 days ago'],
    ['2025-03-01T06:00:20Z', '2025-03-01T06:00:20.501Z', '20 seconds ago', '21 seconds ago'],
    ['2025-03-01T06:59:00Z', '2025-03-01T06:59:59.501Z', '59 minutes ago', '1 hour ago'],
    ['2025-03-30T06:00:00Z', '2025-03-31T05:59:59.501Z', '29 days ago', 'last month'],
    ['2026-02-26T06:00:00Z', '2026-03-01T05:59:59.501Z', '12 months ago', 'last year'],
  ])('at %s the age reads the same until %s', (now, until, before, after) => {
    const changes = ageChangesAt(THEN, t(now));
    expect(new Date(changes).toISOString()).toBe(until);
    expect(formatAge(THEN, t(now))).toBe(before);
    expect(formatAge(THEN, new Date(changes - 1))).toBe(before);
    expect(formatAge(THEN, new Date(changes))).toBe(after);
  });

  it('matches formatAge over many ages', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const then = Date.parse(THEN);
    for (let i = 0; i < 2000; i++) {
      const now = new Date(then + Math.floor(rand() * [90e3, 7200e3, 40 * 864e5, 800 * 864e5][i % 4]));
      const changes = ageChangesAt(THEN, now);
      expect(formatAge(THEN, new Date(changes - 1))).toBe(formatAge(THEN, now));
      expect(formatAge(THEN, new Date(changes))).not.toBe(formatAge(THEN, now));
    }
  });

  it('re-checks a future time every second and never expires an unreadable one', () => {
    expect(ageChangesAt('2025-03-02T00:00:00Z', t(THEN))).toBe(Date.parse(THEN) + 1000);
    expect(ageChangesAt('not a date', t(THEN))).toBe(Infinity);
  });
});
