// Links from each number on the brief to the query that produces it: a SoQL URL on the
// Socrata-compatible API (/resource/{id}.json) and the equivalent SQL over the published table.
// Conditions are written once in the shared subset of SoQL and SQL (=, between, like, AND, OR).
import type { Period } from './window.ts';

/** A string literal in SoQL and SQL: single quotes, doubled inside. */
export const lit = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** `col between 'start' and 'end'` (inclusive), with floating timestamps. */
export const between = (column: string, p: Period): string => `${column} between ${lit(p.start)} and ${lit(p.end)}`;

export const and = (...parts: string[]): string => parts.filter(Boolean).join(' AND ');

export interface SoqlQuery {
  select: string;
  where?: string;
  group?: string;
  order?: string;
}

/** `$` kept readable, values percent-encoded: /resource/{id}.json?$select=count(*)&$where=... */
export function soqlUrl(datasetId: string, q: SoqlQuery): string {
  const params: [string, string | undefined][] = [
    ['$select', q.select],
    ['$where', q.where],
    ['$group', q.group],
    ['$order', q.order],
  ];
  const query = params
    .filter((p): p is [string, string] => Boolean(p[1]))
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  return `/resource/${datasetId}.json?${query}`;
}

/** The same query as SQL over the dataset's published table (named by its id). */
export function sqlText(datasetId: string, q: SoqlQuery): string {
  return [
    `SELECT ${q.select}`,
    `FROM "${datasetId}"`,
    q.where ? `WHERE ${q.where}` : '',
    q.group ? `GROUP BY ${q.group}` : '',
    q.order ? `ORDER BY ${q.order}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}
