// Small display formatters shared by the pages (numbers, dates, relative ages, file sizes).

export function formatInt(n: number): string {
  return new Intl.NumberFormat('en-US').format(n);
}

/** An ISO timestamp shown in the agency's time zone, e.g. "12 Mar 2025, 14:05 (America/Chicago)". */
export function formatDateTime(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    const text = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    }).format(d);
    return `${text} (${timeZone})`;
  } catch {
    return d.toISOString();
  }
}

const AGE_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

/** "3 days ago", "in 2 hours", relative to `now`. */
export function formatAge(iso: string, now: Date): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return '';
  const seconds = Math.round((then - now.getTime()) / 1000);
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of AGE_UNITS) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.trunc(seconds / size), unit);
  }
  return rtf.format(seconds, 'second');
}

/**
 * The first moment (ms since the epoch) at which formatAge(iso, ·) reads differently from
 * formatAge(iso, now), so a page showing the age can be kept exactly until then. A time in the
 * future is re-checked every second; an unparsable one never changes.
 */
export function ageChangesAt(iso: string, now: Date): number {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return Infinity;
  if (then > now.getTime()) return now.getTime() + 1000;
  const seconds = -Math.round((then - now.getTime()) / 1000);
  const i = AGE_UNITS.findIndex(([, size]) => seconds >= size);
  const step = i === -1 ? 1 : AGE_UNITS[i][1];
  const nextUnit = i === -1 ? AGE_UNITS[AGE_UNITS.length - 1][1] : i > 0 ? AGE_UNITS[i - 1][1] : Infinity;
  const boundary = Math.min((Math.floor(seconds / step) + 1) * step, nextUnit);
  // formatAge rounds to whole seconds (-x.5 rounds up), so `boundary` shows from 499 ms before it.
  return then + boundary * 1000 - 499;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 10 ? 0 : 1)} ${units[i]}`;
}
