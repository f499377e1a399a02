// C5, I3–I6, U4, U7: truncate_time, age_band, map_values and round_number generalize values as reviewed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ageBand, ageBands } from '../../rules/techniques/age-band.ts';
import { mapValues } from '../../rules/techniques/map-values.ts';
import { roundNumber } from '../../rules/techniques/round-number.ts';
import { truncateTime } from '../../rules/techniques/truncate-time.ts';
import { openDuck, runStep, type Duck } from './duck.ts';

let duck: Duck;
beforeAll(async () => {
  duck = await openDuck();
});
afterAll(() => duck.close());

const times = (instants: (string | null)[], params: object, outputType: 'timestamp' | 'date' = 'timestamp', timezone?: string) =>
  runStep(duck, truncateTime, { cols: { at: 'timestamp' }, rows: instants.map((i) => [i]), field: 'at', params, outputType, timezone });

describe('truncate_time', () => {
  it('UTC instants become local America/Los_Angeles hours across the spring-forward change', async () => {
    const out = await times(['2024-03-10 09:59:59+00', '2024-03-10 10:00:00+00', '2024-03-10 10:30:00+00', '2024-03-09 18:45:12+00'], { unit: 'hour' });
    expect(out).toEqual(['2024-03-10 01:00:00', '2024-03-10 03:00:00', '2024-03-10 03:00:00', '2024-03-09 10:00:00']);
  });

  it('and across the fall-back change (two UTC hours map to local 01:00)', async () => {
    const out = await times(['2024-11-03 08:30:00+00', '2024-11-03 09:30:00+00', '2024-11-03 10:30:00+00'], { unit: 'hour' });
    expect(out).toEqual(['2024-11-03 01:00:00', '2024-11-03 01:00:00', '2024-11-03 02:00:00']);
  });

  it('drops minutes and seconds; keeps null', async () => {
    const out = await times(['2025-06-01 19:07:31.123+00', null], { unit: 'hour' });
    expect(out).toEqual(['2025-06-01 12:00:00', null]);
  });

  it('day unit uses the local date, not the UTC one', async () => {
    expect(await times(['2024-03-10 07:30:00+00'], { unit: 'day' }, 'date')).toEqual(['2024-03-09']);
    expect(await times(['2024-03-10 07:30:00+00'], { unit: 'day' })).toEqual(['2024-03-09 00:00:00']);
    expect(await times(['2024-03-10 07:30:00+00'], { unit: 'month' }, 'date')).toEqual(['2024-03-01']);
  });

  it('does not depend on the session time zone', async () => {
    await duck.run("SET TimeZone = 'Asia/Tokyo'");
    try {
      expect(await times(['2024-03-10 10:30:00+00'], { unit: 'hour' })).toEqual(['2024-03-10 03:00:00']);
    } finally {
      await duck.run("SET TimeZone = 'UTC'");
    }
  });

  it('follows the agency time zone it is given', async () => {
    expect(await times(['2024-03-10 10:30:00+00'], { unit: 'hour' }, 'timestamp', 'America/New_York')).toEqual(['2024-03-10 06:00:00']);
  });
});

describe('age_band', () => {
  const band = (ages: (number | null)[], params = {}) =>
    runStep(duck, ageBand, { cols: { age: 'integer' }, rows: ages.map((a) => [a]), field: 'age', params });

  it('puts boundary ages in the right bands', async () => {
    const cases: [number | null, string | null][] = [
      [0, '<18'], [17, '<18'], [18, '18-29'], [29, '18-29'], [30, '30-39'], [39, '30-39'], [40, '40-49'],
      [89, '80-89'], [90, '90+'], [120, '90+'], [null, null], [-1, null], [-40, null],
    ];
    const out = await band(cases.map(([a]) => a));
    expect(cases.map(([a], i) => [a, out[i]])).toEqual(cases);
  });

  it('the default bands are exactly <18, 18-29, 30-39, …, 80-89, 90+', () => {
    expect(ageBands(ageBand.params.parse({})).map((b) => b.label)).toEqual(
      ['<18', '18-29', '30-39', '40-49', '50-59', '60-69', '70-79', '80-89', '90+']);
  });

  it('every age 0..130 lands in exactly the band whose range holds it', async () => {
    const ages = Array.from({ length: 131 }, (_, i) => i);
    const out = await band(ages);
    out.forEach((label, age) => {
      const m = /^(\d+)-(\d+)$/.exec(label);
      if (label === '<18') expect(age).toBeLessThan(18);
      else if (label === '90+') expect(age).toBeGreaterThanOrEqual(90);
      else expect(m && age >= Number(m[1]) && age <= Number(m[2])).toBe(true);
    });
  });

  it('honours other widths', async () => {
    expect(await band([18, 24, 25, 88, 89, 90], { width: 5 })).toEqual(['18-24', '18-24', '25-29', '85-89', '85-89', '90+']);
  });
});

describe('map_values', () => {
  const map = (vals: (string | null)[], params: object) =>
    runStep(duck, mapValues, { cols: { v: 'text' }, rows: vals.map((x) => [x]), field: 'v', params });

  it('maps listed codes and sends everything else to the fallback (I5 shape)', async () => {
    const params = { map: { 'RESIDENCE/HOME': 'RESIDENCE', APARTMENT: 'RESIDENCE', 'CONVENIENCE STORE': 'STORE' }, otherwise: 'OTHER' };
    const out = await map(['RESIDENCE/HOME', 'APARTMENT', 'CONVENIENCE STORE', "JOE'S BAIT SHOP #2", 'APT 3B', 'apartment'], params);
    expect(out).toEqual(['RESIDENCE', 'RESIDENCE', 'STORE', 'OTHER', 'OTHER', 'OTHER']);
  });

  it('a null fallback withholds unlisted values (I6 shape)', async () => {
    const params = { map: { OPEN: 'Open', CLOSED_ARREST: 'Cleared by arrest' }, otherwise: null };
    expect(await map(['OPEN', 'CLOSED_ARREST', 'SUSPECT: J. DOE', null], params)).toEqual(['Open', 'Cleared by arrest', null, null]);
  });

  it('never publishes a value that is not in the reviewed table or the fallback', async () => {
    const params = { map: { A: 'x', B: 'y' }, otherwise: 'z' };
    const out = await map(['A', 'B', 'C', null, '', 'A ', "A' OR 'x'='x"], params);
    for (const v of out) expect(['x', 'y', 'z']).toContain(v);
  });

  it('escapes quotes in the table', async () => {
    expect(await map(["O'HARE", 'X'], { map: { "O'HARE": "AIR'PORT" }, otherwise: null })).toEqual(["AIR'PORT", null]);
  });
});

describe('round_number', () => {
  it('rounds to whole minutes by default, and to given digits', async () => {
    const rows = [[7.666], [0.49], [12.5], [null]];
    expect(await runStep(duck, roundNumber, { cols: { m: 'double' }, rows, field: 'm', outputType: 'number' })).toEqual([8, 0, 13, null]);
    expect(await runStep(duck, roundNumber, { cols: { m: 'double' }, rows, field: 'm', params: { digits: 1 } })).toEqual([7.7, 0.5, 12.5, null]);
  });
});
