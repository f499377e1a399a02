// U2, U3: k_group_guard needs k distinct people per group; group_index numbers people within one incident only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupIndex } from '../../rules/techniques/group-index.ts';
import { kGroupGuard } from '../../rules/techniques/k-group-guard.ts';
import { openDuck, runStep, type Duck } from './duck.ts';

let duck: Duck;
beforeAll(async () => {
  duck = await openDuck();
});
afterAll(() => duck.close());

describe('k_group_guard', () => {
  const COLS = { precinct: 'text', serial: 'text', race: 'text', sex: 'text' } as const;
  const PARAMS = { k: 5, distinct: 'serial', groupBy: ['precinct', 'race', 'sex'] };
  const guard = (rows: unknown[][], params: object = PARAMS) => runStep(duck, kGroupGuard, { cols: COLS, rows, field: 'race', params });
  const officers = (precinct: string, race: string, sex: string, serials: string[]) => serials.map((s) => [precinct, s, race, sex]);

  it('publishes a value only where at least k distinct people share the group', async () => {
    const five = officers('NORTH', 'WHITE', 'M', ['S1', 'S2', 'S3', 'S4', 'S5']);
    const four = officers('NORTH', 'ASIAN', 'F', ['S6', 'S7', 'S8', 'S9']);
    const out = await guard([...five, ...four]);
    expect(out).toEqual([...five.map(() => 'WHITE'), ...four.map(() => null)]);
  });

  it('counts distinct people, not rows: one officer in many incidents stays hidden', async () => {
    const rows = [...officers('EAST', 'NATIVE', 'F', Array(12).fill('S42')), ...officers('EAST', 'NATIVE', 'F', ['S43', 'S44', 'S45'])];
    expect(new Set(await guard(rows))).toEqual(new Set([null]));
  });

  it('groups by every groupBy field: the same race and sex in another precinct does not count', async () => {
    const rows = [...officers('NORTH', 'BLACK', 'M', ['S1', 'S2', 'S3']), ...officers('SOUTH', 'BLACK', 'M', ['S4', 'S5', 'S6'])];
    expect(new Set(await guard(rows))).toEqual(new Set([null]));
    const byRaceOnly = await guard(rows, { ...PARAMS, groupBy: ['race'] });
    expect(new Set(byRaceOnly)).toEqual(new Set(['BLACK']));
  });

  it('honours k exactly at the boundary', async () => {
    const rows = officers('WEST', 'HISPANIC', 'F', ['A', 'B', 'C']);
    expect(await guard(rows, { ...PARAMS, k: 3 })).toEqual(['HISPANIC', 'HISPANIC', 'HISPANIC']);
    expect(await guard(rows, { ...PARAMS, k: 4 })).toEqual([null, null, null]);
  });

  it('the schema refuses k below 2 and an empty group', () => {
    expect(kGroupGuard.params.safeParse({ ...PARAMS, k: 1 }).success).toBe(false);
    expect(kGroupGuard.params.safeParse({ ...PARAMS, groupBy: [] }).success).toBe(false);
  });
});

describe('group_index', () => {
  const COLS = { incident: 'text', person: 'text' } as const;
  const index = (rows: [string, string | null][]) =>
    runStep(duck, groupIndex, { cols: COLS, rows, field: 'person', params: { groupBy: 'incident' }, outputType: 'integer', sensitivity: 'direct' });
  const nums = async (rows: [string, string | null][]) => (await index(rows)).map((v) => (v === null ? null : Number(v)));

  it('numbers people 1..n within each incident', async () => {
    expect(await nums([['I1', 'P7'], ['I1', 'P3'], ['I1', 'P9'], ['I2', 'P5']])).toEqual([2, 1, 3, 1]);
  });

  it('the same person in two incidents can get index 1 in both: no cross-incident link', async () => {
    const out = await nums([['I1', 'P100'], ['I2', 'P100'], ['I3', 'P100'], ['I3', 'P001']]);
    expect(out).toEqual([1, 1, 2, 1]);
  });

  it('two officers on one subject give that subject one index in the incident', async () => {
    expect(await nums([['I1', 'P2'], ['I1', 'P2'], ['I1', 'P1']])).toEqual([2, 2, 1]);
  });

  it('the index carries nothing of the person id; null stays null', async () => {
    const rows: [string, string | null][] = [['I1', 'P-555-0199'], ['I2', 'JOHN DOE'], ['I2', null]];
    const out = await index(rows);
    expect(out.map((v) => (v === null ? null : Number(v)))).toEqual([1, 1, null]);
    for (const v of out) expect(String(v)).toMatch(/^(\d+|null)$/);
  });

  it('across incidents one person can get different indexes and one index can be different people', async () => {
    const rows: [string, string | null][] = [['I1', 'ALICE'], ['I1', 'CAROL'], ['I2', 'ALICE'], ['I2', 'AARON']];
    expect(await nums(rows)).toEqual([1, 2, 2, 1]);
  });
});
