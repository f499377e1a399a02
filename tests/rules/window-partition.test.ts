// The partition a window technique declares (WindowColumn.partition) is the one its SQL reads: an
// incremental run evaluates a window over only the partitions it touched (pipelines/pub-state.ts),
// which gives every row its whole-table value only if no window reads across those partitions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldType } from '../../pipelines/contract.ts';
import { TECHNIQUES } from '../../rules/registry.ts';
import type { Technique, WindowColumn } from '../../rules/techniques/types.ts';
import { openDuck, q, sameValues, TEST_KEY_HEX, TEST_TZ, values, type Duck } from './duck.ts';

let duck: Duck;
beforeAll(async () => {
  duck = await openDuck();
});
afterAll(() => duck.close());

/** Rows where partitions and other columns cross: a window that read across partitions would see it. */
const COLS: Record<string, FieldType> = { address: 'text', latitude: 'double', incident: 'text', officer: 'text', race: 'text', precinct: 'text' };
const ROWS: unknown[][] = [];
for (let i = 0; i < 60; i++) {
  ROWS.push([`${1200 + (i % 3) * 100} 5TH AVE`, 47.6115 + (i % 3) * 0.01 + (i % 7) * 0.0002, `I${i % 4}`, `S${i % 9}`, ['A', 'B'][i % 2], ['N', 'S', 'E'][i % 3]]);
}

/** Per technique: the column it shapes and its parameters. */
const CASES: Record<string, { field: string; params: unknown }> = {
  block_point: { field: 'latitude', params: {} },
  group_index: { field: 'officer', params: { groupBy: 'incident' } },
  k_group_guard: { field: 'race', params: { k: 3, distinct: 'officer', groupBy: ['precinct', 'race'] } },
};

/** The window's value per row (__n order): over every row, or partition by partition. */
async function windowValues(w: WindowColumn, field: string, byPartition: boolean): Promise<unknown[]> {
  const stored = `SELECT __n, ${q(field)} AS value${Object.entries(w.locals).map(([n, sql]) => `, ${sql} AS ${q(n)}`).join('')} FROM ${values(COLS, ROWS)}`;
  await duck.run(`CREATE OR REPLACE TEMP TABLE stored AS ${stored}`);
  const sql = (where: string) => `SELECT __n, ${w.final(q)} AS out FROM stored WHERE ${where}`;
  if (!byPartition) return (await duck.all(`${sql('TRUE')} ORDER BY __n`)).map((r) => r.out);
  const parts = await duck.all(`SELECT DISTINCT ${w.partition.map(q).join(', ')} FROM stored`);
  const rows: { __n: number; out: unknown }[] = [];
  for (const p of parts) {
    rows.push(...((await duck.all(sql(sameValues(w.partition, p)))) as { __n: number; out: unknown }[]));
  }
  return rows.sort((a, b) => Number(a.__n) - Number(b.__n)).map((r) => r.out);
}

describe('window techniques', () => {
  const windowed = [...TECHNIQUES.values()].filter((t: Technique) => t.windowColumn);

  it('are all covered here', () => {
    expect(windowed.map((t) => t.name).sort()).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.keys(CASES))('%s: evaluated one declared partition at a time, gives every row its whole-table value', async (name) => {
    const t = windowed.find((x) => x.name === name)!;
    const { field, params } = CASES[name];
    const w = t.windowColumn!({
      expr: q(field), field: { name: field, type: COLS[field], sensitivity: 'none' }, outputType: 'text',
      params: t.params.parse(params), ref: q, secretHex: TEST_KEY_HEX, timezone: TEST_TZ,
    });
    expect(w.partition.length).toBeGreaterThan(0);
    const whole = await windowValues(w, field, false);
    expect(new Set(whole.map(String)).size, 'the window gives rows different values').toBeGreaterThan(1);
    expect(await windowValues(w, field, true)).toEqual(whole);
  });
});
