// U3: a person id becomes an index within one incident (1, 2, …), never linkable across incidents.
import { z } from 'zod';
import { defineTechnique } from './types.ts';

const Params = z.object({ groupBy: z.string() });

export const groupIndex = defineTechnique({
  name: 'group_index',
  summary: 'Replaces a person id with its position within one incident, so people cannot be followed across incidents.',
  params: Params,
  protects: ['direct', 'record_id'],
  column: (ctx) =>
    `CASE WHEN ${ctx.expr} IS NULL THEN NULL ELSE dense_rank() OVER (PARTITION BY ${ctx.ref(ctx.params.groupBy)} ORDER BY ${ctx.expr}) END`,
  describe: (p) => `numbered 1, 2, … within each ${p.groupBy}`,
});
