// A tiny condition language for rule parameters, readable by the privacy office:
//   { any: [ { field: nibrs_code, in: [11A, 11B] }, { field: domestic_violence, equals: true } ] }
// rendered to SQL with every value escaped as a literal.
import { z } from 'zod';
import { literal, literalList } from '../sql.ts';

const Leaf = z.union([
  z.object({ field: z.string(), in: z.array(z.union([z.string(), z.number()])).min(1) }).strict(),
  z.object({ field: z.string(), equals: z.union([z.string(), z.number(), z.boolean()]) }).strict(),
  z.object({ field: z.string(), lessThan: z.number() }).strict(),
  /** Whole-word keywords, matched case-insensitively anywhere in the text. */
  z.object({ field: z.string(), containsWord: z.array(z.string().regex(/^[A-Za-z0-9 /&'-]+$/)).min(1) }).strict(),
]);

export type Predicate = z.infer<typeof Leaf> | { any: Predicate[] } | { all: Predicate[] };

export const Predicate: z.ZodType<Predicate> = z.lazy(() =>
  z.union([Leaf, z.object({ any: z.array(Predicate).min(1) }).strict(), z.object({ all: z.array(Predicate).min(1) }).strict()]),
);

function escapeRegex(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** SQL for a predicate; `ref` turns a field name into a column reference. NULL never matches. */
export function predicateSql(p: Predicate, ref: (field: string) => string): string {
  if ('any' in p) return `(${p.any.map((x) => predicateSql(x, ref)).join(' OR ')})`;
  if ('all' in p) return `(${p.all.map((x) => predicateSql(x, ref)).join(' AND ')})`;
  const col = ref(p.field);
  if ('in' in p) return `coalesce(CAST(${col} AS VARCHAR) IN (${literalList(p.in.map(String))}), FALSE)`;
  if ('equals' in p) return `coalesce(${col} = ${literal(p.equals)}, FALSE)`;
  if ('lessThan' in p) return `coalesce(${col} < ${literal(p.lessThan)}, FALSE)`;
  const alternation = p.containsWord.map(escapeRegex).join('|');
  return `coalesce(regexp_matches(${col}, ${literal(`(^|[^A-Z0-9])(${alternation})([^A-Z0-9]|$)`)}, 'i'), FALSE)`;
}

/** Plain-language text of a predicate, for rule pages. */
export function describePredicate(p: Predicate): string {
  if ('any' in p) return p.any.map(describePredicate).join(', or ');
  if ('all' in p) return p.all.map(describePredicate).join(', and ');
  if ('in' in p) return `${p.field} is one of ${p.in.join(', ')}`;
  if ('equals' in p) return `${p.field} is ${String(p.equals)}`;
  if ('lessThan' in p) return `${p.field} is under ${p.lessThan}`;
  return `${p.field} mentions ${p.containsWord.join(', ')}`;
}
