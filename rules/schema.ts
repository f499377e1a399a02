// The zod schema of one privacy rule as the privacy office reads and approves it
// (rules/catalog/<ID>.yaml). A rule names where it applies and the technique steps that enforce it.
import { z } from 'zod';

export const RuleStatus = z.enum(['proposed', 'approved', 'retired']);

export const ReviewEntry = z.object({
  by: z.string().min(1),
  at: z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'a date, YYYY-MM-DD'),
  note: z.string().min(1),
  /** What the review decided. */
  action: z.enum(['proposed', 'approved', 'retired', 'tightened', 'commented']).default('approved'),
}).strict();

/** One enforcement step: a technique with its parameters, applied to some source fields. */
export const RuleStep = z.object({
  technique: z.string().min(1),
  /** Source (or derived) fields this step shapes; empty for dataset-wide steps such as row filters. */
  fields: z.array(z.string()).default([]),
  /** Limits the step to one dataset of the rule (for per-dataset parameters). */
  dataset: z.string().optional(),
  params: z.record(z.string(), z.unknown()).default({}),
}).strict();
export type RuleStep = z.infer<typeof RuleStep>;

export const Rule = z.object({
  id: z.string().regex(/^[A-Z]{1,2}\d{1,2}$/, 'an id such as C2 or X10'),
  title: z.string().min(3),
  status: RuleStatus,
  /** Dataset ids this rule governs; ['*'] for every dataset. */
  datasets: z.array(z.string()).min(1),
  steps: z.array(RuleStep),
  rationale: z.string().min(10),
  basis: z.string().min(3),
  review: z.array(ReviewEntry).min(1),
}).strict();
export type Rule = z.infer<typeof Rule>;

export function ruleAppliesTo(rule: Rule, datasetId: string): boolean {
  return rule.datasets.includes('*') || rule.datasets.includes(datasetId);
}
