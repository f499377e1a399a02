// Time formatting for the demo generator: America/Los_Angeles offsets from the US DST rules
// (computed once per year, never through Intl per row) and fast ISO 8601 / date formatting.

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

const P2: string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' : '') + i);

/** DST start and end instants (UTC ms) for a year: 2nd Sunday of March 10:00Z, 1st Sunday of November 09:00Z. */
function dstBounds(year: number): [number, number] {
  const mar1 = new Date(Date.UTC(year, 2, 1)).getUTCDay();
  const nov1 = new Date(Date.UTC(year, 10, 1)).getUTCDay();
  const marSun = 1 + ((7 - mar1) % 7) + 7;
  const novSun = 1 + ((7 - nov1) % 7);
  return [Date.UTC(year, 2, marSun, 10), Date.UTC(year, 10, novSun, 9)];
}

// Cached interval [lo, hi) over which the offset is constant.
let cLo = 0;
let cHi = -1;
let cOff = -480;

/** The Los Angeles UTC offset, in minutes (-420 or -480), at a UTC instant. */
export function laOffset(utcMs: number): number {
  if (utcMs >= cLo && utcMs < cHi) return cOff;
  const year = new Date(utcMs).getUTCFullYear();
  const [start, end] = dstBounds(year);
  if (utcMs < start) {
    cLo = Date.UTC(year, 0, 1) - 8 * HOUR; // a little slack before the year: still PST
    cHi = start;
    cOff = -480;
    if (utcMs < cLo) { cLo = utcMs; }
  } else if (utcMs < end) {
    cLo = start;
    cHi = end;
    cOff = -420;
  } else {
    cLo = end;
    cHi = Date.UTC(year + 1, 0, 1);
    cOff = -480;
  }
  return cOff;
}

/** The UTC instant of a local (Los Angeles) wall-clock time given as ms since epoch. */
export function localToUtc(localMs: number): number {
  const guess = localMs + 8 * HOUR;
  return localMs - laOffset(guess) * MINUTE;
}

// Small cache of day index -> 'YYYY-MM-DD'.
const dayCache = new Map<number, string>();

/** 'YYYY-MM-DD' of a day index (days since 1970-01-01). */
export function dayString(dayIdx: number): string {
  let s = dayCache.get(dayIdx);
  if (s === undefined) {
    s = new Date(dayIdx * DAY).toISOString().slice(0, 10);
    if (dayCache.size > 50_000) dayCache.clear();
    dayCache.set(dayIdx, s);
  }
  return s;
}

function clock(ms: number, dayIdx: number): string {
  const s = Math.floor((ms - dayIdx * DAY) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s - h * 3600) / 60);
  return P2[h] + ':' + P2[m] + ':' + P2[s - h * 3600 - m * 60];
}

/** ISO 8601 in Los Angeles local time with offset, e.g. 2026-03-04T21:07:55-08:00. */
export function isoLocal(utcMs: number): string {
  const off = laOffset(utcMs);
  const local = utcMs + off * MINUTE;
  const d = Math.floor(local / DAY);
  return dayString(d) + 'T' + clock(local, d) + (off === -420 ? '-07:00' : '-08:00');
}

/** ISO 8601 in UTC, e.g. 2026-03-05T05:07:55Z. */
export function isoZ(utcMs: number): string {
  const d = Math.floor(utcMs / DAY);
  return dayString(d) + 'T' + clock(utcMs, d) + 'Z';
}

/** The local (Los Angeles) day index of a UTC instant. */
export function localDay(utcMs: number): number {
  return Math.floor((utcMs + laOffset(utcMs) * MINUTE) / DAY);
}

/** Batch folder name for a UTC instant: YYYYMMDDTHHMMSSZ. */
export function batchName(utcMs: number): string {
  return new Date(utcMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
