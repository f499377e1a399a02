// X5, X6: exclude_status drops sealed rows (fail-closed); only_final keeps approved rows past the embargo.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { excludeStatus, onlyFinal } from '../../rules/techniques/row-filters.ts';
import { keptRows, openDuck, type Duck } from './duck.ts';

let duck: Duck;
beforeAll(async () => {
  duck = await openDuck();
});
afterAll(() => duck.close());

describe('exclude_status', () => {
  const cols = { record_status: 'text' } as const;
  const params = { field: 'record_status', values: ['SEALED'] };

  it('removes sealed rows and keeps active ones', async () => {
    expect(await keptRows(duck, excludeStatus, cols, [['ACTIVE'], ['SEALED'], ['ACTIVE'], ['SEALED']], params)).toEqual([0, 2]);
  });

  it('a row with no status is withheld (fail closed)', async () => {
    expect(await keptRows(duck, excludeStatus, cols, [[null], ['ACTIVE']], params)).toEqual([1]);
  });

  it('several values and quoted values are excluded', async () => {
    const p = { field: 'record_status', values: ['SEALED', "EXPUNGED'X"] };
    expect(await keptRows(duck, excludeStatus, cols, [['SEALED'], ["EXPUNGED'X"], ['ACTIVE']], p)).toEqual([2]);
  });
});

describe('only_final', () => {
  const cols = { approval_status: 'text', reported_at: 'timestamp' } as const;
  const params = { field: 'approval_status', finalValue: 'APPROVED', timeField: 'reported_at', embargoDays: 7 };
  const NOW = '2025-01-15T12:00:00Z';
  const keep = (rows: unknown[][], p: object = params, now = NOW) => keptRows(duck, onlyFinal, cols, rows, p, now);

  it('keeps approved rows reported at least 7 days before now; the boundary instant is kept', async () => {
    const rows = [
      ['APPROVED', '2025-01-01 00:00:00+00'],
      ['APPROVED', '2025-01-08 12:00:00+00'],
      ['APPROVED', '2025-01-08 12:00:01+00'],
      ['APPROVED', '2025-01-15 11:00:00+00'],
    ];
    expect(await keep(rows)).toEqual([0, 1]);
  });

  it('the boundary holds for an instant written in another zone', async () => {
    const rows = [['APPROVED', '2025-01-08 04:00:00-08'], ['APPROVED', '2025-01-08 04:00:01-08']];
    expect(await keep(rows)).toEqual([0]);
  });

  it('pending, unknown and undated rows are never published, however old', async () => {
    const rows = [['PENDING', '2020-01-01 00:00:00+00'], [null, '2020-01-01 00:00:00+00'], ['APPROVED', null], ['approved', '2020-01-01 00:00:00+00']];
    expect(await keep(rows)).toEqual([]);
  });

  it('follows embargoDays and the run clock', async () => {
    const rows = [['APPROVED', '2025-01-14 12:00:00+00'], ['APPROVED', '2025-01-15 12:00:00+00']];
    expect(await keep(rows, { ...params, embargoDays: 1 })).toEqual([0]);
    expect(await keep(rows, { ...params, embargoDays: 0 })).toEqual([0, 1]);
    expect(await keep(rows, params, '2025-01-22T12:00:00Z')).toEqual([0, 1]);
  });

  it('defaults to a 7-day embargo', () => {
    expect(onlyFinal.params.parse({ field: 'a', finalValue: 'b', timeField: 'c' }).embargoDays).toBe(7);
  });
});
