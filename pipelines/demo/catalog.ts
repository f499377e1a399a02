// Code tables of the demo generator: CAD call types and sources, priorities, dispositions,
// the NIBRS offense mix with clearance rates and online eligibility, and location types.
import { Weighted } from './rng.ts';

export const CALL_SOURCES = new Weighted<string>([
  ['911', 40], ['ONVIEW', 32], ['NON_EMERGENCY', 22.2], ['ALARM', 3.5], ['ONLINE', 2], ['TEXT', 0.3],
]);

/** Share of events of each source that produce an offense report (ONLINE always does). */
export const REPORT_RATE: Record<string, number> = { '911': 0.085, NON_EMERGENCY: 0.085, TEXT: 0.085, ONVIEW: 0.035, ALARM: 0.02, ONLINE: 1 };

// [call type, weight (percent of all events), urgent]
const CALLS: Array<[string, number, boolean?]> = [
  ['DISTURBANCE, MISCELLANEOUS/OTHER', 10], ['SUSPICIOUS PERSON, VEHICLE OR INCIDENT', 7],
  ['SERVICE - WELFARE CHECK', 3], ['TRESPASS', 3], ['DIST - DV - NO ASLT', 2],
  ['TRAFFIC - MV COLLISION INVESTIGATION', 2], ['ASLT - WITH OR W/O WEAPONS (NO SHOOTINGS)', 2, true],
  ['THREATS', 1.5], ['PERSON IN BEHAVIORAL/EMOTIONAL CRISIS', 1.5], ['ASLT - IP/JO - DV', 1, true],
  ['SUICIDE - IP/JO SUICIDAL PERSON AND ATTEMPTS', 0.5, true], ['MISSING - CHILD', 0.3, true],
  ['DOA - CASUALTY, DEAD BODY', 0.3], ['BURG - RESIDENTIAL', 1.2], ['BURG - COMMERCIAL', 0.6],
  ['AUTO THEFT - VEH THEFT OR THEFT & RECOVERY', 1], ['ROBB - IP/JO (PERSON)', 0.3, true],
  ['SHOTS FIRED (NO VICTIMS)', 0.1, true], ['ROBB - COMMERCIAL', 0.15, true], ['DV - ASSAULT', 0.5, true],
  ['SEX OFFENSE - RAPE', 0.1], ['SEX OFFENSE - MOLESTATION', 0.05], ['CHILD ABUSE', 0.08], ['OVERDOSE', 0.6, true],
  ['MISSING - ADULT', 0.3], ['JUVENILE - RUNAWAY', 0.3], ['THEFT - SHOPLIFT', 1.5], ['THEFT - CAR PROWL', 1.5],
  ['THEFT - ALL OTHER', 1.2], ['PROPERTY DAMAGE', 1], ['NOISE - DIST, GENERAL (CONST, RESID, BALL PLAY)', 1.5],
  ['PARKING VIOLATION (EXCEPT ABANDONED CAR)', 1.5], ['TRAFFIC - BLOCKING ROADWAY', 0.8], ['TRAFFIC - D.U.I.', 0.4],
  ['ASSIST OTHER AGENCY', 0.8], ['ASSIST PUBLIC - OTHER (NON-SPECIFIED)', 0.8], ['NARCOTICS - VIOLATIONS', 0.6],
  ['PROWLER', 0.3], ['HARASSMENT', 0.5], ['FRAUD - IDENTITY THEFT', 0.4], ['FRAUD - CHECK, CREDIT CARD', 0.3],
  ['WEAPN - GUN,DEADLY WPN (NO THRT/ASLT/DIST)', 0.3, true], ['SHOOTING - IP/JO', 0.05, true],
  ['FIGHT - IP - PHYSICAL (NO WEAPONS)', 0.8, true], ['HAZARDS - ROAD OBSTRUCTION', 0.3],
  ['LIQUOR VIOLATIONS - ADULT', 0.2], ['ANIMAL - COMPLAINT', 0.3], ['ORDER - VIOLATION OF DV COURT ORDER', 0.4],
  ['KIDNAP - GENERAL', 0.02, true], ['FIRE - ARSON', 0.05], ['LEWD CONDUCT - INDECENT EXPOSURE', 0.1],
  ['FOUND PROPERTY', 0.4], ['LOST PROPERTY', 0.2], ['TRAFFIC - HIT AND RUN', 0.5],
  ['FIREWORKS - NUISANCE (NO HAZARD)', 0.1], ['VICE - HUMAN TRAFFICKING', 0.01], ['HOMICIDE', 0.01, true],
];

export const URGENT = new Set(CALLS.filter((c) => c[2]).map((c) => c[0]));
/** Call types for phone, text and 911 calls. */
export const CALL_TYPES = new Weighted(CALLS.map((c) => [c[0], c[1]] as const));
/** Officer-initiated events: premise checks and traffic stops dominate. */
export const ONVIEW_TYPES = new Weighted<string>([
  ['PREMISE CHECK, OFFICER INITIATED ONVIEW ONLY', 44], ['TRAFFIC STOP - OFFICER INITIATED ONVIEW', 19],
  ['DIRECTED PATROL ACTIVITY', 8], ['SUSPICIOUS STOP - OFFICER INITIATED ONVIEW', 5], ['TRAFFIC - ASSIST MOTORIST', 3],
  ['*', 21],
]);
export const ALARM_TYPES = new Weighted<string>([
  ['ALARM - COMMERCIAL BURGLARY', 55], ['ALARM - RESIDENTIAL BURGLARY', 30], ['ALARM - HOLD UP/PANIC', 10],
  ['ALARM - AUDIBLE AUTOMOBILE ANTI-THEFT', 5],
]);

export const PRIORITY_URGENT = new Weighted<number>([[1, 40], [2, 50], [3, 10]]);
export const PRIORITY_CALL = new Weighted<number>([[1, 1.5], [2, 33], [3, 30], [4, 13], [5, 3], [6, 5], [7, 8], [8, 1.5], [9, 3]]);
export const PRIORITY_ONVIEW = new Weighted<number>([[7, 90], [6, 4], [4, 3], [2, 2], [1, 1]]);

export const DISPOSITIONS = new Weighted<string>([
  ['ASSISTANCE RENDERED', 22], ['NO POLICE ACTION POSSIBLE OR NECESSARY', 18], ['RESPONDING OFFICER INFORMATION ONLY', 15],
  ['UNABLE TO LOCATE INCIDENT OR COMPLAINANT', 14], ['ORAL WARNING GIVEN', 8], ['CITATION ISSUED', 5],
  ['PHYSICAL ARREST MADE', 4], ['PROBLEM SOLVING PROJECT', 2], ['DUPLICATE', 2], ['OTHER REPORT MADE', 3],
]);

export interface Offense {
  code: string;
  description: string;
  group: 'A' | 'B';
  against: 'PERSON' | 'PROPERTY' | 'SOCIETY' | 'ANY';
  share: number;
  cleared: number;
  online: boolean;
  /** CAD call type for an event that produced this offense. */
  callType: string;
  /** Location family: R residence, S street, C commercial, X cyberspace, M mixed. */
  loc: 'R' | 'S' | 'C' | 'X' | 'M';
  /** Probability the offense is domestic violence. */
  dv: number;
}

type Row = [string, string, 'A' | 'B', Offense['against'], number, number, 0 | 1, string, Offense['loc'], number];
const P = 'PERSON', Pr = 'PROPERTY', S = 'SOCIETY';
const OFFENSE_ROWS: Row[] = [
  ['23F', 'THEFT FROM MOTOR VEHICLE', 'A', Pr, 15.8, 0.03, 1, 'THEFT - CAR PROWL', 'S', 0],
  ['220', 'BURGLARY/BREAKING & ENTERING', 'A', Pr, 11.3, 0.1, 0, 'BURG - RESIDENTIAL', 'M', 0.02],
  ['290', 'DESTRUCTION/DAMAGE/VANDALISM OF PROPERTY', 'A', Pr, 9.4, 0.08, 1, 'PROPERTY DAMAGE', 'M', 0.06],
  ['23H', 'ALL OTHER LARCENY', 'A', Pr, 8.4, 0.1, 1, 'THEFT - ALL OTHER', 'M', 0.01],
  ['13B', 'SIMPLE ASSAULT', 'A', P, 7.6, 0.35, 0, 'ASLT - WITH OR W/O WEAPONS (NO SHOOTINGS)', 'M', 0.45],
  ['240', 'MOTOR VEHICLE THEFT', 'A', Pr, 6.9, 0.08, 0, 'AUTO THEFT - VEH THEFT OR THEFT & RECOVERY', 'S', 0.01],
  ['23C', 'SHOPLIFTING', 'A', Pr, 6.1, 0.35, 0, 'THEFT - SHOPLIFT', 'C', 0],
  ['23G', 'THEFT OF MOTOR VEHICLE PARTS OR ACCESSORIES', 'A', Pr, 3.5, 0.05, 1, 'THEFT - CAR PROWL', 'S', 0],
  ['13A', 'AGGRAVATED ASSAULT', 'A', P, 3.5, 0.45, 0, 'ASLT - WITH OR W/O WEAPONS (NO SHOOTINGS)', 'M', 0.45],
  ['13C', 'INTIMIDATION', 'A', P, 3.4, 0.35, 0, 'THREATS', 'M', 0.4],
  ['90J', 'TRESPASS OF REAL PROPERTY', 'B', S, 3.1, 0.9, 0, 'TRESPASS', 'C', 0],
  ['23D', 'THEFT FROM BUILDING', 'A', Pr, 2.8, 0.1, 1, 'THEFT - ALL OTHER', 'C', 0.01],
  ['120', 'ROBBERY', 'A', Pr, 2.3, 0.25, 0, 'ROBB - COMMERCIAL', 'M', 0.02],
  ['35A', 'DRUG/NARCOTIC VIOLATIONS', 'A', S, 2.2, 0.9, 0, 'NARCOTICS - VIOLATIONS', 'S', 0],
  ['26B', 'CREDIT CARD/AUTOMATED TELLER MACHINE FRAUD', 'A', Pr, 1.8, 0.05, 1, 'FRAUD - CHECK, CREDIT CARD', 'X', 0.01],
  ['90D', 'DRIVING UNDER THE INFLUENCE', 'B', S, 1.8, 0.9, 0, 'TRAFFIC - D.U.I.', 'S', 0],
  ['26F', 'IDENTITY THEFT', 'A', Pr, 1.2, 0.05, 1, 'FRAUD - IDENTITY THEFT', 'X', 0.01],
  ['26C', 'IMPERSONATION', 'A', Pr, 1.2, 0.05, 1, 'FRAUD - IDENTITY THEFT', 'X', 0],
  ['26A', 'FALSE PRETENSES/SWINDLE/CONFIDENCE GAME', 'A', Pr, 1.1, 0.05, 1, 'FRAUD - CHECK, CREDIT CARD', 'X', 0.01],
  ['520', 'WEAPON LAW VIOLATIONS', 'A', S, 1.0, 0.9, 0, 'SHOTS FIRED (NO VICTIMS)', 'S', 0],
  ['11A', 'RAPE', 'A', P, 0.23, 0.25, 0, 'SEX OFFENSE - RAPE', 'R', 0.3],
  ['09A', 'MURDER & NONNEGLIGENT MANSLAUGHTER', 'A', P, 0.08, 0.55, 0, 'HOMICIDE', 'M', 0.25],
  ['11B', 'SODOMY', 'A', P, 0.05, 0.25, 0, 'SEX OFFENSE - RAPE', 'R', 0.3],
  ['11C', 'SEXUAL ASSAULT WITH AN OBJECT', 'A', P, 0.04, 0.25, 0, 'SEX OFFENSE - RAPE', 'R', 0.3],
  ['11D', 'FONDLING', 'A', P, 0.35, 0.3, 0, 'SEX OFFENSE - MOLESTATION', 'M', 0.2],
  ['36A', 'INCEST', 'A', S, 0.01, 0.4, 0, 'SEX OFFENSE - MOLESTATION', 'R', 1],
  ['36B', 'STATUTORY RAPE', 'A', S, 0.04, 0.4, 0, 'SEX OFFENSE - RAPE', 'R', 0.1],
  ['64A', 'HUMAN TRAFFICKING, COMMERCIAL SEX ACTS', 'A', P, 0.03, 0.3, 0, 'VICE - HUMAN TRAFFICKING', 'C', 0],
  ['64B', 'HUMAN TRAFFICKING, INVOLUNTARY SERVITUDE', 'A', P, 0.005, 0.3, 0, 'VICE - HUMAN TRAFFICKING', 'C', 0],
  ['100', 'KIDNAPPING/ABDUCTION', 'A', P, 0.25, 0.5, 0, 'KIDNAP - GENERAL', 'M', 0.4],
  ['200', 'ARSON', 'A', Pr, 0.3, 0.15, 0, 'FIRE - ARSON', 'M', 0.05],
  ['250', 'COUNTERFEITING/FORGERY', 'A', Pr, 0.3, 0.1, 0, 'FRAUD - CHECK, CREDIT CARD', 'C', 0],
  ['280', 'STOLEN PROPERTY OFFENSES', 'A', Pr, 0.5, 0.8, 0, 'AUTO THEFT - VEH THEFT OR THEFT & RECOVERY', 'S', 0],
  ['23A', 'POCKET-PICKING', 'A', Pr, 0.4, 0.05, 1, 'THEFT - ALL OTHER', 'S', 0],
  ['23B', 'PURSE-SNATCHING', 'A', Pr, 0.1, 0.1, 0, 'ROBB - IP/JO (PERSON)', 'S', 0],
  ['23E', 'THEFT FROM COIN-OPERATED MACHINE OR DEVICE', 'A', Pr, 0.05, 0.05, 1, 'THEFT - ALL OTHER', 'C', 0],
  ['210', 'EXTORTION/BLACKMAIL', 'A', Pr, 0.2, 0.1, 0, 'THREATS', 'X', 0.1],
  ['270', 'EMBEZZLEMENT', 'A', Pr, 0.15, 0.3, 0, 'FRAUD - CHECK, CREDIT CARD', 'C', 0],
  ['26E', 'WIRE FRAUD', 'A', Pr, 0.3, 0.05, 1, 'FRAUD - IDENTITY THEFT', 'X', 0],
  ['26G', 'HACKING/COMPUTER INVASION', 'A', Pr, 0.05, 0.05, 1, 'FRAUD - IDENTITY THEFT', 'X', 0.1],
  ['35B', 'DRUG EQUIPMENT VIOLATIONS', 'A', S, 0.3, 0.9, 0, 'NARCOTICS - VIOLATIONS', 'S', 0],
  ['370', 'PORNOGRAPHY/OBSCENE MATERIAL', 'A', S, 0.05, 0.5, 0, 'SEX OFFENSE - MOLESTATION', 'X', 0],
  ['40A', 'PROSTITUTION', 'A', S, 0.1, 0.9, 0, 'VICE - HUMAN TRAFFICKING', 'S', 0],
  ['40B', 'ASSISTING OR PROMOTING PROSTITUTION', 'A', S, 0.02, 0.7, 0, 'VICE - HUMAN TRAFFICKING', 'C', 0],
  ['720', 'ANIMAL CRUELTY', 'A', S, 0.05, 0.4, 0, 'ANIMAL - COMPLAINT', 'R', 0.05],
  ['09B', 'NEGLIGENT MANSLAUGHTER', 'A', P, 0.01, 0.6, 0, 'HOMICIDE', 'S', 0],
  ['09C', 'JUSTIFIABLE HOMICIDE', 'A', P, 0.005, 0.9, 0, 'HOMICIDE', 'M', 0],
  ['90C', 'DISORDERLY CONDUCT', 'B', S, 0.2, 0.9, 0, 'DISTURBANCE, MISCELLANEOUS/OTHER', 'S', 0],
  ['90F', 'FAMILY OFFENSES, NONVIOLENT', 'B', S, 0.2, 0.5, 0, 'DIST - DV - NO ASLT', 'R', 0.6],
  ['90Z', 'ALL OTHER OFFENSES', 'B', 'ANY', 2.3, 0.5, 0, 'DISTURBANCE, MISCELLANEOUS/OTHER', 'M', 0.05],
];

export const OFFENSES: Offense[] = OFFENSE_ROWS.map((r) => ({
  code: r[0], description: r[1], group: r[2], against: r[3], share: r[4], cleared: r[5], online: r[6] === 1,
  callType: r[7], loc: r[8], dv: r[9],
}));
export const OFFENSE_BY_CODE = new Map(OFFENSES.map((o) => [o.code, o]));

// About 20% of all offenses are filed online, all of them from online-eligible codes.
const ONLINE_TARGET = 0.2;
const eligibleShare = OFFENSES.filter((o) => o.online).reduce((a, o) => a + o.share, 0);
const totalShare = OFFENSES.reduce((a, o) => a + o.share, 0);
const onlineFrac = Math.min(0.9, (ONLINE_TARGET * totalShare) / eligibleShare);
export const ONLINE_MIX = new Weighted(OFFENSES.filter((o) => o.online).map((o) => [o, o.share] as const));
export const OFFICER_MIX = new Weighted(OFFENSES.map((o) => [o, o.online ? o.share * (1 - onlineFrac) : o.share] as const));

export const LOCATION_TYPES: Record<Offense['loc'], Weighted<string>> = {
  R: new Weighted([['RESIDENCE/HOME', 80], ['HOTEL/MOTEL', 8], ['PARK/PLAYGROUND', 4], ['OTHER/UNKNOWN', 8]]),
  S: new Weighted([['STREET', 55], ['PARKING LOT/GARAGE', 30], ['RESIDENCE/HOME', 8], ['GAS STATION', 3], ['OTHER/UNKNOWN', 4]]),
  C: new Weighted([['DEPARTMENT/DISCOUNT STORE', 25], ['GROCERY/SUPERMARKET', 20], ['CONVENIENCE STORE', 15],
    ['DRUG STORE/PHARMACY', 10], ['RESTAURANT', 10], ['COMMERCIAL/OFFICE BUILDING', 12], ['BANK', 3], ['SCHOOL', 5]]),
  X: new Weighted([['CYBERSPACE', 60], ['RESIDENCE/HOME', 30], ['BANK', 10]]),
  M: new Weighted([['RESIDENCE/HOME', 38], ['STREET', 22], ['PARKING LOT/GARAGE', 8], ['BAR/NIGHTCLUB', 5],
    ['RESTAURANT', 4], ['CONVENIENCE STORE', 5], ['COMMERCIAL/OFFICE BUILDING', 6], ['PARK/PLAYGROUND', 4],
    ['SCHOOL', 2], ['HOTEL/MOTEL', 2], ['OTHER/UNKNOWN', 4]]),
};

export const ASSIGNED_UNITS = ['PATROL', 'BURGLARY/THEFT', 'ROBBERY', 'ASSAULT', 'SEXUAL ASSAULT', 'HOMICIDE',
  'DOMESTIC VIOLENCE', 'AUTO THEFT', 'FRAUD', 'NARCOTICS', 'HUMAN TRAFFICKING', 'ONLINE REPORTING'];

export const RACES = new Weighted<string>([['WHITE', 50], ['BLACK', 17], ['ASIAN', 12], ['HISPANIC', 8], ['NATIVE', 1.5],
  ['PACIFIC', 1], ['UNKNOWN', 10.5]]);
export const SEXES = new Weighted<string>([['M', 52], ['F', 45], ['X', 1], ['U', 2]]);
