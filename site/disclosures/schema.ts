// Surveillance technology disclosure records: one YAML file per technology in ./records, validated
// against this schema. The shape follows surveillance ordinances (Seattle SMC 14.18 Surveillance
// Impact Reports, Oakland OMC 9.64 annual reports, the ACLU CCOPS model bill): identity, purpose,
// deployment in general terms, data collected, retention, access, sharing, risks, cost, public
// engagement, annual usage and review. See /work/shared/disclosures-facts.md for the source facts.
import { z } from 'zod';

const Text = z.string().trim().min(1);

/** A calendar date 'YYYY-MM-DD' that exists. */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((s) => new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a real calendar date');

export const CommentPeriod = z
  .object({
    title: Text,
    start: IsoDate,
    end: IsoDate,
    /** Where to comment: a URL, an email address or a postal address. */
    where: Text,
  })
  .strict()
  .refine((p) => p.start <= p.end, { message: 'the comment period ends before it starts', path: ['end'] });
export type CommentPeriod = z.infer<typeof CommentPeriod>;

export const DataElement = z
  .object({
    name: Text,
    source: Text,
    personal: z.boolean(),
    sensitive: z.boolean(),
    /** Whether it records people who are not suspects (bystanders, passers-by, drivers). */
    capturesNonSuspects: z.boolean(),
    notes: Text.optional(),
  })
  .strict();

/** A count in the annual report; null means not yet reported. */
const Count = z.number().int().nonnegative().nullable();

export const Disclosure = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'expected a lowercase slug like body-worn-video'),
    name: Text,
    summary: Text,
    vendor: Text.nullable(),
    product: Text.nullable(),
    department: Text,
    status: z.enum(['proposed', 'approved', 'retired']),
    ordinance: Text,
    versions: z.array(z.object({ date: IsoDate, change: Text }).strict()).min(1),
    description: Text,
    purposes: z.array(Text).min(1),
    authorizedUses: z.array(Text).min(1),
    prohibitedUses: z.array(Text).min(1),
    /** General terms only: exact camera or reader sites are never published. */
    deployment: Text,
    dataCollected: z.array(DataElement).min(1),
    retention: z
      .object({
        /** Default retention in days; null when the period is not set out yet. */
        days: z.number().int().positive().nullable(),
        qualifier: z.enum(['exactly', 'at most', 'about']).default('exactly'),
        then: z.enum(['deleted', 'overwritten']),
        evidenceHold: Text,
        legalBasis: Text,
        deletion: Text,
        notes: Text.optional(),
      })
      .strict(),
    access: z
      .object({
        who: Text,
        authorization: Text,
        logged: z.boolean(),
        audited: z.boolean(),
        notes: Text.optional(),
      })
      .strict(),
    sharing: z.array(z.object({ recipient: Text, data: Text, legalStandard: Text }).strict()),
    vendorAccess: Text,
    risks: z.array(z.object({ risk: Text, mitigation: Text }).strict()).min(1),
    civilLiberties: z.array(Text).min(1),
    cost: z
      .object({
        acquisition: Text.nullable(),
        annual: Text.nullable(),
        personnel: Text.nullable(),
        funding: Text.nullable(),
        notes: Text.optional(),
      })
      .strict(),
    engagement: z
      .object({
        commentPeriods: z.array(CommentPeriod),
        meetings: z.array(z.object({ date: IsoDate, title: Text, where: Text }).strict()),
        commentSummary: Text.nullable(),
      })
      .strict(),
    annualReport: z
      .object({
        year: z.number().int().min(2000).max(2100),
        uses: Count,
        sharingEvents: Count,
        complaints: Count,
        audits: Count,
        violations: Count,
        breaches: Count,
        effectiveness: z.array(Text),
      })
      .strict()
      .nullable(),
    review: z.object({ lastReviewed: IsoDate, by: Text }).strict(),
    related: z.array(z.object({ label: Text, href: z.string().regex(/^\/[^/]/, 'expected a site path like /datasets/...') }).strict()).default([]),
  })
  .strict();
export type Disclosure = z.infer<typeof Disclosure>;

export type PeriodStatus = 'upcoming' | 'open' | 'closed';

/** A comment period's status on `today` ('YYYY-MM-DD' in the agency's time zone); both dates inclusive. */
export function periodStatus(p: { start: string; end: string }, today: string): PeriodStatus {
  if (today < p.start) return 'upcoming';
  if (today > p.end) return 'closed';
  return 'open';
}

/** Today's date 'YYYY-MM-DD' in a time zone (the agency's), from an injected clock. */
export function localDate(now: Date, timeZone = 'UTC'): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

/** Retention in plain words, e.g. "Kept 90 days, then deleted". */
export function retentionPlain(r: Disclosure['retention']): string {
  if (r.days === null) return 'The default retention period is not yet set out in this disclosure';
  const q = r.qualifier === 'exactly' ? '' : `${r.qualifier} `;
  return `Kept ${q}${r.days} ${r.days === 1 ? 'day' : 'days'}, then ${r.then}`;
}
