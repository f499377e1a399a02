// Use-of-force records and the officer roster: ~1,300 officers with stable serials (the first
// 1,100 use force, the top 200 about half of it), repeat subjects with stable person ids.
import { Rng, Weighted } from './rng.ts';
import { FORCE_BEATS, placeIn } from './city.ts';
import { formalName, personName, dobForAge } from './names.ts';
import { DAY, MINUTE, dayString, isoLocal, isoZ, localDay } from './time.ts';
import { forceNarrative, INJURIES } from './text.ts';

export interface Officer {
  serial: string;
  name: string;
  race: string;
  sex: string;
  birthYear: string;
  hireDate: string;
}

const OFFICER_RACES = new Weighted<string>([['WHITE', 64], ['BLACK', 8], ['ASIAN', 10], ['HISPANIC', 9], ['NATIVE', 1.5],
  ['PACIFIC', 1.5], ['UNKNOWN', 6]]);
const SUBJECT_RACES = new Weighted<string>([['WHITE', 41], ['BLACK', 33], ['UNKNOWN', 19], ['HISPANIC', 3.6], ['ASIAN', 3.6],
  ['NATIVE', 1], ['PACIFIC', 0.6]]);
const SUBJECT_SEX = new Weighted<string>([['M', 76.7], ['F', 21.1], ['U', 2.2]]);
const LEVELS = new Weighted<string>([['LEVEL_1', 75.5], ['LEVEL_2', 22.7], ['LEVEL_3', 1.1], ['OIS', 0.7]]);
const TYPES: Record<string, Weighted<string>> = {
  LEVEL_1: new Weighted([['POINTED_FIREARM', 35], ['SOFT_TAKEDOWN', 30], ['HANDCUFF_PAIN', 25], ['OPEN_HAND_STRIKE', 10]]),
  LEVEL_2: new Weighted([['HARD_TAKEDOWN', 40], ['TASER', 20], ['OC_SPRAY', 15], ['STRIKES', 15], ['OTHER', 10]]),
  LEVEL_3: new Weighted([['IMPACT_WEAPON', 30], ['NECK_RESTRAINT', 10], ['CANINE', 30], ['STRIKES', 30]]),
  OIS: new Weighted([['FIREARM_DISCHARGE', 1]]),
};
const OFFICERS_PER_INCIDENT = new Weighted<number>([[1, 45], [2, 35], [3, 13], [4, 7]]);
/** Rows per incident on average (officers x subjects), used to turn a row volume into incidents. */
export const ROWS_PER_INCIDENT = 1.82 * 1.08;

/** The roster: stable for a seed. */
export function buildRoster(seed: number, endDay: number): Officer[] {
  const rng = new Rng(seed, 7001);
  const used = new Set<number>();
  const endYear = new Date(endDay * DAY).getUTCFullYear();
  const out: Officer[] = [];
  for (let i = 0; i < 1300; i++) {
    let n: number;
    do n = rng.range(10000, 99999); while (used.has(n));
    used.add(n);
    const birthYear = endYear - rng.range(23, 62);
    const hireAge = rng.range(21, Math.min(45, endYear - birthYear - 1));
    const hireDay = Math.floor(Date.UTC(birthYear + hireAge, 0, 1) / DAY) + rng.int(365);
    out.push({
      serial: 'S' + n, name: formalName(rng), race: OFFICER_RACES.pick(rng), sex: rng.chance(0.83) ? 'M' : 'F',
      birthYear: String(birthYear), hireDate: dayString(Math.min(hireDay, endDay - 30)),
    });
  }
  return out;
}

/** Officers who use force: the first 200 weigh 4.5 times the next 900, so they hold about half. */
export function forcePicker(roster: Officer[]): Weighted<Officer> {
  return new Weighted(roster.slice(0, 1100).map((o, i) => [o, i < 200 ? 4.5 : 1] as const));
}

interface Person { id: string; name: string; dob: string; race: string; sex: string }

/** A master person, derived from its id alone, so repeat subjects stay identical. */
function person(seed: number, n: number, onDay: number): Person {
  const rng = new Rng(seed, 1_000_000 + n);
  const birthDay = onDay - Math.floor(rng.range(16, 65) * 365.25) - rng.int(365);
  return { id: 'P' + (1000000 + n), name: personName(rng), dob: dayString(birthDay), race: SUBJECT_RACES.pick(rng),
    sex: SUBJECT_SEX.pick(rng) };
}

export interface ForceRow {
  created: number;
  reviewAt: number;
  render(asOf: number): string[];
}

/** Builds the rows of one force incident at `at` (UTC ms). */
export function forceIncident(rng: Rng, seed: number, officers: Weighted<Officer>, at: number, incidentNumber: string,
  newSubject: () => number): ForceRow[] {
  const place = placeIn(rng, FORCE_BEATS.pick(rng));
  const level = LEVELS.pick(rng);
  const nOfficers = level === 'OIS' ? rng.range(1, 3) : OFFICERS_PER_INCIDENT.pick(rng);
  const nSubjects = rng.chance(0.08) ? 2 : 1;
  const day = localDay(at);
  const subjects: Array<Person | null> = [];
  for (let s = 0; s < nSubjects; s++) {
    const r = rng.next();
    if (r < 0.03) subjects.push(null);
    else subjects.push(person(seed, r < 0.33 ? Math.floor(Math.pow(rng.next(), 2) * 600) : newSubject(), day));
  }
  const crew = new Set<Officer>();
  while (crew.size < nOfficers) crew.add(officers.pick(rng));
  const created = at + rng.range(30, 600) * MINUTE;
  const reviewAt = created + rng.lognormal(40, 0.8) * DAY;
  const review = level === 'OIS' || level === 'LEVEL_3' ? (rng.chance(0.6) ? 'UNDER_INVESTIGATION' : 'IN_POLICY')
    : rng.chance(0.96) ? 'IN_POLICY' : rng.chance(0.5) ? 'OUT_OF_POLICY' : 'UNDER_INVESTIGATION';
  const rows: ForceRow[] = [];
  let k = 0;
  for (const o of crew) {
    for (const subj of subjects) {
      k++;
      const rowLevel = k > 1 && rng.chance(0.2) ? 'LEVEL_1' : level;
      const t = TYPES[rowLevel];
      const types = rng.chance(0.3) && rowLevel !== 'OIS' ? [...new Set([t.pick(rng), t.pick(rng)])].join(';') : t.pick(rng);
      const injured = rng.chance(rowLevel === 'LEVEL_1' ? 0.1 : rowLevel === 'LEVEL_2' ? 0.6 : 0.9);
      const officerInjured = rng.chance(0.08) ? 'Y' : 'N';
      const injury = injured ? rng.pick(INJURIES[rowLevel]) : '';
      const narrative = forceNarrative(rng, o.name, o.serial, subj ? subj.name : '', types, place.address);
      const uofId = incidentNumber + '-' + k;
      const fixed = [
        uofId, incidentNumber, isoLocal(at), rowLevel, types, place.precinct, place.sector, place.beat, place.address,
        place.lat, place.lon, o.serial, o.name, o.race, o.sex, o.birthYear, o.hireDate,
        subj ? subj.id : '', subj ? subj.name : '', subj ? subj.dob : '', subj ? subj.race : 'UNKNOWN', subj ? subj.sex : 'U',
        injured ? 'Y' : 'N', officerInjured, injury, narrative,
      ];
      rows.push({
        created,
        reviewAt,
        render(asOf: number): string[] {
          const reviewed = reviewAt <= asOf;
          return [...fixed, reviewed ? review : 'PENDING', isoZ(reviewed ? reviewAt : Math.min(created, asOf)), 'ACTIVE'];
        },
      });
    }
  }
  return rows;
}

