// X5, X6: rows kept out of a release entirely. Sealed records never publish; only final
// (approved) reports publish, and only after an embargo.
import { z } from 'zod';
import { literal } from '../sql.ts';
import { defineTechnique } from './types.ts';

export const excludeStatus = defineTechnique({
  name: 'exclude_status',
  summary: 'Keeps rows with a given status (e.g. SEALED) out of every release.',
  params: z.object({ field: z.string(), values: z.array(z.string()).min(1) }),
  protects: [],
  keepRow: (ctx) =>
    `coalesce(${ctx.ref(ctx.params.field)} NOT IN (${ctx.params.values.map((v) => literal(v)).join(', ')}), FALSE)`,
  describe: (p) => `rows whose ${p.field} is ${p.values.join(' or ')} are not published`,
});

export const onlyFinal = defineTechnique({
  name: 'only_final',
  summary: 'Publishes only finalized records, and only once an embargo has passed.',
  params: z.object({
    field: z.string(),
    finalValue: z.string(),
    timeField: z.string(),
    embargoDays: z.number().int().min(0).default(7),
  }),
  protects: [],
  keepRow(ctx) {
    const p = ctx.params;
    const cutoff = `CAST(${literal(ctx.nowIso)} AS TIMESTAMPTZ) - INTERVAL ${p.embargoDays} DAY`;
    return `coalesce(${ctx.ref(p.field)} = ${literal(p.finalValue)} AND ${ctx.ref(p.timeField)} <= ${cutoff}, FALSE)`;
  },
  describe: (p) => `only rows whose ${p.field} is ${p.finalValue}, and ${p.embargoDays} days after ${p.timeField}`,
});
