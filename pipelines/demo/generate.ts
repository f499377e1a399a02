// The seeded, deterministic demo records generator: walks the covered days in local time and
// writes a CSV drop folder of two batches (a full export, then one night of new rows and updates).
import path from 'node:path';
import { CAD_EVENTS, RMS_OFFENSES, USE_OF_FORCE } from '../contract.ts';
import { cadEvent, type CadContext } from './cad.ts';
import { buildRoster, forceIncident, forcePicker, ROWS_PER_INCIDENT } from './force.ts';
import { offenseChange } from './offenses.ts';
import { Rng, Weighted } from './rng.ts';
import { TableSink, ensureDir, type Fate } from './sinks.ts';
import { DAY, batchName, dayString, isoLocal, isoZ, localDay, localToUtc } from './time.ts';

export interface DemoOptions {
  /** The CSV drop folder to write (created if missing). */
  outDir: string;
  /** Years covered (the CLI default is 2). */
  years: number;
  /** Seed (the CLI default is 1). */
  seed: number;
  /** Last day covered: the second batch is stamped at 02:00Z on this day, the first one a day earlier. */
  end: Date;
  /** Multiplies all volumes (default 1). */
  scale?: number;
  progress?: (step: string, done: number, total?: number) => void;
}

export interface DemoSummary {
  batches: string[];
  rows: Record<'cad_events' | 'rms_offenses' | 'use_of_force', number>;
  bytes: number;
}

const YEAR_DAYS = 365.2425;
const CAD_PER_YEAR = 750_000;
const FORCE_ROWS_PER_YEAR = 3_000;
const HOURLY = [0.9, 0.75, 0.6, 0.45, 0.35, 0.35, 0.45, 0.7, 0.9, 1, 1.05, 1.1, 1.15, 1.15, 1.2, 1.4, 1.4, 1.4, 1.3, 1.2,
  1.25, 1.4, 1.4, 1.2];
const HOURS = new Weighted(HOURLY.map((w, h) => [h, w] as const));
/** Day-of-week (Sunday first) and month factors, each averaging 1. */
const DOW = [0.96, 0.96, 0.96, 0.96, 0.96, 1.1, 1.1];
const MONTH = [0.99, 0.9, 0.99, 0.99, 0.99, 0.99, 1.1, 1.1, 0.99, 0.99, 0.99, 0.99];

/** Sorted event instants (UTC ms) of one local day, `n` of them, following the hourly pattern. */
function dayTimes(rng: Rng, day: number, n: number): Float64Array {
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = localToUtc(day * DAY + HOURS.pick(rng) * 3_600_000 + rng.int(3_600_000));
  return t.sort();
}

function counter(width: number): (year: string) => string {
  const seq = new Map<string, number>();
  return (year) => {
    const n = (seq.get(year) ?? 0) + 1;
    seq.set(year, n);
    return year + '-' + String(n).padStart(width, '0');
  };
}

/**
 * Picks rare rows (about a share p of them) with bounded gaps instead of coin flips, so that
 * even a small run holds about its expected count, and at least `min` of them.
 */
class Every {
  private n = 0;
  private next: number;
  private readonly mean: number;

  constructor(private readonly rng: Rng, p: number, expectedRows: number, min: number) {
    this.mean = 1 / Math.min(0.5, Math.max(p, (1.5 * min) / Math.max(1, expectedRows)));
    this.next = Math.floor(this.rng.next() * this.mean);
  }

  /** Counts a row; true once the row is due. A due pick stays due until take() is called. */
  due(): boolean {
    return this.n++ >= this.next;
  }

  take(): void {
    this.next = this.n + Math.floor(this.mean * (0.5 + this.rng.next()));
  }
}

export async function generateDemoRecords(opts: DemoOptions): Promise<DemoSummary> {
  const scale = opts.scale ?? 1;
  const seed = opts.seed;
  const progress = opts.progress ?? (() => {});
  const e = opts.end;
  const b2 = Date.UTC(e.getUTCFullYear(), e.getUTCMonth(), e.getUTCDate(), 2);
  const b1 = b2 - DAY;
  const start = b2 - Math.round(opts.years * YEAR_DAYS) * DAY;
  const batches = [batchName(b1), batchName(b2)];
  const [dir1, dir2] = batches.map((b) => path.join(opts.outDir, b));
  ensureDir(dir1);
  ensureDir(dir2);

  const rng = new Rng(seed);
  const fates = new Rng(seed, 2);
  const local = { b1, b2, fmt: isoLocal };
  const cad = new TableSink(CAD_EVENTS, dir1, dir2, seed, 11, local);
  const rms = new TableSink(RMS_OFFENSES, dir1, dir2, seed, 12, local);
  const uof = new TableSink(USE_OF_FORCE, dir1, dir2, seed, 13, { b1, b2, fmt: isoZ });

  const firstDay = localDay(start);
  const lastDay = localDay(b2 - 1);
  const roster = buildRoster(seed, lastDay);
  const forceOfficers = forcePicker(roster);
  const nextEvent = counter(8);
  const nextIncident = counter(5);
  let subjects = 1000;
  const ctx: CadContext = { rng, b1, roster, nextReport: counter(6) };

  const years = opts.years;
  const nCad = CAD_PER_YEAR * years * scale, nRms = 72_000 * years * scale, nUof = FORCE_ROWS_PER_YEAR * years * scale;
  const cadPicks = [new Every(fates, 0.0002, nCad, 0), new Every(fates, 0.0005, nCad, 3), null] as const;
  const rmsPicks = [new Every(fates, 0.0002, nRms, 0), new Every(fates, 0.0005, nRms, 2), new Every(fates, 0.005, nRms, 4)] as const;
  const uofPicks = [null, new Every(fates, 0.002, nUof, 2), null] as const;
  const between = (): number => b1 + 60_000 + Math.floor(fates.next() * (DAY - 120_000));
  /** Early sealing, sealing between the batches, or another change between the batches. */
  const fateOf = (picks: readonly [Every | null, Every | null, Every | null], created: number): Fate => {
    if (created > b1) return {};
    const [early, seal, change] = picks.map((p) => p !== null && p.due());
    if (early) { picks[0]!.take(); return { sealedEarly: true }; }
    if (seal) { picks[1]!.take(); return { sealAt: between() }; }
    if (change) { picks[2]!.take(); return { modAt: between(), mod: offenseChange(fates) }; }
    return {};
  };

  const totalDays = lastDay - firstDay + 1;
  for (let day = firstDay; day <= lastDay; day++) {
    const date = new Date(day * DAY);
    const factor = DOW[date.getUTCDay()] * MONTH[date.getUTCMonth()] * scale;
    const year = dayString(day).slice(0, 4);

    const times = dayTimes(rng, day, rng.round((CAD_PER_YEAR / YEAR_DAYS) * factor));
    for (let i = 0; i < times.length; i++) {
      const recv = Math.floor(times[i] / 1000) * 1000;
      if (recv < start || recv >= b2) continue;
      const ev = cadEvent(ctx, recv, nextEvent(year), year);
      cad.route(ev.created, ev.lastChange, ev.render, fateOf(cadPicks, ev.created));
      if (ev.report) {
        for (const o of ev.report) rms.route(o.created, o.approvedAt, o.render, fateOf(rmsPicks, o.created));
      }
    }

    const incidents = dayTimes(rng, day, rng.round((FORCE_ROWS_PER_YEAR / ROWS_PER_INCIDENT / YEAR_DAYS) * factor));
    for (let i = 0; i < incidents.length; i++) {
      const at = Math.floor(incidents[i] / 1000) * 1000;
      if (at < start || at >= b2) continue;
      const rows = forceIncident(rng, seed, forceOfficers, at, 'F' + nextIncident(year), () => subjects++);
      for (const row of rows) uof.route(row.created, row.reviewAt, row.render, fateOf(uofPicks, row.created));
    }

    await cad.drain();
    await rms.drain();
    await uof.drain();
    if ((day - firstDay) % 30 === 0) progress('days', day - firstDay, totalDays);
  }
  await cad.close();
  await rms.close();
  await uof.close();
  progress('days', totalDays, totalDays);
  return {
    batches,
    rows: { cad_events: cad.rows, rms_offenses: rms.rows, use_of_force: uof.rows },
    bytes: cad.bytes + rms.bytes + uof.bytes,
  };
}
