// C4, I2: redact_when and its predicate language: in, equals, lessThan, containsWord, any/all, escaping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Predicate } from '../../rules/techniques/predicate.ts';
import { redactWhen } from '../../rules/techniques/redact-when.ts';
import { openDuck, runStep, type Duck } from './duck.ts';

let duck: Duck;
beforeAll(async () => {
  duck = await openDuck();
});
afterAll(() => duck.close());

const COLS = { call_type: 'text', code: 'text', dv: 'boolean', age: 'integer', beat: 'text', lat: 'double' } as const;
type R = [call_type: string | null, code: string | null, dv: boolean | null, age: number | null, beat: string, lat: number];

/** Which rows (by beat label) a predicate redacts, running redact_when on the beat column. */
async function redacted(when: unknown, rows: R[]): Promise<string[]> {
  const out = await runStep(duck, redactWhen, { cols: COLS, rows, field: 'beat', params: { when } });
  out.forEach((v, i) => expect(v === 'REDACTED' || v === rows[i][4]).toBe(true));
  return rows.filter((_, i) => out[i] === 'REDACTED').map((r) => r[4]);
}

const row = (beat: string, o: Partial<{ t: string | null; c: string | null; dv: boolean | null; age: number | null }> = {}): R =>
  [o.t ?? null, o.c ?? null, o.dv ?? null, o.age ?? null, beat, 47.6];

describe('predicate leaves', () => {
  it('in: matches listed codes only; null never matches', async () => {
    const rows = [row('a', { c: '11A' }), row('b', { c: '13A' }), row('c', { c: '36B' }), row('d'), row('e', { c: '11a' })];
    expect(await redacted({ field: 'code', in: ['11A', '11B', '36B'] }, rows)).toEqual(['a', 'c']);
  });

  it('in: numbers are compared as text', async () => {
    expect(await redacted({ field: 'age', in: [12, 13] }, [row('a', { age: 12 }), row('b', { age: 14 })])).toEqual(['a']);
  });

  it('equals: booleans and strings; null and false never match', async () => {
    const rows = [row('a', { dv: true }), row('b', { dv: false }), row('c', { dv: null })];
    expect(await redacted({ field: 'dv', equals: true }, rows)).toEqual(['a']);
    expect(await redacted({ field: 'code', equals: '64A' }, [row('a', { c: '64A' }), row('b', { c: '64AB' })])).toEqual(['a']);
  });

  it('lessThan: 17 matches, 18 does not, null does not', async () => {
    const rows = [row('a', { age: 0 }), row('b', { age: 17 }), row('c', { age: 18 }), row('d', { age: 40 }), row('e')];
    expect(await redacted({ field: 'age', lessThan: 18 }, rows)).toEqual(['a', 'b']);
  });

  it('containsWord: whole words, any case, anywhere', async () => {
    const when = { field: 'call_type', containsWord: ['DV', 'SEX', 'CHILD', 'DEAD BODY', 'WELFARE'] };
    const rows = [
      row('dv-assault', { t: 'DV - ASSAULT' }), row('advised', { t: 'ADVISED' }), row('dv-lower', { t: 'assault (dv)' }),
      row('adv-lower', { t: 'advised of rights' }), row('dv-end', { t: 'ASSAULT-DV' }), row('dv-only', { t: 'DV' }),
      row('sussex', { t: 'SUSSEX ST PARKING' }), row('sex', { t: 'SEX OFFENSE' }), row('sexual', { t: 'SEXUAL ASSAULT' }),
      row('dead-body', { t: 'DEAD BODY FOUND' }), row('dead-battery', { t: 'DEAD BATTERY BODY SHOP' }),
      row('welfare', { t: 'WELFARE CHECK' }), row('child', { t: 'CHILD ABUSE' }), row('dvd', { t: 'DVD THEFT' }),
      row('null'),
    ];
    expect(await redacted(when, rows)).toEqual(['dv-assault', 'dv-lower', 'dv-end', 'dv-only', 'sex', 'dead-body', 'welfare', 'child']);
  });

  it('containsWord treats a catalog word literally, not as a pattern', async () => {
    const when = { field: 'call_type', containsWord: ['A/B', 'X-RAY'] };
    const rows = [row('slash', { t: 'CODE A/B' }), row('aab', { t: 'CODE AAB' }), row('xray', { t: 'X-RAY' }), row('xxray', { t: 'XXRAY' })];
    expect(await redacted(when, rows)).toEqual(['slash', 'xray']);
  });
});

describe('any / all', () => {
  const rows = [row('sex', { c: '11A', age: 30 }), row('kid', { c: '13A', age: 12 }), row('dv', { c: '13B', dv: true }),
    row('plain', { c: '13A', age: 30, dv: false }), row('kid-sex', { c: '11A', age: 9 })];

  it('any: one matching branch suffices (the I2 shape)', async () => {
    const when = { any: [{ field: 'code', in: ['11A'] }, { field: 'dv', equals: true }, { field: 'age', lessThan: 18 }] };
    expect(await redacted(when, rows)).toEqual(['sex', 'kid', 'dv', 'kid-sex']);
  });

  it('all: every branch must match; nesting works', async () => {
    expect(await redacted({ all: [{ field: 'code', in: ['11A'] }, { field: 'age', lessThan: 18 }] }, rows)).toEqual(['kid-sex']);
    const nested = { all: [{ field: 'code', in: ['13A', '13B'] }, { any: [{ field: 'dv', equals: true }, { field: 'age', lessThan: 18 }] }] };
    expect(await redacted(nested, rows)).toEqual(['kid', 'dv']);
  });
});

describe('redact_when output', () => {
  it('text columns read the replacement; non-text columns become NULL', async () => {
    const rows: R[] = [row('a', { c: '11A' }), row('b', { c: '13A' })];
    const when = { field: 'code', in: ['11A'] };
    expect(await runStep(duck, redactWhen, { cols: COLS, rows, field: 'lat', outputType: 'number', params: { when } })).toEqual([null, 47.6]);
    expect(await runStep(duck, redactWhen, { cols: COLS, rows, field: 'beat', params: { when, replacement: 'WITHHELD' } })).toEqual(['WITHHELD', 'b']);
    expect(await runStep(duck, redactWhen, { cols: COLS, rows, field: 'beat', params: { when, replacement: null } })).toEqual([null, 'b']);
  });

  it('a text column over a non-text value (an age before banding) still runs and redacts', async () => {
    const rows: R[] = [row('a', { age: 12 }), row('b', { age: 34 })];
    const out = await runStep(duck, redactWhen, { cols: COLS, rows, field: 'age', params: { when: { field: 'age', lessThan: 18 } } });
    expect(out).toEqual(['REDACTED', '34']);
  });

  it('escapes quotes in catalog values (no SQL injection)', async () => {
    const rows = [row('a', { t: "O'BRIEN ST" , c: "O'Brien" }), row('b', { c: 'x' }), row('c', { c: "x') OR TRUE --" })];
    expect(await redacted({ field: 'code', in: ["O'Brien"] }, rows)).toEqual(['a']);
    expect(await redacted({ field: 'code', equals: "x' OR '1'='1" }, rows)).toEqual([]);
    expect(await redacted({ field: 'code', in: ["x') OR TRUE --"] }, rows)).toEqual(['c']);
    expect(await redacted({ field: 'call_type', containsWord: ["O'BRIEN"] }, rows)).toEqual(['a']);
    const out = await runStep(duck, redactWhen, { cols: COLS, rows, field: 'beat', params: { when: { field: 'code', in: ["O'Brien"] }, replacement: "N'A" } });
    expect(out).toEqual(["N'A", 'b', 'c']);
  });

  it('the schema refuses regex or SQL metacharacters in containsWord, and unknown keys', () => {
    expect(Predicate.safeParse({ field: 'x', containsWord: ["a') OR TRUE --"] }).success).toBe(false);
    expect(Predicate.safeParse({ field: 'x', containsWord: ['.*'] }).success).toBe(false);
    expect(Predicate.safeParse({ field: 'x', containsWord: [] }).success).toBe(false);
    expect(Predicate.safeParse({ field: 'x', in: ['a'], equals: 'b' }).success).toBe(false);
    expect(Predicate.safeParse({ any: [] }).success).toBe(false);
  });

  it('refuses a predicate on an unknown field', () => {
    expect(() => redactWhen.column!({ expr: '"beat"', field: { name: 'beat', type: 'text', sensitivity: 'none' }, outputType: 'text',
      params: redactWhen.params.parse({ when: { field: 'nope', equals: 1 } }), ref: (f) => { throw new Error(`unknown field ${f}`); },
      secretHex: '00', timezone: 'UTC' })).toThrow(/unknown field nope/);
  });
});
