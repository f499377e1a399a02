// X8: k-anonymity on declared quasi-identifiers of a published table. Rows in a class smaller
// than k are generalized first (e.g. wider age bands), then the listed columns are suppressed,
// stage by stage, until every class that still carries those columns holds at least k rows.
import { z } from 'zod';
import { ident, literal } from '../sql.ts';
import { defineTechnique, type PostContext } from './types.ts';

const QuasiIdentifier = z.union([
  z.string(),
  z.object({ column: z.string(), truncate: z.enum(['day', 'month', 'year']) }).strict(),
]);

const Params = z.object({
  k: z.number().int().min(2).default(5),
  quasiIdentifiers: z.array(QuasiIdentifier).min(1),
  /** Generalization: published value → coarser value, per column, tried before suppression. */
  generalize: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  /** Suppression stages: each stage's columns become the replacement for rows still below k. */
  suppress: z.array(z.array(z.string()).min(1)).min(1),
  replacement: z.string().default('REDACTED'),
});
type Params = z.infer<typeof Params>;

function qiSql(q: Params['quasiIdentifiers'][number]): string {
  return typeof q === 'string' ? ident(q) : `date_trunc(${literal(q.truncate)}, ${ident(q.column)})`;
}

/** SQL selecting the row keys of rows whose class is smaller than k. */
function smallClassKeys(ctx: PostContext<Params>): string {
  const by = ctx.params.quasiIdentifiers.map(qiSql).join(', ');
  return `SELECT ${ident(ctx.rowKey)} FROM (SELECT ${ident(ctx.rowKey)}, count(*) OVER (PARTITION BY ${by}) AS n FROM ${ident(ctx.table)}) WHERE n < ${ctx.params.k}`;
}

/**
 * The quasi-identifiers the step neither generalizes nor suppresses (offenses: beat and day). A
 * class is one value of every quasi-identifier, so no class crosses a partition of these, and
 * what the step does to a row depends only on the rows of its partition.
 */
function partitionSql(p: Params): string[] {
  const changed = new Set([...Object.keys(p.generalize), ...p.suppress.flat()]);
  return p.quasiIdentifiers.filter((q) => !changed.has(typeof q === 'string' ? q : q.column)).map(qiSql);
}

/** The columns whose values the rule protects; a row with all of them suppressed or empty carries none. */
function protectedColumns(p: Params): string[] {
  return [...new Set(p.suppress.flat())];
}

export const kAnonymity = defineTechnique({
  name: 'k_anonymity',
  summary: 'Checks that every combination of quasi-identifiers is shared by at least k rows; generalizes, then suppresses, rows that are not.',
  params: Params,
  protects: [],
  postProcess(ctx) {
    const p = ctx.params;
    const where = `${ident(ctx.rowKey)} IN (${smallClassKeys(ctx)})`;
    const statements: string[] = [];
    for (const [column, map] of Object.entries(p.generalize)) {
      const arms = Object.entries(map).map(([a, b]) => `WHEN ${literal(a)} THEN ${literal(b)}`).join(' ');
      statements.push(`UPDATE ${ident(ctx.table)} SET ${ident(column)} = CASE ${ident(column)} ${arms} ELSE ${ident(column)} END WHERE ${where}`);
    }
    for (const stage of p.suppress) {
      const sets = stage.map((c) => `${ident(c)} = CASE WHEN ${ident(c)} IS NULL THEN NULL ELSE ${literal(p.replacement)} END`).join(', ');
      statements.push(`UPDATE ${ident(ctx.table)} SET ${sets} WHERE ${where}`);
    }
    const carries = protectedColumns(p).map((c) => `coalesce(${ident(c)} <> ${literal(p.replacement)}, FALSE)`).join(' OR ');
    const by = p.quasiIdentifiers.map(qiSql).join(', ');
    return {
      k: p.k,
      statements,
      smallRowsSql: `SELECT count(*) AS n FROM (${smallClassKeys(ctx)})`,
      smallKeysSql: smallClassKeys(ctx),
      partition: partitionSql(p),
      minKSql: `SELECT min(n) AS k, count(*) AS classes FROM (SELECT count(*) AS n FROM ${ident(ctx.table)} WHERE ${carries} GROUP BY ${by})`,
    };
  },
  describe: (p) =>
    `k = ${p.k} on ${p.quasiIdentifiers.map((q) => (typeof q === 'string' ? q : `${q.column} (by ${q.truncate})`)).join(', ')}; ` +
    `generalize ${Object.keys(p.generalize).join(', ') || 'nothing'}, then suppress ${p.suppress.map((s) => s.join(' + ')).join(', then ')}`,
});
