// Seeded pseudo-random numbers for the demo generator: sfc32 seeded through splitmix32, plus
// the sampling helpers (weighted choice, normal, lognormal) every other demo module uses.

/** A small, fast, seeded PRNG (sfc32). Never use Math.random in the demo generator. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `stream` derives an independent sequence from the same seed. */
  constructor(seed: number, stream = 0) {
    let s = (Math.floor(seed) % 4294967296) ^ Math.imul(stream + 1, 0x9e3779b9);
    const mix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix() | 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    const a = this.a, b = this.b, c = this.c, d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    const c2 = (c << 21) | (c >>> 11);
    this.c = (c2 + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi] inclusive. */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** A standard normal draw (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A lognormal draw given its median and its log-scale sigma. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Rounds x up or down at random so the expectation is x. */
  round(x: number): number {
    const f = Math.floor(x);
    return f + (this.next() < x - f ? 1 : 0);
  }
}

/** Sigma of a lognormal with the given median and 90th percentile. */
export function sigmaFromP90(median: number, p90: number): number {
  return Math.log(p90 / median) / 1.2815515655446004;
}

/** A weighted choice over fixed items (binary search on cumulative weights). */
export class Weighted<T> {
  readonly items: T[];
  private readonly cum: Float64Array;
  private readonly total: number;

  constructor(entries: ReadonlyArray<readonly [T, number]>) {
    this.items = entries.map((e) => e[0]);
    this.cum = new Float64Array(entries.length);
    let s = 0;
    entries.forEach((e, i) => {
      s += e[1];
      this.cum[i] = s;
    });
    this.total = s;
  }

  pick(rng: Rng): T {
    const x = rng.next() * this.total;
    const cum = this.cum;
    let lo = 0, hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo];
  }
}
