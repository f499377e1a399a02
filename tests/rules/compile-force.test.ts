// End to end, use of force: staged rows through shapeSql/withheldSql on DuckDB (X4, X6, U1–U7).
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuck, TEST_KEY_HEX, type Duck } from './duck.ts';
import {
  compileEdited, createStaging, expectNoCanaries, expectPublishedKeys, FORCE, insertRows, loadFixture, runCompiled, type Fixture,
} from './fixtures.ts';

const pseudo = (ns: string, v: string) => createHmac('sha256', Buffer.from(TEST_KEY_HEX, 'hex')).update(`${ns}\x1f${v}`).digest('hex').slice(0, 16);
const uid = (v: string) => pseudo('uof_id', v);

const base = {
  occurred_at: '2024-06-01 18:45:00+00', force_level: 'LEVEL_1', force_types: 'TAKEDOWN;TASER', precinct: 'NORTH', sector: 'N', beat: 'N3',
  address: '7788 AURORA AVE N', latitude: 47.687654, longitude: -122.344321, officer_race: 'WHITE', officer_sex: 'M',
  officer_birth_year: 1990, officer_hire_date: '2021-01-15', subject_name: 'QUENTIN SUBJECTSON', subject_dob: '1990-06-15',
  subject_race: 'BLACK', subject_sex: 'M', subject_injured: true, officer_injured: false,
  subject_injury_description: 'FRACTURED LEFT WRIST', narrative: 'OFC WELLINGTON APPLIED TASER', review_status: 'IN_POLICY',
  updated_at: '2024-06-02 00:00:00+00', record_status: 'ACTIVE',
};
const officer = (serial: string) => ({ officer_serial: serial, officer_name: `OFFICER WELLINGTON ${serial}` });
const ROWS = [
  // Incident INC1: officers S1, S2 on subjects P7 and P3.
  { ...base, ...officer('S71001'), uof_id: 'U1', incident_number: 'INC1', subject_person_id: 'P7' },
  { ...base, ...officer('S71002'), uof_id: 'U2', incident_number: 'INC1', subject_person_id: 'P3' },
  { ...base, ...officer('S71002'), uof_id: 'U3', incident_number: 'INC1', subject_person_id: 'P7' },
  // Incident INC2: the same subject P7 and officer S1 again; a minor subject.
  { ...base, ...officer('S71001'), uof_id: 'U4', incident_number: 'INC2', subject_person_id: 'P7', subject_dob: '2010-01-01' },
  { ...base, ...officer('S71003'), uof_id: 'U5', incident_number: 'INC3', subject_person_id: 'P9' },
  { ...base, ...officer('S71004'), uof_id: 'U6', incident_number: 'INC4', subject_person_id: 'P10' },
  { ...base, ...officer('S71005'), uof_id: 'U7', incident_number: 'INC5', subject_person_id: 'P11' },
  // A lone officer of a rare combination in the precinct.
  { ...base, ...officer('S80001'), uof_id: 'U8', incident_number: 'INC6', subject_person_id: 'P12', officer_race: 'NATIVE', officer_sex: 'F', officer_hire_date: '1999-01-01' },
  // Sealed.
  { ...base, ...officer('S71001'), uof_id: 'U9', incident_number: 'INC7', subject_person_id: 'P13', record_status: 'SEALED' },
];

let duck: Duck;
let fx: Fixture;
let rows: Record<string, any>[];
let withheld: Record<string, number>;
beforeAll(async () => {
  fx = await loadFixture();
  duck = await openDuck();
  await createStaging(duck);
  await insertRows(duck, 'use_of_force', ROWS);
  ({ rows, withheld } = await runCompiled(duck, compileEdited(fx, FORCE)));
});
afterAll(() => duck.close());

const get = (u: string) => rows.find((r) => r.uof_id === uid(u))!;

describe('use of force, compiled and run', () => {
  it('publishes exactly the definition columns plus __touched_* flags', async () => {
    expectPublishedKeys(rows, compileEdited(fx, FORCE));
  });

  it('sealed rows are gone and counted under X6', () => {
    expect(withheld).toEqual({ rows_total: 9, X6: 1 });
    expect(rows.map((r) => r.uof_id).sort()).toEqual(['U1', 'U2', 'U3', 'U4', 'U5', 'U6', 'U7', 'U8'].map(uid).sort());
  });

  it('U1: an officer keeps one keyed pseudonym across incidents', () => {
    expect(get('U1').officer_id).toBe(pseudo('officer', 'S71001'));
    expect(get('U4').officer_id).toBe(get('U1').officer_id);
    expect(get('U2').officer_id).not.toBe(get('U1').officer_id);
    expect(get('U1').incident_id).toBe(pseudo('incident_number', 'INC1'));
  });

  it('U2: officer demographics publish only in groups of at least five officers', () => {
    for (const u of ['U1', 'U2', 'U5', 'U7']) {
      expect([get(u).officer_race, get(u).officer_sex, get(u).officer_service_band]).toEqual(['WHITE', 'M', '0-4']);
    }
    expect([get('U8').officer_race, get('U8').officer_sex, get('U8').officer_service_band]).toEqual([null, null, null]);
  });

  it('U3: subjects are numbered within an incident, never linked across incidents', () => {
    expect([get('U1'), get('U2'), get('U3'), get('U4')].map((r) => Number(r.subject_index))).toEqual([2, 1, 2, 1]);
    expect(get('U4').incident_id).not.toBe(get('U1').incident_id);
  });

  it('U4: subject race and sex publish; age is banded from the date of birth', () => {
    expect([get('U1').subject_race, get('U1').subject_sex, get('U1').subject_age_band]).toEqual(['BLACK', 'M', '30-39']);
    expect(get('U4').subject_age_band).toBe('<18');
  });

  it('U6 and U7: injury is yes/no; the time is the local hour', () => {
    expect([get('U1').subject_injured, get('U1').officer_injured]).toEqual([true, false]);
    expect(get('U1').occurred_hour).toBe('2024-06-01 11:00:00');
  });

  it('U5 and attack 1: no address, point, name, serial, person id, date of birth or narrative appears', () => {
    expectNoCanaries(rows, [
      '7788', 'AURORA', '47.687654', '-122.344321', 'WELLINGTON', 'QUENTIN', 'SUBJECTSON', 'S71001', 'S80001',
      'FRACTURED', 'WRIST', 'APPLIED', '1990-06-15', '2010-01-01', '"P7"', 'INC1', '2021-01-15',
    ]);
  });
});

describe('use of force: disabling a rule removes its defence', () => {
  const runWithout = async (rule: string) => (await runCompiled(duck, compileEdited(fx, FORCE, () => {}, { disabledRules: [rule] }))).rows;

  it('without U2 the lone officer’s race and sex publish', async () => {
    const r = (await runWithout('U2')).find((x) => x.uof_id === uid('U8'))!;
    expect([r.officer_race, r.officer_sex]).toEqual(['NATIVE', 'F']);
  });

  it('without U1 the serial publishes, without U3 the person id', async () => {
    expect((await runWithout('U1')).map((r) => r.officer_id)).toContain('S71001');
    expect((await runWithout('U3')).map((r) => String(r.subject_index))).toContain('P7');
  });
});
