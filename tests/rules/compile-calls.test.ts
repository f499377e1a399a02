// End to end, calls for service: staged CAD rows through shapeSql/withheldSql on DuckDB (X4, X6, C1–C5).
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuck, TEST_KEY_HEX, type Duck } from './duck.ts';
import {
  byKey, CALLS, compileEdited, createStaging, expectNoCanaries, expectPublishedKeys, insertRows, loadFixture, runCompiled, type Fixture,
} from './fixtures.ts';

const pseudo = (ns: string, v: string) => createHmac('sha256', Buffer.from(TEST_KEY_HEX, 'hex')).update(`${ns}\x1f${v}`).digest('hex').slice(0, 16);

const base = {
  call_source: '911', priority: 2, disposition: 'REPORT WRITTEN', precinct: 'NORTH', sector: 'N', beat: 'N1',
  caller_name: 'ZELDA QUIXOTE', caller_phone: '206-555-0142', remarks: 'CALLER ZELDA SAYS NEIGHBOR AT 1234 5TH AVE',
  officer_serials: 'S48213;S48214', report_number: 'R2024-99871', updated_at: '2024-03-11 00:00:00+00', record_status: 'ACTIVE',
  received_at: '2024-03-10 09:58:20+00', dispatched_at: '2024-03-10 10:01:20+00', arrived_at: '2024-03-10 10:05:40+00',
  cleared_at: '2024-03-10 11:00:00+00', latitude: 47.612345, longitude: -122.334567,
};
const ROWS = [
  { ...base, event_id: 'E1', initial_call_type: 'THEFT', final_call_type: 'THEFT', address: '1234 5TH AVE APT 3' },
  { ...base, event_id: 'E2', initial_call_type: 'THEFT', final_call_type: 'THEFT', address: '1250 5TH AVE', record_status: 'SEALED' },
  { ...base, event_id: 'E3', initial_call_type: 'DV - ASSAULT', final_call_type: 'ASSAULT', address: '4410 PINE ST', beat: 'N2' },
  { ...base, event_id: 'E4', initial_call_type: 'SUSPICIOUS PERSON', final_call_type: 'WELFARE CHECK', address: '4411 PINE ST' },
  { ...base, event_id: 'E5', initial_call_type: 'TRAFFIC - ADVISED', final_call_type: null, address: '5TH AVE / PINE ST', arrived_at: null },
  { ...base, event_id: 'E6', initial_call_type: 'NOISE', final_call_type: 'NOISE', address: 'ACME HARDWARE', latitude: null, longitude: null },
];

let duck: Duck;
let fx: Fixture;
beforeAll(async () => {
  fx = await loadFixture();
  duck = await openDuck();
  await createStaging(duck);
  await insertRows(duck, 'cad_events', ROWS);
});
afterAll(() => duck.close());

const run = (disabledRules: string[] = []) => runCompiled(duck, compileEdited(fx, CALLS, () => {}, { disabledRules }));

describe('calls for service, compiled and run', () => {
  it('publishes exactly the definition columns plus __touched_* flags', async () => {
    const c = compileEdited(fx, CALLS);
    const { rows } = await runCompiled(duck, c);
    expectPublishedKeys(rows, c);
    expect(new Set(c.touchedColumns.map((t) => t.rule))).toEqual(new Set(['X4', 'C5', 'C2', 'C3', 'C4']));
  });

  it('sealed rows are gone and counted under X6 only', async () => {
    const { rows, withheld } = await run();
    expect(withheld).toEqual({ rows_total: 6, X6: 1 });
    expect(rows.map((r) => r.event_id).sort()).toEqual(['E1', 'E3', 'E4', 'E5', 'E6'].map((e) => pseudo('event_id', e)).sort());
    expect(rows.map((r) => r.event_id)).not.toContain(pseudo('event_id', 'E2'));
  });

  it('event ids are keyed pseudonyms, never the source id', async () => {
    const { rows } = await run();
    for (const r of rows) expect(r.event_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('addresses are hundred blocks; intersections stay; unparseable ones are withheld with their point', async () => {
    const m = byKey((await run()).rows, 'event_id');
    expect(m.get(pseudo('event_id', 'E1'))!.block_address).toBe('12XX BLOCK OF 5TH AVE');
    expect(m.get(pseudo('event_id', 'E5'))!.block_address).toBe('5TH AVE / PINE ST');
    const e6 = m.get(pseudo('event_id', 'E6'))!;
    expect([e6.block_address, e6.latitude, e6.longitude]).toEqual([null, null, null]);
  });

  it('sensitive calls (DV - ASSAULT, WELFARE CHECK) read REDACTED with no point, but keep precinct, sector and beat', async () => {
    const m = byKey((await run()).rows, 'event_id');
    for (const [id, beat] of [['E3', 'N2'], ['E4', 'N1']]) {
      const r = m.get(pseudo('event_id', id))!;
      expect([r.block_address, r.latitude, r.longitude]).toEqual(['REDACTED', null, null]);
      expect([r.precinct, r.sector, r.beat]).toEqual(['NORTH', 'N', beat]);
      expect(r.__touched_C4).toBe(true);
    }
    const advised = m.get(pseudo('event_id', 'E5'))!;
    expect(advised.block_address).not.toBe('REDACTED');
    expect(advised.__touched_C4).toBe(false);
  });

  it('coordinates are the block point: a grid-cell centre, not the recorded one', async () => {
    const r = byKey((await run()).rows, 'event_id').get(pseudo('event_id', 'E1'))!;
    expect([r.latitude, r.longitude]).toEqual([47.613, -122.335]);
  });

  it('times are local hours; durations come from exact times, rounded (across the DST change)', async () => {
    const r = byKey((await run()).rows, 'event_id').get(pseudo('event_id', 'E1'))!;
    expect(r.received_hour).toBe('2024-03-10 01:00:00');
    expect(Number(r.dispatch_minutes)).toBe(3);
    expect(Number(r.response_minutes)).toBe(7);
    const e5 = byKey((await run()).rows, 'event_id').get(pseudo('event_id', 'E5'))!;
    expect(e5.response_minutes).toBeNull();
  });

  it('no caller name, phone, remarks, serial, report number or exact address appears (C1, attack 1)', async () => {
    const { rows } = await run();
    expectNoCanaries(rows, ['ZELDA', 'QUIXOTE', '555-0142', 'S48213', 'R2024-99871', '1234 5TH', '4410 PINE', '4411', 'APT 3', 'NEIGHBOR', '47.612345']);
  });
});

describe('calls: disabling a rule removes its defence (so the tests above can fail)', () => {
  it('without X6 the sealed row is published', async () => {
    const { rows, withheld } = await run(['X6']);
    expect(withheld).toEqual({ rows_total: 6 });
    expect(rows.map((r) => r.event_id)).toContain(pseudo('event_id', 'E2'));
  });

  it('without C2 the exact address is published', async () => {
    const { rows } = await run(['C2']);
    expect(rows.map((r) => r.block_address)).toContain('1234 5TH AVE APT 3');
    expect(Object.keys(rows[0])).not.toContain('__touched_C2');
  });

  it('without C4 the DV call shows its block and point', async () => {
    const r = byKey((await run(['C4'])).rows, 'event_id').get(pseudo('event_id', 'E3'))!;
    expect(r.block_address).toBe('44XX BLOCK OF PINE ST');
    expect(r.latitude).not.toBeNull();
  });

  it('without X4 the source id is published, without C3 the recorded point', async () => {
    expect((await run(['X4'])).rows.map((r) => r.event_id)).toContain('E1');
    expect((await run(['C3'])).rows.map((r) => r.latitude)).toContain(47.612345);
  });

  it('without C5 times keep their minutes', async () => {
    const { rows } = await run(['C5']);
    expect(rows.map((r) => String(r.received_hour))).toContain('2024-03-10 09:58:20+00');
  });
});
