// C2, I1: an exact address becomes its hundred block ("1234 5TH AVE" → "12XX BLOCK OF 5TH AVE").
// Intersections stay intersections (house numbers stripped). Anything unrecognized becomes null.
import { z } from 'zod';
import { defineTechnique } from './types.ts';

const Params = z.object({}).default({});

const HOUSE = String.raw`^\s*(\d{1,6})[A-Z]?\s+(.+)$`;
const UNIT = String.raw`\s+(APT|UNIT|STE|SUITE|#|RM|FL)\b.*$|\s+#.*$`;

/** SQL for the hundred-block form of an address expression. */
export function hundredBlockSql(expr: string): string {
  const a = `upper(trim(${expr}))`;
  const street = `regexp_replace(regexp_extract(${a}, '${HOUSE}', 2), '${UNIT}', '')`;
  const number = `TRY_CAST(regexp_extract(${a}, '${HOUSE}', 1) AS BIGINT)`;
  const side = (i: number) => `regexp_replace(trim(split_part(${a}, '/', ${i})), '^\\d+[A-Z]?\\s+', '')`;
  return `CASE
    WHEN ${expr} IS NULL THEN NULL
    WHEN regexp_full_match(${a}, '[^/]+/[^/]+') THEN ${side(1)} || ' / ' || ${side(2)}
    WHEN regexp_full_match(${a}, '${HOUSE}') THEN CAST(${number} // 100 AS VARCHAR) || 'XX BLOCK OF ' || ${street}
    ELSE NULL END`;
}

export const hundredBlock = defineTechnique({
  name: 'hundred_block',
  summary: 'Generalizes an exact street address to its hundred block; intersections stay intersections.',
  params: Params,
  protects: ['exact_location'],
  column: (ctx) => hundredBlockSql(ctx.expr),
  describe: () => 'house number replaced by its hundred (NNXX BLOCK OF street); unit numbers removed; unrecognized addresses withheld',
});
