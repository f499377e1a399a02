// CAD events: call source, call types, priority, lognormal response times by priority and
// precinct, disposition, caller PII and remarks; an event may produce an offense report.
import { Rng, sigmaFromP90 } from './rng.ts';
import { ACTIVITY_BEATS, RESPONSE_SCALE, placeIn } from './city.ts';
import {
  ALARM_TYPES, CALL_SOURCES, CALL_TYPES, DISPOSITIONS, ONVIEW_TYPES, PRIORITY_CALL, PRIORITY_ONVIEW, PRIORITY_URGENT,
  REPORT_RATE, URGENT,
} from './catalog.ts';
import type { Officer } from './force.ts';
import { makeReport, primaryOffense, type OffenseRow } from './offenses.ts';
import { personName, phone } from './names.ts';
import { MINUTE, HOUR, isoLocal, isoZ } from './time.ts';
import { cadRemarks } from './text.ts';


/** Response time (received to first arrival), minutes: [median, p90] by priority 1..4+. */
const RESPONSE: Array<[number, number]> = [[7.5, 15], [15, 60], [45, 180], [75, 360]].map(([m, p]) => [m, sigmaFromP90(m, p)]);

export interface CadContext {
  rng: Rng;
  b1: number;
  roster: Officer[];
  /** Next report number for a year, e.g. 2026-004512. */
  nextReport(year: string): string;
}

export interface CadRow {
  created: number;
  /** Latest instant at which the row changes. */
  lastChange: number;
  render(asOf: number): string[];
  report: OffenseRow[] | null;
}

function callType(rng: Rng, source: string): string {
  if (source === 'ONVIEW') {
    const t = ONVIEW_TYPES.pick(rng);
    return t === '*' ? CALL_TYPES.pick(rng) : t;
  }
  if (source === 'ALARM') return ALARM_TYPES.pick(rng);
  return CALL_TYPES.pick(rng);
}

/** One CAD event received at `recv` (UTC ms). */
export function cadEvent(ctx: CadContext, recv: number, eventId: string, year: string): CadRow {
  const rng = ctx.rng;
  const source = CALL_SOURCES.pick(rng);
  const onview = source === 'ONVIEW';
  const online = source === 'ONLINE';
  const hasReport = rng.chance(REPORT_RATE[source]);
  const offense = hasReport ? primaryOffense(rng, online) : null;
  let initial = offense && (online || rng.chance(0.8)) ? offense.callType : callType(rng, source);
  if (online && !offense) initial = 'THEFT - ALL OTHER';
  const priority = online ? 9 : onview ? PRIORITY_ONVIEW.pick(rng) : URGENT.has(initial) ? PRIORITY_URGENT.pick(rng) : PRIORITY_CALL.pick(rng);
  const place = placeIn(rng, ACTIVITY_BEATS.pick(rng));

  let disp = NaN, arr = NaN, clear: number, disposition: string;
  if (online) {
    clear = recv + rng.lognormal(20, 1) * HOUR;
    disposition = 'REPORT WRITTEN';
  } else if (onview) {
    disp = recv + rng.int(30) * 1000;
    arr = disp + rng.int(60) * 1000;
    clear = arr + rng.lognormal(offense ? 60 : 15, 0.8) * MINUTE;
    disposition = offense ? 'REPORT WRITTEN' : DISPOSITIONS.pick(rng);
  } else {
    const r = rng.next();
    const [median, sigma] = RESPONSE[Math.min(priority, 4) - 1];
    const response = rng.lognormal(median * (RESPONSE_SCALE[place.precinct] ?? 1), sigma) * MINUTE;
    if (r < 0.04 && !offense) {
      clear = recv + rng.lognormal(15, 0.6) * MINUTE;
      disposition = 'NO POLICE ACTION POSSIBLE OR NECESSARY';
    } else {
      disp = recv + response * (0.15 + 0.55 * rng.next());
      if (r < 0.1 && !offense) {
        clear = disp + rng.lognormal(8, 0.6) * MINUTE;
        disposition = rng.chance(0.5) ? 'CANCELLED BY COMPLAINANT' : 'UNABLE TO LOCATE INCIDENT OR COMPLAINANT';
      } else {
        arr = recv + response;
        clear = arr + rng.lognormal(offense ? 70 : 30, 0.8) * MINUTE;
        disposition = offense ? 'REPORT WRITTEN' : DISPOSITIONS.pick(rng);
      }
    }
  }
  const fr = rng.next();
  const finalType = offense ? offense.callType : fr < 0.78 ? initial : fr < 0.96 ? callType(rng, source) : '';
  const upd = clear + rng.range(1, 30) * MINUTE;
  const callerName = !onview && rng.chance(0.9) ? personName(rng) : '';
  const callerPhone = !onview && rng.chance(0.93) ? phone(rng) : '';
  const remarks = rng.chance(0.85) ? cadRemarks(rng, initial, place.address, onview) : '';
  let serials = '';
  if (!online) {
    const n = onview ? (rng.chance(0.7) ? 1 : 2) : rng.chance(0.55) ? 1 : rng.chance(0.75) ? 2 : 3;
    for (let i = 0; i < n; i++) serials += (i ? ';' : '') + ctx.roster[rng.int(ctx.roster.length)].serial;
  }
  let report: OffenseRow[] | null = null;
  let reportNumber = '';
  let repAt = NaN;
  if (offense) {
    reportNumber = ctx.nextReport(year);
    repAt = online ? recv : (Number.isNaN(arr) ? recv : arr) + rng.lognormal(40, 0.7) * MINUTE;
    const channel = online ? 'ONLINE' : source === 'NON_EMERGENCY' && offense.against === 'PROPERTY' && rng.chance(0.3) ? 'PHONE' : 'OFFICER';
    report = makeReport(rng, ctx.b1, reportNumber, repAt, channel, place, offense);
  }
  const zForm = rng.chance(0.01);
  const received = isoLocal(recv);
  const prio = String(priority);
  return {
    created: recv,
    lastChange: Math.max(upd, Number.isNaN(repAt) ? 0 : repAt),
    report,
    render(asOf: number): string[] {
      const d = disp <= asOf, a = arr <= asOf, c = clear <= asOf, rp = repAt <= asOf;
      let u = recv;
      if (d) u = disp;
      if (a) u = arr;
      if (c) u = upd <= asOf ? upd : clear;
      if (rp && repAt > u) u = repAt;
      return [
        eventId, received, d ? isoLocal(disp) : '', a ? isoLocal(arr) : '', c ? isoLocal(clear) : '', source, initial,
        c ? finalType : '', prio, c ? disposition : '', place.precinct, place.sector, place.beat, place.address,
        place.lat, place.lon, callerName, callerPhone, remarks, d ? serials : '', rp ? reportNumber : '',
        zForm ? isoZ(u) : isoLocal(u), 'ACTIVE',
      ];
    },
  };
}
