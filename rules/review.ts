// X10: classifying a rule change as tightening (publishes less), loosening (publishes more) or
// neutral (wording only). Pure. Anything it cannot prove to be tightening or neutral counts as
// loosening, so an unexpected change waits for the privacy office instead of going live.
import { isDeepStrictEqual } from 'node:util';
import type { Rule, RuleStep } from './schema.ts';

export type Verdict = 'tightening' | 'loosening' | 'neutral';

export interface RuleChange {
  id: string;
  kind: 'added' | 'removed' | 'changed' | 'unchanged';
  verdict: Verdict;
  reasons: string[];
}

type Params = Record<string, unknown>;
type Direction = 'up' | 'down';

/** Numeric parameters where a larger value publishes less. */
const LARGER_IS_TIGHTER: Record<string, string[]> = {
  k_group_guard: ['k'],
  k_anonymity: ['k'],
  small_cell_suppression: ['minCell'],
  only_final: ['embargoDays'],
  block_point: ['cellDegrees'],
  age_band: ['width'],
};
/** Numeric parameters where a smaller value publishes less. */
const SMALLER_IS_TIGHTER: Record<string, string[]> = {
  round_number: ['digits'],
  hmac_pseudonym: ['length'],
};
/** List parameters where more entries publish less. */
const MORE_IS_TIGHTER: Record<string, string[]> = {
  exclude_status: ['values'],
  forbid_sensitivity: ['sensitivity'],
  k_anonymity: ['quasiIdentifiers'],
};
const TIME_UNITS = ['hour', 'day', 'month'];
/** Techniques whose fields are published more when the list grows. */
const PUBLISHING = new Set(['publish_as_is']);

function leaves(p: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(p)) p.forEach((x) => leaves(x, out));
  else if (p && typeof p === 'object') {
    const o = p as Record<string, unknown>;
    if ('field' in o) {
      const values = (o.in ?? o.containsWord ?? [o.equals ?? o.lessThan]) as unknown[];
      values.forEach((v) => out.add(`${String(o.field)}=${String(v)}`));
    } else Object.values(o).forEach((x) => leaves(x, out));
  }
  return out;
}

function setChange(before: unknown[], after: unknown[]): { added: number; removed: number } {
  const b = new Set(before.map((x) => JSON.stringify(x)));
  const a = new Set(after.map((x) => JSON.stringify(x)));
  return { added: [...a].filter((x) => !b.has(x)).length, removed: [...b].filter((x) => !a.has(x)).length };
}

/** Compares one step's parameters; returns [verdict, reason] pairs. */
function compareParams(technique: string, before: Params, after: Params): [Verdict, string][] {
  const out: [Verdict, string][] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    const b = before[key];
    const a = after[key];
    if (isDeepStrictEqual(a, b)) continue;
    const dir: Direction | null = typeof a === 'number' && typeof b === 'number' ? (a > b ? 'up' : 'down') : null;
    if (dir && LARGER_IS_TIGHTER[technique]?.includes(key)) out.push([dir === 'up' ? 'tightening' : 'loosening', `${key} ${b} → ${a}`]);
    else if (dir && SMALLER_IS_TIGHTER[technique]?.includes(key)) out.push([dir === 'down' ? 'tightening' : 'loosening', `${key} ${b} → ${a}`]);
    else if (technique === 'truncate_time' && key === 'unit') {
      out.push([TIME_UNITS.indexOf(String(a)) > TIME_UNITS.indexOf(String(b)) ? 'tightening' : 'loosening', `unit ${b} → ${a}`]);
    } else if (MORE_IS_TIGHTER[technique]?.includes(key) && Array.isArray(a) && Array.isArray(b)) {
      const { added, removed } = setChange(b, a);
      out.push([removed ? 'loosening' : 'tightening', `${key}: ${added} added, ${removed} removed`]);
    } else if (technique === 'redact_when' && key === 'when') {
      const { added, removed } = setChange([...leaves(b)], [...leaves(a)]);
      out.push([removed ? 'loosening' : 'tightening', `condition: ${added} value(s) added, ${removed} removed`]);
    } else out.push(['loosening', `${key} changed and cannot be shown to publish less`]);
  }
  return out;
}

function stepKey(s: RuleStep): string {
  return `${s.technique}${s.dataset ? `@${s.dataset}` : ''}`;
}

function compareSteps(before: RuleStep[], after: RuleStep[]): [Verdict, string][] {
  const out: [Verdict, string][] = [];
  const remaining = [...before];
  for (const step of after) {
    const i = remaining.findIndex((b) => stepKey(b) === stepKey(step));
    if (i < 0) {
      out.push([PUBLISHING.has(step.technique) ? 'loosening' : 'tightening', `step ${stepKey(step)} added`]);
      continue;
    }
    const [old] = remaining.splice(i, 1);
    const { added, removed } = setChange(old.fields, step.fields);
    if (added || removed) {
      const publishes = PUBLISHING.has(step.technique);
      const looser = publishes ? added > 0 : removed > 0;
      out.push([looser ? 'loosening' : 'tightening', `${stepKey(step)} fields: ${added} added, ${removed} removed`]);
    }
    out.push(...compareParams(step.technique, old.params, step.params).map(([v, r]): [Verdict, string] => [v, `${stepKey(step)} ${r}`]));
  }
  for (const step of remaining) out.push([PUBLISHING.has(step.technique) ? 'tightening' : 'loosening', `step ${stepKey(step)} removed`]);
  return out;
}

function combine(parts: [Verdict, string][]): { verdict: Verdict; reasons: string[] } {
  const verdict: Verdict = parts.some(([v]) => v === 'loosening') ? 'loosening' : parts.some(([v]) => v === 'tightening') ? 'tightening' : 'neutral';
  return { verdict, reasons: parts.map(([v, r]) => `${v}: ${r}`) };
}

/** Classifies the change from the approved version of a rule to the working one. */
export function classifyChange(id: string, approved: Rule | undefined, working: Rule | undefined): RuleChange {
  if (!approved && !working) throw new Error(`rule ${id}: nothing to compare`);
  if (!approved) return { id, kind: 'added', ...combine([[working!.steps.some((s) => PUBLISHING.has(s.technique)) ? 'loosening' : 'tightening', 'new rule']]) };
  if (!working) return { id, kind: 'removed', verdict: 'loosening', reasons: ['loosening: rule deleted from the catalog'] };
  const parts: [Verdict, string][] = [];
  if (approved.status !== working.status) {
    parts.push([working.status === 'retired' ? 'loosening' : approved.status === 'retired' ? 'tightening' : 'neutral', `status ${approved.status} → ${working.status}`]);
  }
  const ds = setChange(approved.datasets, working.datasets);
  if (ds.added || ds.removed) parts.push([ds.removed ? 'loosening' : 'tightening', `datasets: ${ds.added} added, ${ds.removed} removed`]);
  parts.push(...compareSteps(approved.steps, working.steps));
  for (const key of ['title', 'rationale', 'basis'] as const) {
    if (approved[key] !== working[key]) parts.push(['neutral', `${key} reworded`]);
  }
  const { verdict, reasons } = combine(parts);
  return { id, kind: parts.length ? 'changed' : 'unchanged', verdict, reasons };
}
