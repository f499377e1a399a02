// I5, I6: codes become general terms through a reviewed table; unlisted values become the fallback.
import { z } from 'zod';
import { literal } from '../sql.ts';
import { defineTechnique } from './types.ts';

const Params = z.object({
  map: z.record(z.string(), z.string()),
  otherwise: z.string().nullable().default(null),
});

export const mapValues = defineTechnique({
  name: 'map_values',
  summary: 'Replaces each code with a general term from a reviewed table; anything else becomes a fallback.',
  params: Params,
  protects: ['quasi'],
  column(ctx) {
    const arms = Object.entries(ctx.params.map)
      .map(([from, to]) => `WHEN ${literal(from)} THEN ${literal(to)}`)
      .join(' ');
    return `CASE CAST(${ctx.expr} AS VARCHAR) ${arms} ELSE ${literal(ctx.params.otherwise)} END`;
  },
  describe: (p) =>
    `${Object.entries(p.map).map(([a, b]) => `${a} → ${b}`).join('; ')}; anything else → ${p.otherwise ?? 'empty'}`,
});
