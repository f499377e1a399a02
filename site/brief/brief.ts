// The public safety brief's numbers, computed from the current release's published tables only
// (DuckDB views over rows.parquet). Each number carries the SoQL and SQL that reproduce it.
import type { DatasetManifest } from '../../publisher/manifest.ts';
import { quoteIdent, type SiteDb } from '../db.ts';
import type { ReleaseContext } from '../release-store.ts';
import { and, between, lit, soqlUrl, sqlText, type SoqlQuery } from './soql.ts';
import { ytdWindow, type Period, type YtdWindow } from './window.ts';

/**
 * Small-cell threshold for the brief's counts: 1 to MIN_CELL - 1 are shown as "fewer than 11".
 * Mirrors rule X7 (small-cell suppression of published aggregates, see rules/ and
 * publisher/aggregates.ts); the release manifest does not carry the threshold, so it is fixed here.
 */
export const MIN_CELL = 11;

export const OFFENSES_ID = 'nibr-offs';
export const CALLS_ID = 'c911-call';

export interface Measure {
  value: number;
  /** 1 to MIN_CELL - 1: shown as "fewer than 11". Zero is shown. */
  suppressed: boolean;
  soql: string;
  sql: string;
}

export interface GroupDef {
  key: string;
  label: string;
  datasetId: string;
  timeColumn: string;
  condition: string;
  definition: string;
}

/** The key groups; each condition is valid SoQL and DuckDB SQL alike. */
export const GROUPS: GroupDef[] = [
  { key: 'homicide', label: 'Homicide', datasetId: OFFENSES_ID, timeColumn: 'occurred_hour', condition: "nibrs_code='09A'", definition: 'Offenses with NIBRS code 09A (murder and non-negligent manslaughter).' },
  { key: 'robbery', label: 'Robbery', datasetId: OFFENSES_ID, timeColumn: 'occurred_hour', condition: "nibrs_code='120'", definition: 'Offenses with NIBRS code 120, robbery of people and of businesses (commercial robbery is included).' },
  { key: 'aggravated-assault', label: 'Aggravated assault', datasetId: OFFENSES_ID, timeColumn: 'occurred_hour', condition: "nibrs_code='13A'", definition: 'Offenses with NIBRS code 13A.' },
  { key: 'burglary', label: 'Burglary', datasetId: OFFENSES_ID, timeColumn: 'occurred_hour', condition: "nibrs_code='220'", definition: 'Offenses with NIBRS code 220 (burglary/breaking and entering).' },
  { key: 'motor-vehicle-theft', label: 'Motor vehicle theft', datasetId: OFFENSES_ID, timeColumn: 'occurred_hour', condition: "nibrs_code='240'", definition: 'Offenses with NIBRS code 240.' },
  {
    key: 'shootings',
    label: 'Shootings and shots fired',
    datasetId: CALLS_ID,
    timeColumn: 'received_hour',
    condition:
      "(final_call_type like 'SHOOTING%' OR final_call_type like 'SHOTS FIRED%' OR initial_call_type like 'SHOOTING%' OR initial_call_type like 'SHOTS FIRED%')",
    definition:
      'Dispatch events (911 calls for service) whose initial or final call type begins with SHOOTING or SHOTS FIRED. The published offense data has no weapon field, so shootings are counted from dispatch events; a reported shooting that turns out to be something else still counts, and call types such as “ASLT - WITH OR W/O WEAPONS (NO SHOOTINGS)” do not.',
  },
];

export interface GroupResult {
  def: GroupDef;
  current: Measure;
  previous: Measure;
}

export interface ClearanceResult {
  period: Period;
  cleared: Measure;
  total: Measure;
}

export interface ResponseRow {
  priority: number;
  events: number;
  /** null when fewer than MIN_CELL events (too few for a stable median, and a small cell). */
  median: number | null;
}

export interface BriefData {
  releaseId: string;
  offenses: { ds: DatasetManifest; window: YtdWindow } | null;
  calls: { ds: DatasetManifest; window: YtdWindow } | null;
  groups: GroupResult[];
  clearance: { current: ClearanceResult; previous: ClearanceResult } | null;
  response: { current: ResponseRow[]; previous: ResponseRow[]; soql: string; sql: string; soqlPrevious: string; sqlPrevious: string } | null;
}

export const isSmall = (n: number): boolean => n > 0 && n < MIN_CELL;

function measure(datasetId: string, where: string, value: number): Measure {
  const q: SoqlQuery = { select: 'count(*)', where };
  return { value, suppressed: isSmall(value), soql: soqlUrl(datasetId, q), sql: sqlText(datasetId, q) };
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

async function counts(db: SiteDb, view: string, conditions: string[]): Promise<number[]> {
  const cols = conditions.map((c, i) => `count(*) FILTER (WHERE ${c}) AS k${i}`);
  return db.withConnection(async (c) => {
    const row = (await c.runAndReadAll(`SELECT ${cols.join(', ')} FROM ${quoteIdent(view)}`)).getRowObjectsJson()[0];
    return conditions.map((_, i) => num(row[`k${i}`]));
  });
}

export const CLEARED = "case_status='Cleared by arrest'";
export const RESPONSE_CONDITION = "call_source='911' AND response_minutes IS NOT NULL";

export function responseQuery(p: Period): SoqlQuery {
  return {
    select: 'priority, count(*), median(response_minutes)',
    where: and(between('received_hour', p), RESPONSE_CONDITION),
    group: 'priority',
    order: 'priority',
  };
}

async function responseRows(db: SiteDb, view: string, p: Period): Promise<ResponseRow[]> {
  const q = responseQuery(p);
  const sql = `SELECT priority, count(*) AS events, median(response_minutes) AS median FROM ${quoteIdent(view)} WHERE ${q.where} GROUP BY priority ORDER BY priority`;
  return db.withConnection(async (c) => {
    const rows = (await c.runAndReadAll(sql)).getRowObjectsJson();
    return rows.map((r) => {
      const events = num(r.events);
      return { priority: num(r.priority), events, median: events >= MIN_CELL && r.median !== null ? Number(r.median) : null };
    });
  });
}

/** All numbers of the brief for one release (callers cache per release id). */
export async function computeBrief(ctx: ReleaseContext, db: SiteDb): Promise<BriefData> {
  const out: BriefData = { releaseId: ctx.id, offenses: null, calls: null, groups: [], clearance: null, response: null };
  const offDs = ctx.datasets.get(OFFENSES_ID);
  const callDs = ctx.datasets.get(CALLS_ID);
  if (offDs?.temporal.end) out.offenses = { ds: offDs, window: ytdWindow(offDs.temporal.end) };
  if (callDs?.temporal.end) out.calls = { ds: callDs, window: ytdWindow(callDs.temporal.end) };

  for (const [part, dsId] of [[out.offenses, OFFENSES_ID], [out.calls, CALLS_ID]] as const) {
    if (!part) continue;
    const view = (await ctx.view(part.ds)).name;
    const defs = GROUPS.filter((g) => g.datasetId === dsId);
    const w = part.window;
    const conditions = defs.flatMap((g) => [and(between(g.timeColumn, w.current), g.condition), and(between(g.timeColumn, w.previous), g.condition)]);
    if (dsId === OFFENSES_ID) {
      for (const p of [w.current, w.previous]) conditions.push(and(between('occurred_hour', p), CLEARED), between('occurred_hour', p));
    }
    const values = await counts(db, view, conditions);
    defs.forEach((g, i) => {
      out.groups.push({
        def: g,
        current: measure(dsId, conditions[2 * i], values[2 * i]),
        previous: measure(dsId, conditions[2 * i + 1], values[2 * i + 1]),
      });
    });
    if (dsId === OFFENSES_ID) {
      const k = defs.length * 2;
      const clear = (j: number, p: Period): ClearanceResult => ({
        period: p,
        cleared: measure(dsId, conditions[k + j], values[k + j]),
        total: measure(dsId, conditions[k + j + 1], values[k + j + 1]),
      });
      out.clearance = { current: clear(0, w.current), previous: clear(2, w.previous) };
    } else {
      const qc = responseQuery(w.current);
      const qp = responseQuery(w.previous);
      out.response = {
        current: await responseRows(db, view, w.current),
        previous: await responseRows(db, view, w.previous),
        soql: soqlUrl(dsId, qc),
        sql: sqlText(dsId, qc),
        soqlPrevious: soqlUrl(dsId, qp),
        sqlPrevious: sqlText(dsId, qp),
      };
    }
  }
  out.groups.sort((a, b) => GROUPS.indexOf(a.def) - GROUPS.indexOf(b.def));
  return out;
}

