// C5, I4, U7: an exact instant becomes the agency's local date and hour (floating time).
import { z } from 'zod';
import { literal } from '../sql.ts';
import { defineTechnique } from './types.ts';

const Params = z.object({ unit: z.enum(['hour', 'day', 'month']).default('hour') });

export const truncateTime = defineTechnique({
  name: 'truncate_time',
  summary: 'Rounds a timestamp down to the hour (or day), in the agency’s local time.',
  params: Params,
  protects: ['quasi'],
  column(ctx) {
    const local = `timezone(${literal(ctx.timezone)}, ${ctx.expr})`;
    const unit = literal(ctx.params.unit);
    return ctx.outputType === 'date' ? `CAST(date_trunc(${unit}, ${local}) AS DATE)` : `date_trunc(${unit}, ${local})`;
  },
  describe: (p) => `rounded down to the ${p.unit}, local time`,
});
