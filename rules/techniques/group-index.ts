// U3: a person id becomes an index within one incident (1, 2, …), never linkable across incidents.
import { z } from 'zod';
import { defineTechnique } from './types.ts';

const Params = z.object({ groupBy: z.string() });

export const groupIndex = defineTechnique({
  name: 'group_index',
  summary: 'Replaces a person id with its position within one incident, so people cannot be followed across incidents.',
  params: Params,
  protects: ['direct', 'record_id'],
  windowColumn: (ctx) => ({
    locals: { group: ctx.ref(ctx.params.groupBy) },
    partition: ['group'],
    final: (l) => `CASE WHEN ${l('value')} IS NULL THEN NULL ELSE dense_rank() OVER (PARTITION BY ${l('group')} ORDER BY ${l('value')}) END`,
  }),
  describe: (p) => `numbered 1, 2, … within each ${p.groupBy}`,
});
