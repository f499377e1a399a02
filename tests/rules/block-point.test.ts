// C3, I1: block_point gives every record of a hundred block one fixed grid-cell centre (attack 4).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockPoint } from '../../rules/techniques/block-point.ts';
import { openDuck, runStep, type Duck } from './duck.ts';

const CELL = 0.002;
let duck: Duck;
beforeAll(async () => {
  duck = await openDuck();
});
afterAll(() => duck.close());

type Rec = [address: string | null, lat: number | null, lon: number | null];

/** Published [lat, lon] per record. */
async function publish(recs: Rec[], cellDegrees = CELL): Promise<[number | null, number | null][]> {
  const s = { cols: { address: 'text', latitude: 'double', longitude: 'double' } as const, rows: recs, params: { cellDegrees } };
  const lat = await runStep(duck, blockPoint, { ...s, field: 'latitude', outputType: 'number' });
  const lon = await runStep(duck, blockPoint, { ...s, field: 'longitude', outputType: 'number' });
  return lat.map((v, i) => [v, lon[i]]);
}

/** True when x is the centre of a grid cell of the given size (to the 6 decimals published). */
const isCellCentre = (x: number, c = CELL) => Math.abs(x / c - 0.5 - Math.round(x / c - 0.5)) < 1e-3;
const centreOf = (x: number, c = CELL) => Math.round((Math.floor(x / c) + 0.5) * c * 1e6) / 1e6;

describe('block_point', () => {
  it('gives every record of one block the same point, whatever the house number or unit', async () => {
    const recs: Rec[] = [
      // These straddle cell boundaries (47.612 and -122.334): one point per record would differ.
      ['1201 5TH AVE', 47.61150, -122.33301], ['1250 5TH AVE APT 4', 47.61230, -122.33422],
      ['1299 5th ave', 47.61260, -122.33449], ['1234 5TH AVE #2', 47.61180, -122.33311],
    ];
    const out = await publish(recs);
    expect(new Set(out.map((p) => JSON.stringify(p))).size).toBe(1);
    const mean = (k: 1 | 2) => recs.reduce((a, r) => a + r[k]!, 0) / recs.length;
    expect(out[0]).toEqual([centreOf(mean(1)), centreOf(mean(2))]);
    expect(new Set(recs.map((r) => centreOf(r[1]!))).size).toBeGreaterThan(1);
  });

  it('publishes only grid-cell centres, never a record’s own coordinates', async () => {
    const recs: Rec[] = [
      ['100 PINE ST', 47.6101, -122.3401], ['900 PINE ST', 47.6157, -122.3299], ['5TH AVE / PINE ST', 47.6113, -122.3356],
      ['4500 RAINIER AVE S', 47.5611, -122.2877], ['45 ALDER ST', -33.8688, 151.2093],
    ];
    const out = await publish(recs);
    out.forEach(([lat, lon], i) => {
      expect(isCellCentre(lat!)).toBe(true);
      expect(isCellCentre(lon!)).toBe(true);
      expect(lat).not.toBe(recs[i][1]);
      expect(lon).not.toBe(recs[i][2]);
      expect(Math.abs(lat! - recs[i][1]!)).toBeLessThanOrEqual(CELL / 2 + 1e-9);
    });
  });

  it('separate blocks get separate points computed from their own records only', async () => {
    const out = await publish([['1234 5TH AVE', 47.6101, -122.3301], ['1334 5TH AVE', 47.6201, -122.3401]]);
    expect(out[0]).toEqual([centreOf(47.6101), centreOf(-122.3301)]);
    expect(out[1]).toEqual([centreOf(47.6201), centreOf(-122.3401)]);
  });

  it('withholds the point when coordinates or the block are missing', async () => {
    const out = await publish([['1234 5TH AVE', null, null], ['ACME HARDWARE', 47.61, -122.33], [null, 47.61, -122.33]]);
    expect(out).toEqual([[null, null], [null, null], [null, null]]);
  });

  it('follows the configured cell size', async () => {
    const [[lat, lon]] = await publish([['1234 5TH AVE', 47.61234, -122.33456]], 0.01);
    expect([lat, lon]).toEqual([47.615, -122.335]);
  });
});

describe('attack 4: averaging repeated points of one block', () => {
  const TRUE_LAT = 47.612345;
  const TRUE_LON = -122.334567;

  it('50 records at one home: every published point is the same cell centre, so their average is too', async () => {
    const recs: Rec[] = Array.from({ length: 50 }, (_, i) => [`${1230 + (i % 5)} 5TH AVE`, TRUE_LAT, TRUE_LON]);
    const out = await publish(recs);
    const distinct = new Set(out.map((p) => JSON.stringify(p)));
    expect(distinct.size).toBe(1);
    const avgLat = out.reduce((a, p) => a + p[0]!, 0) / out.length;
    const avgLon = out.reduce((a, p) => a + p[1]!, 0) / out.length;
    expect(avgLat).toBeCloseTo(out[0][0]!, 12);
    expect(avgLon).toBeCloseTo(out[0][1]!, 12);
    expect(out[0]).toEqual([centreOf(TRUE_LAT), centreOf(TRUE_LON)]);
    expect(isCellCentre(avgLat) && isCellCentre(avgLon)).toBe(true);
  });

  it('piling records onto the true spot never brings the point closer than that spot’s own cell centre', async () => {
    // The other records of the block straddle cell boundaries, so the block mean (and the cell) can move
    // as records are added; the published point stays one grid centre, and the closest grid centre to
    // the true spot is its own cell's centre, so averaging releases can never beat the grid.
    const spread: Rec[] = [['1201 5TH AVE', 47.61150, -122.33610], ['1290 5TH AVE', 47.61395, -122.33390]];
    const floor = Math.hypot(centreOf(TRUE_LAT) - TRUE_LAT, centreOf(TRUE_LON) - TRUE_LON);
    for (const n of [0, 1, 10, 50, 500]) {
      const recs: Rec[] = [...spread, ...Array.from({ length: n }, (): Rec => ['1234 5TH AVE', TRUE_LAT, TRUE_LON])];
      const out = await publish(recs);
      expect(new Set(out.map((p) => JSON.stringify(p))).size).toBe(1);
      const [lat, lon] = out[0];
      expect(isCellCentre(lat!) && isCellCentre(lon!)).toBe(true);
      expect(Math.hypot(lat! - TRUE_LAT, lon! - TRUE_LON)).toBeGreaterThanOrEqual(floor - 1e-9);
    }
    expect(floor).toBeGreaterThan(0.0005);
  });
});
