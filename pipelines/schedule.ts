// The scheduler behind `npm start`: one node-cron task per dataset, in the agency's time zone,
// never overlapping itself, runs of different datasets queued one after another, and a source
// that is down retried with exponential backoff (pipelines/retry.ts). Also the schedule as people
// read it: the cron expression in words and the next run time from any clock.
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from './io.ts';
import { DEFAULT_RETRY, withRetry, type RetryOptions } from './retry.ts';

export interface ScheduledDataset {
  id: string;
  slug: string;
  schedule: string;
}

export interface Scheduler {
  stop(): void;
  /** The next run of each dataset, from node-cron's own tasks. */
  nextRuns(): { id: string; next: Date | null }[];
}

export interface ScheduleOptions {
  /** Retry a run whose source is unreachable; `false` turns retries off. */
  retry?: Partial<RetryOptions> | false;
}

/** Registers the schedules; `runDataset` is queued so two runs never share the data directory. */
export function scheduleDatasets(
  datasets: ScheduledDataset[],
  timezone: string,
  runDataset: (id: string) => Promise<void>,
  log: Logger,
  opts: ScheduleOptions = {},
): Scheduler {
  let queue: Promise<void> = Promise.resolve();
  const retry: RetryOptions | null = opts.retry === false ? null : { ...DEFAULT_RETRY, log, ...opts.retry };
  const tasks = datasets.map((d) => {
    if (!cron.validate(d.schedule)) throw new Error(`dataset ${d.slug}: "${d.schedule}" is not a valid cron expression`);
    const attempt = () => (retry ? withRetry(() => runDataset(d.id), { ...retry, label: `scheduled run of ${d.slug}` }) : runDataset(d.id));
    const task = cron.schedule(
      d.schedule,
      () => {
        queue = queue.then(() =>
          attempt().catch((err) => log.error(`scheduled run of ${d.slug} failed: ${(err as Error).message}`)),
        );
        return queue;
      },
      { timezone, noOverlap: true, name: `publish-${d.slug}` },
    );
    log.info(`scheduled ${d.slug} at "${d.schedule}" (${timezone})`);
    return { id: d.id, task };
  });
  return {
    stop: () => tasks.forEach((t) => t.task.stop()),
    nextRuns: () => tasks.map((t) => ({ id: t.id, next: t.task.getNextRun() })),
  };
}

// ---- The next run, from a given clock -------------------------------------------------------

const MAX_DAYS = 366 * 8; // long enough for a 29 February schedule
const matchers = new Map<string, ScheduledTask>();

/** A never-started node-cron task, used only for its `match(date)` (node-cron's own semantics). */
function matcher(expr: string, timezone: string): ScheduledTask {
  const key = `${timezone}\u0000${expr}`;
  let t = matchers.get(key);
  if (!t) {
    if (matchers.size > 256) matchers.clear();
    t = cron.createTask(expr, () => {}, { timezone });
    matchers.set(key, t);
  }
  return t;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();
function localParts(ms: number, timezone: string) {
  let f = partsFormatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    partsFormatters.set(timezone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second };
}

/** UTC ms of a local wall-clock time in `timezone` (a time skipped by DST reads back differently). */
function localToUtc(y: number, mo: number, d: number, h: number, mi: number, s: number, timezone: string): number {
  const guess = Date.UTC(y, mo - 1, d, h, mi, s);
  const offsetAt = (ms: number) => {
    const p = localParts(ms, timezone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - ms;
  };
  const first = guess - offsetAt(guess);
  const second = guess - offsetAt(first);
  if (first === second) return first;
  // Around a transition: prefer the candidate that reads back as the wanted wall time (the earlier
  // one when both do, i.e. the first 01:30 of a fall-back night).
  const reads = (ms: number) => {
    const p = localParts(ms, timezone);
    return p.year === y && p.month === mo && p.day === d && p.hour === h && p.minute === mi;
  };
  const ok = [first, second].filter(reads);
  return ok.length ? Math.min(...ok) : Math.max(first, second);
}

/**
 * The first time strictly after `from` that the cron expression fires in `timezone`, as node-cron
 * would fire it: wall-clock times that a spring-forward skips do not run that day, and a time that a
 * fall-back repeats runs once, at its first occurrence. Null when nothing matches within 8 years.
 */
export function nextRun(expr: string, timezone: string, from: Date): Date | null {
  const fields = cron.parse(expr);
  const task = matcher(expr, timezone);
  const asc = (a: number, b: number) => a - b;
  const seconds = [...fields.second].sort(asc);
  const minutes = [...fields.minute].sort(asc);
  const hours = [...fields.hour].sort(asc);
  const numericDays = fields.dayOfMonth.every((v) => typeof v === 'number') ? new Set(fields.dayOfMonth as number[]) : null;
  const numericWeekdays = fields.dayOfWeek.every((v) => typeof v === 'number') ? new Set((fields.dayOfWeek as number[]).map((w) => w % 7)) : null;
  const fromMs = Math.floor(from.getTime() / 1000) * 1000;
  const start = localParts(fromMs, timezone);
  for (let i = 0; i < MAX_DAYS; i++) {
    const day = new Date(Date.UTC(start.year, start.month - 1, start.day + i));
    const [y, mo, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
    if (!fields.month.includes(mo)) continue;
    if (numericDays && !numericDays.has(d)) continue;
    if (numericWeekdays && !numericWeekdays.has(day.getUTCDay())) continue;
    for (const h of hours) {
      for (const mi of minutes) {
        for (const s of seconds) {
          const ms = localToUtc(y, mo, d, h, mi, s, timezone);
          if (ms > fromMs && task.match(new Date(ms))) return new Date(ms);
        }
      }
    }
  }
  return null;
}

// ---- The schedule in words ------------------------------------------------------------------

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function clock12(h: number, m: number): string {
  const suffix = h < 12 ? 'a.m.' : 'p.m.';
  const hh = h % 12 === 0 ? 12 : h % 12;
  return `${hh}:${String(m).padStart(2, '0')} ${suffix}`;
}

function list(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const ordinal = (n: number) => `${n}${n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th'}`;

/** "Every day at 3:15 a.m." for the common shapes; anything else is described by its fields. */
export function describeCron(expr: string): string {
  const raw = expr.trim().split(/\s+/);
  const f = raw.length === 6 ? raw.slice(1) : raw;
  if (!cron.validate(expr) || f.length !== 5 || (raw.length === 6 && raw[0] !== '0')) return `On the cron schedule ${expr}`;
  const [min, hour, dom, month, dow] = f;
  const nums = (s: string) => (/^\d+(,\d+)*$/.test(s) ? s.split(',').map(Number) : null);
  const mins = nums(min);
  const hrs = nums(hour);
  const hourly = mins?.length === 1 && hour === '*';
  if (!(mins?.length === 1 && (hrs || hourly))) return `On the cron schedule ${expr}`;
  const fields = cron.parse(expr);
  let days: string;
  if (dom === '*' && dow === '*') days = 'Every day';
  else if (dom === '*' && /^[\d,a-z-]+$/i.test(dow)) {
    const wd = [...new Set((fields.dayOfWeek as number[]).map((w) => w % 7))].sort();
    days = wd.join() === '1,2,3,4,5' ? 'Every weekday (Monday to Friday)' : `Every ${list(wd.map((w) => WEEKDAYS[w]))}`;
  } else if (dow === '*' && nums(dom)) days = `On the ${list(nums(dom)!.map(ordinal))} day of the month`;
  else return `On the cron schedule ${expr}`;
  const months = month === '*' ? '' : nums(month) ? ` in ${list(nums(month)!.map((m) => MONTHS[m - 1]))}` : null;
  if (months === null) return `On the cron schedule ${expr}`;
  if (hourly) {
    const past = mins[0] === 0 ? 'on the hour' : `at ${mins[0]} minutes past`;
    return days === 'Every day' && !months ? `Every hour, ${past}` : `${days}${months}, every hour ${past}`;
  }
  return `${days}${months} at ${list(hrs!.map((h) => clock12(h, mins[0])))}`;
}
