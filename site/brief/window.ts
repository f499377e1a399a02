// Year-to-date windows for the public safety brief. "Year to date" is relative to the latest date
// in the published data (never the wall clock): from 1 January of that date's year through the end
// of that day, compared with the same number of days from 1 January of the year before.
// Timestamps are floating local times ('YYYY-MM-DDTHH:MM:SS'), as published.

export interface Period {
  /** Inclusive start, e.g. '2026-01-01T00:00:00'. */
  start: string;
  /** Inclusive end, e.g. '2026-10-28T23:59:59'. */
  end: string;
}

export interface YtdWindow {
  /** The latest date in the data, 'YYYY-MM-DD'. */
  asOf: string;
  /** Days in each period (both periods have the same length). */
  days: number;
  current: Period;
  previous: Period;
}

const DAY_MS = 86_400_000;
const ymd = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** The YTD window ending on the date of `latest` (a floating timestamp or a date). */
export function ytdWindow(latest: string): YtdWindow {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(latest);
  if (!m) throw new Error(`ytdWindow: not a date: ${latest}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const end = Date.UTC(y, mo - 1, d);
  if (Number.isNaN(end) || ymd(end) !== `${m[1]}-${m[2]}-${m[3]}`) throw new Error(`ytdWindow: not a date: ${latest}`);
  const start = Date.UTC(y, 0, 1);
  const days = Math.round((end - start) / DAY_MS) + 1;
  const prevStart = Date.UTC(y - 1, 0, 1);
  const prevEnd = prevStart + (days - 1) * DAY_MS;
  return {
    asOf: ymd(end),
    days,
    current: { start: `${ymd(start)}T00:00:00`, end: `${ymd(end)}T23:59:59` },
    previous: { start: `${ymd(prevStart)}T00:00:00`, end: `${ymd(prevEnd)}T23:59:59` },
  };
}

/** Percent change from `before` to `now`, or null when there is no base to compare with. */
export function percentChange(now: number, before: number): number | null {
  if (before <= 0) return null;
  return ((now - before) / before) * 100;
}
