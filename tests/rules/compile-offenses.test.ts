// End to end, offenses: staged RMS rows through shapeSql/withheldSql on DuckDB (X4–X6, I1–I6, attack 7).
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuck, TEST_KEY_HEX, type Duck } from './duck.ts';
import {
  byKey, compileEdited, createStaging, expectNoCanaries, expectPublishedKeys, insertRows, loadFixture, OFFENSES, runCompiled, type Fixture,
} from './fixtures.ts';

const pseudo = (ns: string, v: string) => createHmac('sha256', Buffer.from(TEST_KEY_HEX, 'hex')).update(`${ns}\x1f${v}`).digest('hex').slice(0, 16);
const oid = (v: string) => pseudo('offense_id', v);

// The run clock is 2025-02-01T12:00Z, so the 7-day embargo ends at 2025-01-25T12:00Z.
const base = {
  report_number: 'R-1', reported_at: '2025-01-10 17:20:00+00', occurred_from: '2025-01-10 16:05:00+00', occurred_to: null,
  nibrs_code: '13A', offense_description: 'AGGRAVATED ASSAULT', nibrs_group: 'A', crime_against: 'PERSON', report_channel: 'OFFICER',
  precinct: 'SOUTH', sector: 'S', beat: 'S3', neighborhood: 'COLUMBIA CITY', address: '4521 RAINIER AVE S',
  latitude: 47.559876, longitude: -122.285432, location_type: 'RESIDENCE/HOME', domestic_violence: false,
  victim_name: 'YOLANDA VICTIMSON', suspect_name: 'XAVIER SUSPECTO', victim_dob: '1990-04-04', suspect_dob: '1985-05-05',
  victim_age: 34, suspect_age: 39, victim_sex: 'F', suspect_sex: 'M', victim_race: 'PACIFIC', suspect_race: 'WHITE',
  victim_phone: '206-555-0177', victim_email: 'yolanda@example.org', narrative: 'V STATES SUSPECT XAVIER HIT HER',
  case_status: 'CLOSED_ARREST', approval_status: 'APPROVED', assigned_unit: 'HOMICIDE 2', updated_at: '2025-01-11 00:00:00+00',
  record_status: 'ACTIVE',
};
const ROWS = [
  { ...base, offense_id: 'O1' },
  { ...base, offense_id: 'O2', report_number: 'R-2', nibrs_code: '11A', offense_description: 'RAPE', address: '2200 ELM ST', victim_age: 25 },
  { ...base, offense_id: 'O3', victim_age: 12, address: '900 OAK ST' },
  { ...base, offense_id: 'O4', report_number: 'R-4', nibrs_code: '13B', domestic_violence: true, victim_age: 40, address: '901 OAK ST' },
  { ...base, offense_id: 'O5', approval_status: 'PENDING', reported_at: '2024-06-01 00:00:00+00' },
  { ...base, offense_id: 'O6', reported_at: '2025-01-30 00:00:00+00' },
  { ...base, offense_id: 'O7', record_status: 'SEALED' },
  { ...base, offense_id: 'O8', record_status: 'SEALED', approval_status: 'PENDING' },
  { ...base, offense_id: 'O9', nibrs_code: '64A', location_type: "JOE'S MOTEL ROOM 12", case_status: 'SUSPECT: XAVIER', victim_age: null },
];
const SENSITIVE = ['O2', 'O3', 'O4', 'O9'];

let duck: Duck;
let fx: Fixture;
beforeAll(async () => {
  fx = await loadFixture();
  duck = await openDuck();
  await createStaging(duck);
  await insertRows(duck, 'rms_offenses', ROWS);
});
afterAll(() => duck.close());

const run = (disabledRules: string[] = []) => runCompiled(duck, compileEdited(fx, OFFENSES, () => {}, { disabledRules }));

describe('offenses, compiled and run', () => {
  it('publishes exactly the definition columns plus __touched_* flags', async () => {
    const c = compileEdited(fx, OFFENSES);
    expectPublishedKeys((await runCompiled(duck, c)).rows, c);
  });

  it('pending and embargoed offenses are withheld under X5, sealed under X6 (first rule wins)', async () => {
    const { rows, withheld } = await run();
    expect(withheld).toEqual({ rows_total: 9, X5: 3, X6: 1 });
    expect(rows.map((r) => r.offense_id).sort()).toEqual(['O1', 'O2', 'O3', 'O4', 'O9'].map(oid).sort());
  });

  it('offenses of one report share a report pseudonym; ids are keyed', async () => {
    const m = byKey((await run()).rows, 'offense_id');
    expect(m.get(oid('O1'))!.report_id).toBe(pseudo('report_number', 'R-1'));
    expect(m.get(oid('O3'))!.report_id).toBe(m.get(oid('O1'))!.report_id);
    expect(m.get(oid('O2'))!.report_id).not.toBe(m.get(oid('O1'))!.report_id);
  });

  it('an ordinary offense: hundred block, block point, age band, general location type and status, local hours', async () => {
    const r = byKey((await run()).rows, 'offense_id').get(oid('O1'))!;
    expect(r).toMatchObject({
      block_address: '45XX BLOCK OF RAINIER AVE S', latitude: 47.559, longitude: -122.285, sector: 'S', beat: 'S3',
      neighborhood: 'COLUMBIA CITY', victim_age_band: '30-39', victim_sex: 'F', victim_race: 'PACIFIC', location_type: 'RESIDENCE',
      case_status: 'Cleared by arrest', reported_hour: '2025-01-10 09:00:00', occurred_hour: '2025-01-10 08:00:00',
    });
  });

  it('attack 7: sex offenses, trafficking, DV and child victims carry no block, beat, point or victim demographics', async () => {
    const m = byKey((await run()).rows, 'offense_id');
    for (const id of SENSITIVE) {
      const r = m.get(oid(id))!;
      for (const col of ['sector', 'beat', 'neighborhood', 'block_address', 'victim_age_band', 'victim_sex', 'victim_race']) {
        expect(r[col], `${id}.${col}`).toBe('REDACTED');
      }
      expect([r.latitude, r.longitude]).toEqual([null, null]);
      expect(r.precinct).toBe('SOUTH');
      expect(r.__touched_I2).toBe(true);
    }
    expect(m.get(oid('O1'))!.__touched_I2).toBe(false);
  });

  it('unlisted location types read OTHER and unlisted statuses are withheld (I5, I6)', async () => {
    const r = byKey((await run()).rows, 'offense_id').get(oid('O9'))!;
    expect([r.location_type, r.case_status]).toEqual(['OTHER', null]);
  });

  it('no name, phone, email, DOB, narrative, unit or exact address appears (attack 1)', async () => {
    expectNoCanaries((await run()).rows, [
      'YOLANDA', 'VICTIMSON', 'XAVIER', '555-0177', 'example.org', '1990-04-04', 'HIT HER', 'HOMICIDE 2',
      '4521 RAINIER', '2200 ELM', '22XX', '900 OAK', '9XX BLOCK OF OAK', 'ELM ST', 'MOTEL', '47.559876', '-122.285432', 'R-1',
    ]);
  });
});

describe('offenses: disabling a rule removes its defence', () => {
  it('without X5 pending and embargoed offenses publish', async () => {
    const { rows, withheld } = await run(['X5']);
    expect(withheld).toEqual({ rows_total: 9, X6: 2 });
    expect(rows.map((r) => r.offense_id)).toEqual(expect.arrayContaining([oid('O5'), oid('O6')]));
  });

  it('without I2 the sex offense carries its block, beat and victim age', async () => {
    const r = byKey((await run(['I2'])).rows, 'offense_id').get(oid('O2'))!;
    expect([r.block_address, r.beat, r.victim_age_band]).toEqual(['22XX BLOCK OF ELM ST', 'S3', '18-29']);
    expect(r.latitude).not.toBeNull();
  });

  it('without I3 the exact age is published', async () => {
    const r = byKey((await run(['I3'])).rows, 'offense_id').get(oid('O1'))!;
    expect(String(r.victim_age_band)).toBe('34');
  });
});
