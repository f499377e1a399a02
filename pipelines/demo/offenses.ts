// RMS offense rows (NIBRS): one report from a CAD event holds one to three offenses sharing the
// victim, suspect, place and narrative; case status follows clearance rates, approval can lag.
import type { Rng } from './rng.ts';
import type { Place } from './city.ts';
import { ASSIGNED_UNITS, LOCATION_TYPES, OFFENSES, OFFICER_MIX, ONLINE_MIX, RACES, SEXES, type Offense } from './catalog.ts';
import { dobForAge, email, personName, phone } from './names.ts';
import { DAY, HOUR, MINUTE, isoLocal, isoZ, localDay } from './time.ts';
import { offenseNarrative } from './text.ts';

export interface OffenseRow {
  created: number;
  approvedAt: number;
  render(asOf: number): string[];
}

function victimAge(rng: Rng, o: Offense): number {
  const minorShare = o.code.startsWith('11') || o.code.startsWith('36') ? 0.4 : o.against === 'PERSON' ? 0.08 : 0.03;
  if (rng.chance(minorShare)) return rng.range(o.against === 'PERSON' ? 0 : 10, 17);
  return 18 + Math.floor(Math.pow(rng.next(), 1.5) * 78);
}

function unitFor(o: Offense, dv: boolean, online: boolean): string {
  const c = o.code;
  if (online) return 'ONLINE REPORTING';
  if (c.startsWith('09')) return 'HOMICIDE';
  if (c.startsWith('11') || c.startsWith('36')) return 'SEXUAL ASSAULT';
  if (c.startsWith('64') || c.startsWith('40')) return 'HUMAN TRAFFICKING';
  if (dv) return 'DOMESTIC VIOLENCE';
  if (c === '120') return 'ROBBERY';
  if (c.startsWith('13')) return 'ASSAULT';
  if (c === '240' || c === '280' || c === '23G') return 'AUTO THEFT';
  if (c.startsWith('26') || c === '250' || c === '270' || c === '210') return 'FRAUD';
  if (c.startsWith('35')) return 'NARCOTICS';
  return o.against === 'PROPERTY' ? ASSIGNED_UNITS[1] : ASSIGNED_UNITS[0];
}

/** Picks the primary offense of a report. */
export function primaryOffense(rng: Rng, online: boolean): Offense {
  return (online ? ONLINE_MIX : OFFICER_MIX).pick(rng);
}

/** Case status as known at the first export (b1). */
function caseStatus(rng: Rng, o: Offense, reportedAt: number, b1: number): string {
  if (rng.chance(o.cleared)) return rng.chance(0.85) ? 'CLOSED_ARREST' : 'CLOSED_EXCEPTIONAL';
  if (rng.chance(0.03)) return 'UNFOUNDED';
  return b1 - reportedAt > 60 * DAY && rng.chance(0.8) ? 'INACTIVE' : 'OPEN';
}

/** The offense rows of one report. */
export function makeReport(rng: Rng, b1: number, reportNumber: string, reportedAt: number, channel: string,
  place: Place, primary: Offense): OffenseRow[] {
  const online = channel === 'ONLINE';
  const offenses = [primary];
  const extra = rng.next();
  const n = extra < 0.87 ? 1 : extra < 0.97 ? 2 : 3;
  while (offenses.length < n) {
    const o = primaryOffense(rng, online);
    if (!offenses.includes(o)) offenses.push(o);
    else break;
  }
  const dv = !online && rng.chance(primary.dv);
  const day = localDay(reportedAt);
  const hasVictim = primary.against !== 'SOCIETY' || rng.chance(0.3);
  const victim = hasVictim ? personName(rng) : '';
  const vAge = victimAge(rng, primary);
  const vDob = hasVictim ? dobForAge(rng, day, vAge) : '';
  const knownSuspect = rng.chance(primary.against === 'PERSON' ? 0.75 : primary.against === 'SOCIETY' ? 0.95
    : primary.code === '23C' ? 0.7 : online ? 0.25 : 0.6);
  const suspect = knownSuspect ? personName(rng) : '';
  const sAge = knownSuspect ? 14 + Math.floor(Math.pow(rng.next(), 1.8) * 56) : 0;
  const sDob = knownSuspect && rng.chance(0.92) ? dobForAge(rng, day, sAge) : '';
  const vPhone = hasVictim && rng.chance(0.92) ? phone(rng) : '';
  const vEmail = hasVictim && rng.chance(online ? 1 : 0.6) ? email(rng, victim) : '';
  const lagMedian = primary.loc === 'X' ? 5 * 24 : primary.against === 'PERSON' ? 1 : 8;
  const occurredFrom = reportedAt - rng.lognormal(lagMedian, 1.1) * HOUR;
  const occurredTo = rng.chance(primary.against === 'PERSON' ? 0.4 : 0.7)
    ? isoLocal(occurredFrom + rng.next() * (reportedAt - occurredFrom)) : '';
  const narrative = rng.chance(0.95) ? offenseNarrative(rng, {
    description: primary.description, address: place.address, when: isoLocal(occurredFrom).slice(0, 16).replace('T', ' at '),
    victim: victim || 'the complainant', suspect, phone: vPhone || 'none given', email: vEmail || 'none', online,
  }) : '';
  const locType = rng.chance(0.97) ? LOCATION_TYPES[primary.loc].pick(rng) : '';
  const status = caseStatus(rng, primary, reportedAt, b1);
  const unit = rng.chance(0.92) ? unitFor(primary, dv, online) : '';
  const entered = reportedAt + rng.range(5, 90) * MINUTE;
  const approvedAt = entered + (rng.chance(0.03) ? rng.range(10, 90) * DAY : rng.lognormal(20, 1) * HOUR);
  const reported = isoLocal(reportedAt);
  const from = isoLocal(occurredFrom);
  const vSex = hasVictim ? SEXES.pick(rng) : '', sSex = knownSuspect ? SEXES.pick(rng) : '';
  const vRace = hasVictim ? RACES.pick(rng) : '', sRace = knownSuspect ? RACES.pick(rng) : '';
  const zForm = rng.chance(0.01);
  return offenses.map((o, i) => {
    const fixed = [
      reportNumber + '-' + (i + 1), reportNumber, reported, from, occurredTo, o.code, o.description, o.group, o.against,
      channel, place.precinct, place.sector, place.beat, place.neighborhood, place.address, place.lat, place.lon, locType,
      dv ? 'true' : 'false', victim, suspect, vDob, sDob, hasVictim ? String(vAge) : '', knownSuspect ? String(sAge) : '',
      vSex, sSex, vRace, sRace, vPhone, vEmail, narrative, status,
    ];
    return {
      created: reportedAt,
      approvedAt,
      render(asOf: number): string[] {
        const approved = approvedAt <= asOf;
        const upd = approved ? approvedAt : Math.min(entered, asOf);
        return [...fixed, approved ? 'APPROVED' : 'PENDING', unit, zForm ? isoZ(upd) : isoLocal(upd), 'ACTIVE'];
      },
    };
  });
}

const NEXT_STATUS: Record<string, string[]> = {
  OPEN: ['CLOSED_ARREST', 'CLOSED_EXCEPTIONAL', 'INACTIVE', 'UNFOUNDED'],
  INACTIVE: ['OPEN', 'CLOSED_ARREST', 'CLOSED_EXCEPTIONAL'],
  CLOSED_ARREST: ['OPEN', 'CLOSED_EXCEPTIONAL'],
  CLOSED_EXCEPTIONAL: ['CLOSED_ARREST', 'OPEN'],
  UNFOUNDED: ['OPEN'],
};

/** A later change to an offense row (contract order): reclassification or a case-status change. */
export function offenseChange(rng: Rng): (row: string[]) => void {
  const reclassify = rng.chance(0.5);
  const r1 = rng.next(), r2 = rng.next();
  return (row) => {
    if (reclassify) {
      const against = row[8];
      const same = OFFENSES.filter((o) => o.code !== row[5] && (o.against === against || against === 'ANY'));
      const pool = same.length ? same : OFFENSES.filter((o) => o.code !== row[5]);
      const o = pool[Math.floor(r1 * pool.length)];
      row[5] = o.code;
      row[6] = o.description;
      row[7] = o.group;
      row[8] = o.against;
    } else {
      const next = NEXT_STATUS[row[32]] ?? ['OPEN'];
      row[32] = next[Math.floor(r2 * next.length)];
    }
  };
}
