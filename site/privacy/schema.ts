// Zod schemas for the privacy files a release publishes (rules.json, privacy-report.json); the
// portal validates them before rendering, so a malformed file fails loudly instead of misleading.
import { z } from 'zod';

/** A rule id such as C2 or X10 (as in rules/schema.ts); checked before any lookup. */
export const RULE_ID = /^[A-Z]{1,2}\d{1,2}$/;

const Count = z.number().int().nonnegative();
const Counts = z.record(z.string(), Count);

export const PublishedRuleSchema = z.object({
  id: z.string().regex(RULE_ID),
  title: z.string().min(1),
  status: z.string().min(1),
  datasets: z.array(z.string()),
  rationale: z.string(),
  basis: z.string(),
  review: z.array(z.object({ by: z.string(), at: z.string(), note: z.string(), action: z.string() })),
  steps: z.array(
    z.object({
      technique: z.string(),
      summary: z.string(),
      fields: z.array(z.string()),
      params: z.record(z.string(), z.unknown()),
      description: z.string(),
      /** Not in today's snapshot; shown when a later publisher adds it. */
      dataset: z.string().optional(),
    }),
  ),
});
export type PublishedRule = z.infer<typeof PublishedRuleSchema>;

export const RulesFileSchema = z.array(PublishedRuleSchema).superRefine((rules, ctx) => {
  const seen = new Set<string>();
  for (const [i, r] of rules.entries()) {
    if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate rule id ${r.id}` });
    seen.add(r.id);
  }
});

export const ScanSchema = z.union([
  z.object({ skipped: z.literal(true) }),
  z.object({ passed: z.boolean(), artifacts: Count, units: Count, terms: Count, hits: Count }),
]);
export type ScanSummary = z.infer<typeof ScanSchema>;

export const PrivacyReportSchema = z.object({
  releaseId: z.string(),
  datasets: z.record(
    z.string(),
    z.object({ touchedByRule: Counts, withheldByRule: Counts, suppressedCells: Count }),
  ),
  scan: ScanSchema,
});
export type PrivacyReportFile = z.infer<typeof PrivacyReportSchema>;
