// The rule catalog as published with each release: every rule with its steps described in
// plain language, so the portal's privacy pages never need the repository.
import type { Catalog } from './catalog.ts';
import { technique } from './registry.ts';

export interface PublishedRule {
  id: string;
  title: string;
  status: string;
  datasets: string[];
  rationale: string;
  basis: string;
  review: { by: string; at: string; note: string; action: string }[];
  steps: { technique: string; summary: string; fields: string[]; params: Record<string, unknown>; description: string }[];
}

export function catalogSnapshot(catalog: Catalog): PublishedRule[] {
  return [...catalog.rules.values()].map((r) => ({
    id: r.id,
    title: r.title,
    status: r.status,
    datasets: r.datasets,
    rationale: r.rationale,
    basis: r.basis,
    review: r.review,
    steps: r.steps.map((s) => {
      const t = technique(s.technique);
      return { technique: s.technique, summary: t.summary, fields: s.fields, params: s.params, description: t.describe(s.params) };
    }),
  }));
}
