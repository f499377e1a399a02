// C4, I2: withhold a field on rows that meet a sensitive-category condition. Text columns read
// the replacement (e.g. REDACTED); other types become null.
import { z } from 'zod';
import { literal } from '../sql.ts';
import { describePredicate, Predicate, predicateSql } from './predicate.ts';
import { defineTechnique } from './types.ts';

const Params = z.object({
  when: Predicate,
  replacement: z.string().nullable().default('REDACTED'),
});

export const redactWhen = defineTechnique({
  name: 'redact_when',
  summary: 'Withholds a field on rows in a sensitive category.',
  params: Params,
  protects: [],
  column(ctx) {
    const text = ctx.outputType === 'text';
    const replacement = text ? literal(ctx.params.replacement) : 'NULL';
    // A text column may hold a non-text value here (e.g. an age not yet banded): compare as text.
    const value = text ? `CAST(${ctx.expr} AS VARCHAR)` : ctx.expr;
    return `CASE WHEN ${predicateSql(ctx.params.when, ctx.ref)} THEN ${replacement} ELSE ${value} END`;
  },
  describe: (p) => `withheld (${p.replacement ?? 'empty'}) when ${describePredicate(p.when)}`,
});
