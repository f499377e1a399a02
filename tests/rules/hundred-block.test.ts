// C2, I1: hundred_block turns exact addresses into NNXX BLOCK OF forms and withholds what it cannot parse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hundredBlock } from '../../rules/techniques/hundred-block.ts';
import { openDuck, runStep, type Duck } from './duck.ts';

let duck: Duck;
beforeAll(async () => {
  duck = await openDuck();
});
afterAll(() => duck.close());

const block = async (addresses: (string | null)[]) =>
  runStep(duck, hundredBlock, { cols: { address: 'text' }, rows: addresses.map((a) => [a]), field: 'address', sensitivity: 'exact_location' });

async function expectBlocks(cases: [string | null, string | null][]) {
  const out = await block(cases.map(([a]) => a));
  expect(cases.map(([a], i) => [a, out[i]])).toEqual(cases);
}

describe('hundred_block', () => {
  it('replaces the house number by its hundred', async () => {
    await expectBlocks([
      ['1234 5TH AVE', '12XX BLOCK OF 5TH AVE'],
      ['1299 5TH AVE', '12XX BLOCK OF 5TH AVE'],
      ['1200 5TH AVE', '12XX BLOCK OF 5TH AVE'],
      ['45 PINE ST', '0XX BLOCK OF PINE ST'],
      ['7 PINE ST', '0XX BLOCK OF PINE ST'],
      ['100 PINE ST', '1XX BLOCK OF PINE ST'],
      ['98765 RAINIER AVE S', '987XX BLOCK OF RAINIER AVE S'],
      ['1234B 5TH AVE', '12XX BLOCK OF 5TH AVE'],
      ['  1234   5TH AVE  ', '12XX BLOCK OF 5TH AVE'],
    ]);
  });

  it('strips unit numbers', async () => {
    await expectBlocks([
      ['1234 5TH AVE APT 3', '12XX BLOCK OF 5TH AVE'],
      ['1234 5TH AVE #302', '12XX BLOCK OF 5TH AVE'],
      ['1234 5TH AVE # 302', '12XX BLOCK OF 5TH AVE'],
      ['1234 5TH AVE UNIT 12B', '12XX BLOCK OF 5TH AVE'],
      ['1234 5TH AVE STE 200', '12XX BLOCK OF 5TH AVE'],
      ['1234 5TH AVE SUITE 200', '12XX BLOCK OF 5TH AVE'],
      ['1234 5TH AVE APT #3', '12XX BLOCK OF 5TH AVE'],
      ['1234 5th ave apt 3', '12XX BLOCK OF 5TH AVE'],
    ]);
  });

  it('does not mistake a street name for a unit designator', async () => {
    await expectBlocks([
      ['1234 UNITY WAY', '12XX BLOCK OF UNITY WAY'],
      ['1234 APTOS ST', '12XX BLOCK OF APTOS ST'],
    ]);
  });

  it('keeps intersections as intersections, without house numbers', async () => {
    await expectBlocks([
      ['5TH AVE / PINE ST', '5TH AVE / PINE ST'],
      ['5TH AVE/PINE ST', '5TH AVE / PINE ST'],
      ['1234 5TH AVE / PINE ST', '5TH AVE / PINE ST'],
      ['5TH AVE / 400 PINE ST', '5TH AVE / PINE ST'],
      ['1ST AVE / 2ND AVE', '1ST AVE / 2ND AVE'],
      ['5th ave / pine st', '5TH AVE / PINE ST'],
    ]);
  });

  it('upper-cases lower-case input', async () => {
    await expectBlocks([['1234 5th ave', '12XX BLOCK OF 5TH AVE']]);
  });

  it('withholds (null) anything it does not recognize, and keeps null as null', async () => {
    await expectBlocks([
      ['ACME HARDWARE', null],
      ["JOE'S TAVERN", null],
      ['7-ELEVEN', null],
      ['UNKNOWN', null],
      ['', null],
      ['   ', null],
      ['1234', null],
      ['1234-1240 5TH AVE', null],
      [null, null],
    ]);
  });

  it('never publishes the original house number', async () => {
    const cases = [
      ['1234', '1234 5TH AVE'], ['45', '45 PINE ST'], ['4521', '4521 12TH AVE NE APT 4521'], ['98765', '98765 RAINIER AVE S'],
      ['1200', '1200 12TH AVE'], ['3301', '3301 5TH AVE #3301'], ['808', '808 HOWELL ST / 9TH AVE'], ['77', '77 77TH ST'],
    ] as const;
    const out = await block(cases.map(([, a]) => a));
    cases.forEach(([house], i) => {
      expect(out[i]).not.toBeNull();
      expect(out[i]).not.toMatch(new RegExp(`(^|\\s)${house}[A-Z]?(\\s|$)`));
    });
  });

  it('every non-null output is an NNXX block or an intersection', async () => {
    const out = await block(['1 A ST', '99999 B ST #2', '5TH / PINE', '12 MAIN ST APT 5', 'N 45TH ST / 1000 AURORA AVE N']);
    expect(out.filter((x) => x === null)).toEqual([]);
    for (const o of out) {
      expect(o).toMatch(/^(\d+XX BLOCK OF [^/]+|[^/]+ \/ [^/]+)$/);
      // No side of an intersection and no block street starts with a bare house number.
      for (const side of o.replace(/^\d+XX BLOCK OF /, '').split(' / ')) expect(side).not.toMatch(/^\d+[A-Z]?\s/);
    }
  });
});
