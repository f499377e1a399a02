// Body-worn video redaction fee estimator. Rates and exemptions from the facts file
// (/work/shared/disclosures-facts.md): Washington Public Records Act (RCW 42.56) lets the agency
// charge most requesters the reasonable cost of redacting video, by the least costly method;
// Seattle's 2017 cost study sets $0.60 per minute of video specialist time.
import { z } from 'zod';

/** Cents per minute of video specialist time (2017 cost study; actual cost $0.61 to $0.89). */
export const RATE_CENTS_PER_SPECIALIST_MINUTE = 60;

export const REDACTION_TYPES = {
  'targeted-video': {
    label: 'Targeted video redaction, per person or object, with or without audio',
    specialistMinutes: 10,
    perPerson: true,
    flatPerVideo: false,
  },
  'targeted-audio': { label: 'Targeted audio redaction alone', specialistMinutes: 5, perPerson: false, flatPerVideo: false },
  blackout: { label: 'Targeted blackout or screen blur, with or without audio removal', specialistMinutes: 4.5, perPerson: false, flatPerVideo: false },
  'whole-screen': { label: 'Whole-screen blur plus audio removal', specialistMinutes: 1, perPerson: false, flatPerVideo: true },
} as const;
export type RedactionType = keyof typeof REDACTION_TYPES;

export const REQUESTERS = {
  general: { label: 'Member of the public, media or anyone not listed below', exempt: false },
  involved: { label: 'A person directly involved in the recorded incident, or their attorney', exempt: true },
  'criminal-case': { label: 'A person (or their attorney) asking for video relevant to a criminal case involving them', exempt: true },
  commission: {
    label: 'Executive director of the state commission on African-American, Asian Pacific American or Hispanic affairs',
    exempt: true,
  },
  'civil-rights': { label: 'An attorney for a civil rights claim or a claim under a DOJ settlement', exempt: true },
} as const;
export type Requester = keyof typeof REQUESTERS;

const MAX_MINUTES = 100_000;

const oneOrMany = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : Array.isArray(v) ? v[0] : v);

export const FeeInput = z
  .object({
    minutes: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ error: 'Enter the length of the footage in minutes, as a number.' })
        .refine((n) => Number.isFinite(n), 'Enter the length of the footage in minutes, as a number.')
        .refine((n) => n > 0, 'The footage must be longer than 0 minutes.')
        .refine((n) => n <= MAX_MINUTES, `The footage can be at most ${MAX_MINUTES.toLocaleString('en-US')} minutes.`)
        .refine((n) => Math.round(n * 100) === n * 100 || Math.abs(Math.round(n * 100) - n * 100) < 1e-6, 'Give minutes with at most two decimals.'),
    ),
    redaction: z.preprocess(
      (v) => (v === undefined || v === '' ? [] : v),
      oneOrMany.pipe(
        z
          .array(z.enum(Object.keys(REDACTION_TYPES) as [RedactionType, ...RedactionType[]], { error: 'Choose redaction types from the list.' }))
          .min(1, 'Choose at least one redaction type.'),
      ),
    ),
    people: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ error: 'Enter the number of people or objects as a whole number.' })
        .int('Enter the number of people or objects as a whole number.')
        .min(1, 'At least 1 person or object must be redacted.')
        .max(1000, 'At most 1,000 people or objects.')
        .optional(),
    ),
    videos: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ error: 'Enter the number of videos as a whole number.' })
        .int('Enter the number of videos as a whole number.')
        .min(1, 'At least 1 video.')
        .max(10_000, 'At most 10,000 videos.')
        .default(1),
    ),
    requester: z.preprocess(
      (v) => blankToUndefined(v) ?? 'general',
      z.enum(Object.keys(REQUESTERS) as [Requester, ...Requester[]], { error: 'Choose who is asking from the list.' }),
    ),
  })
  .superRefine((v, ctx) => {
    if (v.redaction.includes('targeted-video') && v.people === undefined) {
      ctx.addIssue({ code: 'custom', path: ['people'], message: 'Enter how many people or objects need targeted video redaction.' });
    }
  });
export type FeeInput = z.infer<typeof FeeInput>;

export interface FeeLine {
  type: RedactionType;
  label: string;
  /** Video specialist minutes (null for the flat whole-screen charge). */
  specialistMinutes: number | null;
  cents: number;
  rule: string;
}

export interface FeeEstimate {
  input: FeeInput;
  lines: FeeLine[];
  /** Sum of the lines before any exemption. */
  subtotalCents: number;
  exempt: boolean;
  exemption: string | null;
  totalCents: number;
  notes: string[];
}

export const dollars = (cents: number): string => `$${(cents / 100).toFixed(2)}`;
const trim = (n: number): string => String(Math.round(n * 100) / 100);

export const RULES = {
  rate: 'Seattle’s 2017 cost study sets the rate at $0.60 per minute of video specialist time, below the actual cost of $0.61 to $0.89.',
  leastCostly: 'The agency must use the least costly commercially available method (RCW 42.56).',
  actual: 'The actual charge follows the actual specialist time at $0.60 per minute; copy costs are added.',
} as const;

export function estimate(input: FeeInput): FeeEstimate {
  const lines: FeeLine[] = input.redaction.map((type) => {
    const t = REDACTION_TYPES[type];
    if (t.flatPerVideo) {
      return {
        type,
        label: t.label,
        specialistMinutes: null,
        cents: RATE_CENTS_PER_SPECIALIST_MINUTE * input.videos,
        rule: `Flat $0.60 per video × ${input.videos} ${input.videos === 1 ? 'video' : 'videos'}, whatever the length.`,
      };
    }
    const people = t.perPerson ? (input.people ?? 1) : 1;
    const specialist = input.minutes * t.specialistMinutes * people;
    const perMinute = t.specialistMinutes * RATE_CENTS_PER_SPECIALIST_MINUTE;
    return {
      type,
      label: t.label,
      specialistMinutes: Math.round(specialist * 100) / 100,
      cents: Math.round(specialist * RATE_CENTS_PER_SPECIALIST_MINUTE),
      rule: t.perPerson
        ? `${t.specialistMinutes} specialist minutes per minute of footage for each person or object, at $0.60 a minute (${dollars(perMinute)} per footage minute): ${trim(input.minutes)} min × ${people} × ${dollars(perMinute)}.`
        : `${t.specialistMinutes} specialist minutes per minute of footage, at $0.60 a minute (${dollars(perMinute)} per footage minute): ${trim(input.minutes)} min × ${dollars(perMinute)}.`,
    };
  });
  const subtotalCents = lines.reduce((s, l) => s + l.cents, 0);
  const who = REQUESTERS[input.requester];
  const exempt = who.exempt;
  return {
    input,
    lines,
    subtotalCents,
    exempt,
    exemption: exempt ? `Exempt from the redaction charge under RCW 42.56: ${who.label.charAt(0).toLowerCase()}${who.label.slice(1)}. The charge is $0.` : null,
    totalCents: exempt ? 0 : subtotalCents,
    notes: [RULES.rate, RULES.leastCostly, RULES.actual],
  };
}

export interface FieldError {
  field: string;
  message: string;
}

/** Validate raw query parameters; returns the estimate or field errors (first message per field). */
export function estimateFromQuery(query: Record<string, unknown>): { ok: true; estimate: FeeEstimate } | { ok: false; errors: FieldError[] } {
  const parsed = FeeInput.safeParse(query);
  if (!parsed.success) {
    const seen = new Set<string>();
    const errors: FieldError[] = [];
    for (const i of parsed.error.issues) {
      const field = String(i.path[0] ?? 'request');
      if (seen.has(field)) continue;
      seen.add(field);
      errors.push({ field, message: i.message });
    }
    return { ok: false, errors };
  }
  return { ok: true, estimate: estimate(parsed.data) };
}
