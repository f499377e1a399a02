// X7: the parameters of small-cell suppression. The aggregate builder (publisher) applies it to
// every published aggregate; this technique only carries the reviewed threshold.
import { z } from 'zod';
import { defineTechnique } from './types.ts';

export const smallCellSuppression = defineTechnique({
  name: 'small_cell_suppression',
  summary: 'In published aggregates, counts from 1 to minCell-1 are withheld, as are statistics over so few rows.',
  params: z.object({ minCell: z.number().int().min(2).default(11) }),
  protects: [],
  describe: (p) => `cells of 1 to ${p.minCell - 1} withheld; 0 is shown`,
});
