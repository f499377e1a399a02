// U2: publish a value only where its group holds at least k distinct people (e.g. officers of
// one race, sex and service band in a precinct); otherwise the value is withheld.
import { z } from 'zod';
import { defineTechnique } from './types.ts';

const Params = z.object({
  k: z.number().int().min(2).default(5),
  /** The field whose distinct values are counted (e.g. officer_serial). */
  distinct: z.string(),
  /** The fields that make up the group. */
  groupBy: z.array(z.string()).min(1),
});

export const kGroupGuard = defineTechnique({
  name: 'k_group_guard',
  summary: 'Publishes a value only where at least k distinct people share the same group.',
  params: Params,
  protects: ['quasi'],
  windowColumn(ctx) {
    const groups = Object.fromEntries(ctx.params.groupBy.map((g, i) => [`group${i}`, ctx.ref(g)]));
    return {
      locals: { ...groups, distinct: ctx.ref(ctx.params.distinct) },
      partition: Object.keys(groups),
      final: (l) => {
        const size = `count(DISTINCT ${l('distinct')}) OVER (PARTITION BY ${Object.keys(groups).map(l).join(', ')})`;
        return `CASE WHEN ${size} >= ${ctx.params.k} THEN ${l('value')} ELSE NULL END`;
      },
    };
  },
  describe: (p) => `withheld unless at least ${p.k} distinct ${p.distinct} share ${p.groupBy.join(', ')}`,
});
