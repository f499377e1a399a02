// The fictional demo city: 5 precincts, 17 sectors, 51 beats laid out as rectangles on a street
// grid (40 numbered avenues x 60 named streets), beat activity shares and address/coordinate picks.
import { Rng, Weighted } from './rng.ts';
import { AVENUES, NEIGHBORHOODS, STREETS } from './names.ts';

export interface Beat {
  precinct: string;
  sector: string;
  beat: string;
  /** Grid rectangle in block units: avenues [x0, x1), streets [y0, y1). */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  neighborhoods: string[];
}

interface PrecinctLayout {
  name: string;
  sectors: string[];
  share: number;
  x0: number; x1: number; y0: number; y1: number;
}

// NORTH across the top, WEST/EAST in the middle, SOUTHWEST/SOUTH at the bottom.
const LAYOUT: PrecinctLayout[] = [
  { name: 'NORTH', sectors: ['B', 'J', 'L', 'N', 'U'], share: 30, x0: 0, x1: 40, y0: 0, y1: 18 },
  { name: 'WEST', sectors: ['D', 'K', 'M', 'Q'], share: 27, x0: 0, x1: 20, y0: 18, y1: 38 },
  { name: 'EAST', sectors: ['C', 'E', 'G'], share: 17, x0: 20, x1: 40, y0: 18, y1: 38 },
  { name: 'SOUTH', sectors: ['O', 'R', 'S'], share: 15, x0: 20, x1: 40, y0: 38, y1: 60 },
  { name: 'SOUTHWEST', sectors: ['F', 'W'], share: 12, x0: 0, x1: 20, y0: 38, y1: 60 },
];

/** Splits [lo, hi) into n contiguous parts. */
function split(lo: number, hi: number, n: number, i: number): [number, number] {
  const w = (hi - lo) / n;
  return [lo + Math.round(w * i), lo + Math.round(w * (i + 1))];
}

function buildBeats(): Beat[] {
  const beats: Beat[] = [];
  let hood = 0;
  for (const p of LAYOUT) {
    p.sectors.forEach((s, si) => {
      const [x0, x1] = split(p.x0, p.x1, p.sectors.length, si);
      for (let b = 0; b < 3; b++) {
        const [y0, y1] = split(p.y0, p.y1, 3, b);
        const neighborhoods = [NEIGHBORHOODS[hood % NEIGHBORHOODS.length], NEIGHBORHOODS[(hood + 1) % NEIGHBORHOODS.length]];
        if (b === 2) hood++;
        beats.push({ precinct: p.name, sector: s, beat: s + (b + 1), x0, x1, y0, y1, neighborhoods });
      }
    });
  }
  return beats;
}

export const BEATS: readonly Beat[] = buildBeats();

/** Beat weights (percent of activity): K3 3.6%, the rest jittered within their precinct's share. */
function beatWeights(precinctShares: Record<string, number>): Array<[Beat, number]> {
  const jitter = new Rng(20240601, 1); // the city layout is fixed, whatever the seed
  const out: Array<[Beat, number]> = [];
  for (const p of LAYOUT) {
    const inP = BEATS.filter((b) => b.precinct === p.name);
    const share = precinctShares[p.name];
    const fixed = p.name === 'WEST' ? (3.6 * share) / p.share : 0;
    const raw = inP.map((b) => (b.beat === 'K3' ? 0 : 0.75 + 0.5 * jitter.next()));
    const sum = raw.reduce((a, b) => a + b, 0);
    inP.forEach((b, i) => out.push([b, b.beat === 'K3' ? fixed : ((share - fixed) * raw[i]) / sum]));
  }
  return out;
}

const ACTIVITY: Record<string, number> = { NORTH: 30, WEST: 27, EAST: 17, SOUTH: 15, SOUTHWEST: 12 };
const FORCE: Record<string, number> = { NORTH: 26, WEST: 29, EAST: 20, SOUTH: 19, SOUTHWEST: 6 };

/** Beats by overall activity (CAD events and offenses). */
export const ACTIVITY_BEATS = new Weighted(beatWeights(ACTIVITY));
/** Beats by use-of-force share. */
export const FORCE_BEATS = new Weighted(beatWeights(FORCE));

/** Response-time scaling by precinct. */
export const RESPONSE_SCALE: Record<string, number> = { NORTH: 1.2, SOUTHWEST: 1.2, WEST: 0.9, EAST: 1, SOUTH: 1 };

export interface Place {
  precinct: string;
  sector: string;
  beat: string;
  neighborhood: string;
  address: string;
  lat: string;
  lon: string;
}

const BLOCK_DEG = 0.0015;

/** An address in a beat: ~15% intersections, else `house street`, with coordinates from the grid. */
export function placeIn(rng: Rng, b: Beat): Place {
  const x = b.x0 + rng.int(b.x1 - b.x0);
  const y = b.y0 + rng.int(b.y1 - b.y0);
  const r = rng.next();
  let address: string;
  let px = x;
  let py = y;
  if (r < 0.15) {
    address = AVENUES[x] + ' / ' + STREETS[y];
  } else {
    const h = rng.int(100);
    if (r < 0.6) {
      address = (y + 1) * 100 + h + ' ' + AVENUES[x];
      py = y + h / 100;
    } else {
      address = (x + 1) * 100 + h + ' ' + STREETS[y];
      px = x + h / 100;
    }
  }
  const lat = 47.6 + (30 - py) * BLOCK_DEG + (rng.next() - 0.5) * 0.00012;
  const lon = -122.33 + (px - 20) * BLOCK_DEG + (rng.next() - 0.5) * 0.00012;
  const junk = rng.next() < 0.0015;
  return {
    precinct: junk ? 'UNKNOWN' : b.precinct,
    sector: junk ? '99' : b.sector,
    beat: junk ? '99' : b.beat,
    neighborhood: b.neighborhoods[rng.int(2)],
    address,
    lat: lat.toFixed(6),
    lon: lon.toFixed(6),
  };
}
