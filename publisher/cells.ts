// How a published value is written as text in the bulk files: CSV cells (spreadsheet formula
// guard, floating ISO timestamps) and JSON values. Shared by whole files and parts.
import { ident } from '../rules/sql.ts';
import type { ColumnManifest } from './manifest.ts';

/** Text cells that a spreadsheet would run as a formula get a leading apostrophe in CSV. */
export function csvCell(c: ColumnManifest, qualifier = ''): string {
  const name = ident(c.name);
  const col = `${qualifier}${name}`;
  if (c.type === 'timestamp') return `strftime(${col}, '%Y-%m-%dT%H:%M:%S') AS ${name}`;
  // A regex, not `left(col, 1) IN (…)`: DuckDB turns an IN list of 5+ constants into a join,
  // which loses the Parquet file's row order when CSV and JSON are copied from it.
  if (c.type === 'text') return `CASE WHEN regexp_matches(${col}, '^[=+\\-@\\t\\r]') THEN '''' || ${col} ELSE ${col} END AS ${name}`;
  return qualifier ? `${col} AS ${name}` : col;
}

/** A JSON value's SQL (timestamps as ISO text with milliseconds); `bare` leaves out the alias. */
export function jsonCell(c: ColumnManifest, qualifier = '', bare = false): string {
  const name = ident(c.name);
  const col = `${qualifier}${name}`;
  const value = c.type === 'timestamp' ? `strftime(${col}, '%Y-%m-%dT%H:%M:%S.%g')` : col;
  return bare || (!qualifier && value === col) ? value : `${value} AS ${name}`;
}

/** One JSON object (one line: to_json escapes control characters) as a SQL text expression. */
export function jsonLine(columns: readonly ColumnManifest[], qualifier = ''): string {
  return `to_json(struct_pack(${columns.map((c) => `${ident(c.name)} := ${jsonCell(c, qualifier, true)}`).join(', ')}))`;
}
