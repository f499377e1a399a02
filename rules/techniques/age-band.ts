// I3, U4: an age becomes a band: "<18", "18-29", "30-39", …, "80-89", "90+".
import { z } from 'zod';
import { literal } from '../sql.ts';
import { defineTechnique } from './types.ts';

const Params = z.object({
  width: z.number().int().min(5).max(20).default(10),
  minor: z.number().int().default(18),
  top: z.number().int().default(90),
});
type Params = z.infer<typeof Params>;

/** The band labels in order, with their lower bounds (the first is the minors' band). */
export function ageBands(p: Params): { from: number; label: string }[] {
  const firstUpper = Math.floor(p.minor / p.width) * p.width + 2 * p.width; // 18 → 30
  const bands = [{ from: 0, label: `<${p.minor}` }, { from: p.minor, label: `${p.minor}-${firstUpper - 1}` }];
  for (let lo = firstUpper; lo < p.top; lo += p.width) bands.push({ from: lo, label: `${lo}-${Math.min(lo + p.width, p.top) - 1}` });
  bands.push({ from: p.top, label: `${p.top}+` });
  return bands;
}

export const ageBand = defineTechnique({
  name: 'age_band',
  summary: 'Replaces an age with a band of years.',
  params: Params,
  protects: ['quasi'],
  column(ctx) {
    const bands = ageBands(ctx.params).reverse();
    const arms = bands.map((b) => `WHEN ${ctx.expr} >= ${b.from} THEN ${literal(b.label)}`).join(' ');
    return `CASE WHEN ${ctx.expr} IS NULL OR ${ctx.expr} < 0 THEN NULL ${arms} END`;
  },
  describe: (p) => `bands: ${ageBands(p).map((b) => b.label).join(', ')}`,
});
