// Free text of the demo records: CAD remarks, offense narratives and use-of-force narratives.
// They deliberately carry names, phones, plates, commas, quotes and line breaks, as real text does.
import type { Rng } from './rng.ts';
import { personName, phone, plate, VEHICLE_COLORS, VEHICLE_MAKES, STREETS, email } from './names.ts';

const DIRS = ['NB', 'SB', 'EB', 'WB'];
const QUOTES = ['I\'m not going anywhere', 'get away from me', 'he has a knife', 'call the cops, I don\'t care',
  'this is my place', 'she took my phone', 'leave me alone', 'I just want my stuff back'];
const ITEMS = ['a laptop', 'a backpack', 'a bicycle', 'tools', 'a wallet', 'a phone', 'sunglasses', 'a catalytic converter',
  'packages', 'a purse', 'cash', 'a handgun'];

function veh(rng: Rng): string {
  return rng.pick(VEHICLE_COLORS) + ' ' + rng.pick(VEHICLE_MAKES);
}

/** CAD remarks for an event (null-able by the caller). */
export function cadRemarks(rng: Rng, callType: string, address: string, onview: boolean): string {
  const r = rng.next();
  if (onview) {
    if (r < 0.35) return 'ALL SECURE';
    if (r < 0.7) return 'TRAFFIC STOP ' + veh(rng) + ' LIC ' + plate(rng) + ', DRIVER ' + personName(rng) + ', VERBAL WARNING';
    if (r < 0.9) return 'RAN PLATE ' + plate(rng) + ' RO ' + personName(rng) + ', NO WANTS';
    return 'CONTACTED ' + personName(rng) + ' AT ' + address + '\nADVISED OF TRESPASS, LEFT ON FOOT';
  }
  if (r < 0.3) return 'CALLER ' + personName(rng) + ' REPORTS ' + callType.toLowerCase() + '. CALLBACK ' + phone(rng);
  if (r < 0.5) {
    return 'RP STATES SUSP VEH ' + veh(rng) + ', PLATE ' + plate(rng) + ', LS ' + rng.pick(DIRS) + ' ON ' + rng.pick(STREETS);
  }
  if (r < 0.65) return 'RP ' + personName(rng) + ' SAYS SUBJ YELLING "' + rng.pick(QUOTES) + '", NO WPNS SEEN';
  if (r < 0.8) return 'UNITS ADVISED.\nRP ' + personName(rng) + ' WILL MEET AT ' + address + '\nPH ' + phone(rng);
  if (r < 0.9) return 'SUBJ DESC: W/M 30S, BLK JACKET, JEANS. VEH ' + plate(rng) + ' ' + veh(rng);
  return '2ND CALLER ' + personName(rng) + ' ' + phone(rng) + ' SAME INCIDENT';
}

export interface NarrativeFacts {
  description: string;
  address: string;
  when: string;
  victim: string;
  suspect: string;
  phone: string;
  email: string;
  online: boolean;
}

/** An offense report narrative. */
export function offenseNarrative(rng: Rng, f: NarrativeFacts): string {
  if (f.online) {
    return 'Online report submitted by ' + f.victim + ' (' + f.email + '). Reporter states: "' +
      rng.pick(ITEMS) + ' was taken, I noticed it ' + rng.pick(['this morning', 'last night', 'after work']) +
      '." Contact ' + f.phone + '.';
  }
  let s = 'On ' + f.when + ', officers responded to ' + f.address + ' regarding ' + f.description.toLowerCase() + '. ';
  const r = rng.next();
  if (r < 0.4) {
    s += 'The victim, ' + f.victim + ', stated that ' + (f.suspect || 'an unknown person') + ' took ' + rng.pick(ITEMS) +
      ' and fled ' + rng.pick(DIRS) + ' in a ' + veh(rng) + ', plate ' + plate(rng) + '.';
  } else if (r < 0.7) {
    s += 'Victim ' + f.victim + ' said "' + rng.pick(QUOTES) + '" was shouted by ' + (f.suspect || 'the suspect') + '.\n\n' +
      'Witness ' + personName(rng) + ' can be reached at ' + phone(rng) + '.';
  } else {
    s += (f.suspect ? 'Suspect ' + f.suspect + ' was contacted nearby, ' : 'No suspect located, ') +
      'victim ' + f.victim + ' declined medical aid.';
  }
  return s + ' Victim callback ' + f.phone + '.';
}

export const INJURIES: Record<string, string[]> = {
  LEVEL_1: ['COMPLAINT OF PAIN, WRISTS', 'COMPLAINT OF PAIN, SHOULDER', 'NO VISIBLE INJURY'],
  LEVEL_2: ['ABRASION TO LEFT ELBOW', 'TASER PROBE PUNCTURE WOUNDS, UPPER BACK', 'LACERATION ABOVE RIGHT EYE, TREATED BY MEDIC',
    'OC SPRAY EXPOSURE, DECONTAMINATED', 'BRUISING TO FACE AND KNEES'],
  LEVEL_3: ['FRACTURED WRIST, TRANSPORTED TO HOSPITAL', 'DOG BITE, LEFT CALF, SUTURES', 'HEAD INJURY, ADMITTED OVERNIGHT'],
  OIS: ['GUNSHOT WOUND, TRANSPORTED TO HOSPITAL', 'FATAL GUNSHOT WOUND', 'GRAZE WOUND, RIGHT ARM'],
};

/** A use-of-force narrative. */
export function forceNarrative(rng: Rng, officer: string, serial: string, subject: string, types: string, address: string): string {
  const who = subject || 'an unidentified subject';
  return 'Officer ' + officer + ' (' + serial + ') contacted ' + who + ' near ' + address + '. ' +
    (rng.chance(0.5) ? 'Subject stated "' + rng.pick(QUOTES) + '" and pulled away.\n' : 'Subject refused commands, tensed arms.\n') +
    'Force used: ' + types.replace(/;/g, ', ') + '. ' +
    (rng.chance(0.3) ? 'Subject vehicle ' + veh(rng) + ' plate ' + plate(rng) + ' was towed. ' : '') +
    'Witness ' + personName(rng) + ', ' + phone(rng) + ', ' + email(rng, personName(rng)) + '.';
}
