// The brief's year-to-date windows (relative to the data, same length both years), its SoQL links
// and small-cell display.
import { describe, expect, it } from 'vitest';
import { GROUPS, isSmall, MIN_CELL, responseQuery } from '../../../site/brief/brief.ts';
import { and, between, lit, soqlUrl, sqlText } from '../../../site/brief/soql.ts';
import { percentChange, ytdWindow } from '../../../site/brief/window.ts';

describe('ytdWindow', () => {
  it('runs from 1 January to the end of the latest date, against the same days a year earlier', () => {
    const w = ytdWindow('2026-11-20T09:00:00');
    expect(w.asOf).toBe('2026-11-20');
    expect(w.days).toBe(324);
    expect(w.current).toEqual({ start: '2026-01-01T00:00:00', end: '2026-11-20T23:59:59' });
    expect(w.previous).toEqual({ start: '2025-01-01T00:00:00', end: '2025-11-20T23:59:59' });
  });

  it('keeps both periods the same length across a leap year', () => {
    const w = ytdWindow('2024-03-01');
    expect(w.days).toBe(61);
    expect(w.previous).toEqual({ start: '2023-01-01T00:00:00', end: '2023-03-02T23:59:59' });
    const after = ytdWindow('2025-03-01');
    expect(after.days).toBe(60);
    expect(after.previous.end).toBe('2024-02-29T23:59:59');
  });

  it('handles 1 January and 31 December', () => {
    expect(ytdWindow('2026-01-01T00:00:00').days).toBe(1);
    expect(ytdWindow('2026-01-01').previous).toEqual({ start: '2025-01-01T00:00:00', end: '2025-01-01T23:59:59' });
    expect(ytdWindow('2026-12-31').previous.end).toBe('2025-12-31T23:59:59');
  });

  it('rejects things that are not dates', () => {
    expect(() => ytdWindow('yesterday')).toThrow(/not a date/);
    expect(() => ytdWindow('2026-02-30')).toThrow(/not a date/);
  });

  it('computes percent change only with a base', () => {
    expect(percentChange(12, 10)).toBeCloseTo(20);
    expect(percentChange(5, 0)).toBeNull();
  });
});

describe('SoQL links', () => {
  it('builds a count query on /resource/{id}.json with a between and a code condition', () => {
    const where = and(between('occurred_hour', { start: '2026-01-01T00:00:00', end: '2026-11-20T23:59:59' }), "nibrs_code='09A'");
    expect(where).toBe("occurred_hour between '2026-01-01T00:00:00' and '2026-11-20T23:59:59' AND nibrs_code='09A'");
    const url = soqlUrl('nibr-offs', { select: 'count(*)', where });
    expect(url.startsWith('/resource/nibr-offs.json?$select=count(*)&$where=')).toBe(true);
    expect(new URL(url, 'http://x').searchParams.get('$where')).toBe(where);
    expect(sqlText('nibr-offs', { select: 'count(*)', where })).toBe(`SELECT count(*)\nFROM "nibr-offs"\nWHERE ${where}`);
  });

  it('quotes literals the SoQL way', () => {
    expect(lit("O'Brien")).toBe("'O''Brien'");
  });

  it('groups response times by priority', () => {
    const q = responseQuery({ start: '2026-01-01T00:00:00', end: '2026-02-01T23:59:59' });
    const url = new URL(soqlUrl('c911-call', q), 'http://x');
    expect(url.searchParams.get('$select')).toBe('priority, count(*), median(response_minutes)');
    expect(url.searchParams.get('$group')).toBe('priority');
    expect(url.searchParams.get('$where')).toContain("call_source='911'");
  });

  it('defines shootings without matching "NO SHOOTINGS" call types', () => {
    const shootings = GROUPS.find((g) => g.key === 'shootings')!;
    expect(shootings.datasetId).toBe('c911-call');
    expect(shootings.condition).not.toMatch(/'%SHOOTING/);
    expect(GROUPS.filter((g) => g.datasetId === 'nibr-offs').map((g) => g.condition)).toEqual([
      "nibrs_code='09A'",
      "nibrs_code='120'",
      "nibrs_code='13A'",
      "nibrs_code='220'",
      "nibrs_code='240'",
    ]);
  });
});

describe('small cells', () => {
  it('treats 1 to 10 as small (rule X7 threshold 11), not 0 or 11', () => {
    expect(MIN_CELL).toBe(11);
    expect([0, 1, 10, 11].map(isSmall)).toEqual([false, true, true, false]);
  });
});
