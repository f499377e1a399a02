// The one registry of privacy techniques, by the name rules use in their `steps`.
import { ageBand } from './techniques/age-band.ts';
import { blockPoint } from './techniques/block-point.ts';
import { allowlist, dropFields, forbidSensitivity, publishAsIs } from './techniques/checks.ts';
import { groupIndex } from './techniques/group-index.ts';
import { hmacPseudonym } from './techniques/hmac-pseudonym.ts';
import { hundredBlock } from './techniques/hundred-block.ts';
import { kGroupGuard } from './techniques/k-group-guard.ts';
import { mapValues } from './techniques/map-values.ts';
import { redactWhen } from './techniques/redact-when.ts';
import { roundNumber } from './techniques/round-number.ts';
import { excludeStatus, onlyFinal } from './techniques/row-filters.ts';
import { keyedLookup } from './techniques/keyed-lookup.ts';
import { kAnonymity } from './techniques/k-anonymity.ts';
import { scanGate } from './techniques/scan-gate.ts';
import { smallCellSuppression } from './techniques/small-cells.ts';
import { truncateTime } from './techniques/truncate-time.ts';
import type { Technique } from './techniques/types.ts';

const ALL: Technique[] = [
  ageBand, blockPoint, allowlist, dropFields, forbidSensitivity, publishAsIs, groupIndex, hmacPseudonym,
  hundredBlock, kGroupGuard, mapValues, redactWhen, roundNumber, excludeStatus, onlyFinal, truncateTime, smallCellSuppression, scanGate, kAnonymity, keyedLookup,
];

export const TECHNIQUES: ReadonlyMap<string, Technique> = new Map(ALL.map((t) => [t.name, t]));

export function technique(name: string): Technique {
  const t = TECHNIQUES.get(name);
  if (!t) throw new Error(`unknown technique "${name}"; known: ${[...TECHNIQUES.keys()].join(', ')}`);
  return t;
}
