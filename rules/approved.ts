// The approved catalog: rules/approved.json holds each rule as the privacy office last approved
// it (content only; the review history stays in the YAML). Runs compare the working catalog
// against it; `publisher rules approve` updates it and appends to the rule's review history.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { Catalog } from './catalog.ts';
import { classifyChange, type RuleChange } from './review.ts';
import type { Rule } from './schema.ts';

export type ApprovedRule = Omit<Rule, 'review'>;

export function approvedFile(catalogDir: string): string {
  return path.join(catalogDir, '..', 'approved.json');
}

function content(rule: Rule): ApprovedRule {
  const { review: _review, ...rest } = rule;
  return JSON.parse(JSON.stringify(rest));
}

export async function readApproved(catalogDir: string): Promise<Map<string, ApprovedRule>> {
  const file = approvedFile(catalogDir);
  if (!existsSync(file)) return new Map();
  const parsed = JSON.parse(await readFile(file, 'utf8')) as { rules: Record<string, ApprovedRule> };
  return new Map(Object.entries(parsed.rules));
}

async function writeApproved(catalogDir: string, rules: Map<string, ApprovedRule>): Promise<void> {
  const sorted = Object.fromEntries([...rules].sort(([a], [b]) => a.localeCompare(b)));
  await writeFile(approvedFile(catalogDir), `${JSON.stringify({ rules: sorted }, null, 2)}\n`);
}

/** Every difference between the approved catalog and the working one, classified. */
export function diffCatalog(catalog: Catalog, approved: Map<string, ApprovedRule>): RuleChange[] {
  const ids = [...new Set([...catalog.rules.keys(), ...approved.keys()])].sort();
  return ids
    .map((id) => {
      const working = catalog.rules.get(id);
      const before = approved.get(id);
      return classifyChange(id, before && { ...before, review: [] }, working && { ...content(working), review: [] });
    })
    .filter((c) => c.kind !== 'unchanged');
}

/** Records an approval: a review entry in the rule's YAML (comments kept) and the approved content. */
export async function approveRule(catalog: Catalog, id: string, by: string, note: string, now: Date): Promise<RuleChange> {
  const rule = catalog.rules.get(id);
  const file = catalog.files.get(id);
  if (!rule || !file) throw new Error(`unknown rule "${id}"; the catalog has ${[...catalog.rules.keys()].join(', ')}`);
  if (!by.trim() || !note.trim()) throw new Error('an approval needs --by NAME and --note TEXT');
  const approved = await readApproved(catalog.dir);
  const change = classifyChange(id, approved.get(id) && { ...approved.get(id)!, review: [] }, { ...content(rule), review: [] });
  const doc = parseDocument(await readFile(file, 'utf8'));
  const action = rule.status === 'retired' ? 'retired' : 'approved';
  doc.addIn(['review'], doc.createNode({ by, at: now.toISOString().slice(0, 10), action, note }));
  await writeFile(file, doc.toString());
  approved.set(id, content(rule));
  await writeApproved(catalog.dir, approved);
  return change;
}

/** Writes the whole working catalog as approved (used once, to adopt a baseline). */
export async function adoptCatalog(catalog: Catalog): Promise<void> {
  await writeApproved(catalog.dir, new Map([...catalog.rules].map(([id, r]) => [id, content(r)])));
}
