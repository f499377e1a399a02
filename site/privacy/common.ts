// Shared pieces of the privacy pages: rule groups and order, status badges, dataset links, the
// page frame, and counts shown as numbers or "not counted".
import type { Manifest } from '../../publisher/manifest.ts';
import { formatInt } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { layout } from '../layout.ts';
import type { PublishedRule } from './schema.ts';

export interface RuleGroup {
  prefix: string;
  title: string;
  rules: PublishedRule[];
}

const GROUPS: { prefix: string; title: string }[] = [
  { prefix: 'X', title: 'Every dataset' },
  { prefix: 'C', title: '911 calls for service' },
  { prefix: 'I', title: 'Reported offenses' },
  { prefix: 'U', title: 'Use of force' },
];

const prefixOf = (id: string): string => /^[A-Z]+/.exec(id)?.[0] ?? '';
const numberOf = (id: string): number => Number(/\d+$/.exec(id)?.[0] ?? 0);

/** Rule order everywhere: X, C, I, U, then any other prefix alphabetically; numerically within. */
export function ruleOrder(a: string, b: string): number {
  const rank = (p: string) => {
    const i = GROUPS.findIndex((g) => g.prefix === p);
    return i < 0 ? GROUPS.length : i;
  };
  const pa = prefixOf(a);
  const pb = prefixOf(b);
  return rank(pa) - rank(pb) || pa.localeCompare(pb) || numberOf(a) - numberOf(b);
}

export function groupRules(rules: PublishedRule[]): RuleGroup[] {
  const sorted = [...rules].sort((a, b) => ruleOrder(a.id, b.id));
  const groups: RuleGroup[] = GROUPS.map((g) => ({ ...g, rules: sorted.filter((r) => prefixOf(r.id) === g.prefix) }));
  const other = sorted.filter((r) => !GROUPS.some((g) => g.prefix === prefixOf(r.id)));
  if (other.length) groups.push({ prefix: '', title: 'Other rules', rules: other });
  return groups.filter((g) => g.rules.length);
}

const KNOWN_STATUS = new Set(['approved', 'proposed', 'retired']);

export function statusBadge(status: string): SafeHtml {
  return KNOWN_STATUS.has(status) ? html`<span class="badge ${status}">${status}</span>` : html`<span class="badge">${status}</span>`;
}

export const ruleHref = (id: string): string => `/privacy/rules/${encodeURIComponent(id)}`;

export function ruleLink(id: string): SafeHtml {
  return html`<a href="${ruleHref(id)}"><code>${id}</code></a>`;
}

/** A dataset id as its name, linked when the release publishes it. */
export function datasetLink(manifest: Manifest, id: string): SafeHtml {
  const ds = manifest.datasets.find((d) => d.id === id);
  return ds ? html`<a href="/datasets/${ds.id}">${ds.name}</a>` : html`<code>${id}</code>`;
}

/** The datasets a rule governs, as names ("every dataset" for '*'). */
export function governed(manifest: Manifest, rule: PublishedRule): SafeHtml {
  if (rule.datasets.includes('*')) return html`every dataset`;
  return html`${rule.datasets.map((id, i) => html`${i ? ', ' : ''}${datasetLink(manifest, id)}`)}`;
}

/** Dataset ids of this release that a rule governs. */
export function governedIds(manifest: Manifest, rule: PublishedRule): string[] {
  return manifest.datasets.filter((d) => rule.datasets.includes('*') || rule.datasets.includes(d.id)).map((d) => d.id);
}

export function techniques(rule: PublishedRule): string[] {
  return [...new Set(rule.steps.map((s) => s.technique))];
}

/** A count cell: the number, or a dash when the run recorded no count (see COUNT_NOTE). */
export function countCell(n: number | null | undefined): SafeHtml {
  return n === null || n === undefined ? html`<td class="num meta">—</td>` : html`<td class="num">${formatInt(n)}</td>`;
}

export const COUNT_NOTE = html`<p class="meta">A dash (—) means the run recorded no such count: rules that drop columns,
act on charts or check the release as a whole change no row values, and only row rules withhold rows.</p>`;

export function privacyLayout(manifest: Manifest, title: string, body: SafeHtml, now: Date): string {
  return layout({ title, agencyName: manifest.agency.name, body, generatedAt: now, releaseId: manifest.releaseId, nav: 'privacy' });
}
