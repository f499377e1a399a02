// C5: durations computed from exact times are published rounded.
import { z } from 'zod';
import { defineTechnique } from './types.ts';

const Params = z.object({ digits: z.number().int().min(0).max(3).default(0) });

export const roundNumber = defineTechnique({
  name: 'round_number',
  summary: 'Rounds a number to a fixed number of decimal places.',
  params: Params,
  protects: ['quasi'],
  column: (ctx) => `round(${ctx.expr}, ${ctx.params.digits})`,
  describe: (p) => `rounded to ${p.digits} decimal place${p.digits === 1 ? '' : 's'}`,
});
