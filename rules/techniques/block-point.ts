// C3, I1: coordinates snap to one fixed point per hundred block: the centre of the grid cell
// holding the mean of the block's points. Never per-record jitter, which averaging undoes.
import { z } from 'zod';
import { hundredBlockSql } from './hundred-block.ts';
import { defineTechnique } from './types.ts';

const Params = z.object({
  /** Grid cell size in degrees (0.002° ≈ 220 m north–south). */
  cellDegrees: z.number().positive().max(0.1).default(0.002),
  /** The address field that defines the block. */
  addressField: z.string().default('address'),
});

export const blockPoint = defineTechnique({
  name: 'block_point',
  summary: 'Replaces exact coordinates with one fixed point per hundred block, snapped to a grid.',
  params: Params,
  protects: ['exact_location'],
  windowColumn(ctx) {
    const c = ctx.params.cellDegrees;
    return {
      locals: { block: hundredBlockSql(ctx.ref(ctx.params.addressField)) },
      partition: ['block'],
      final: (l) => `CASE WHEN ${l('value')} IS NULL OR ${l('block')} IS NULL THEN NULL
      ELSE round((floor(avg(${l('value')}) OVER (PARTITION BY ${l('block')}) / ${c}) + 0.5) * ${c}, 6) END`,
    };
  },
  describe: (p) => `one point per block of "${p.addressField}": centre of a ${p.cellDegrees}° grid cell`,
});
