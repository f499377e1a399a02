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

/** A text value as DuckDB's CSV writer writes it: quoted when empty or holding , " # CR or LF. */
function csvText(value: string): string {
  return `CASE WHEN ${value} = '' OR regexp_matches(${value}, '[,"#\\n\\r]') THEN '"' || replace(${value}, '"', '""') || '"' ELSE ${value} END`;
}

/** One CSV line (without its newline) as a SQL text expression, byte for byte what COPY … (FORMAT csv)
 *  writes for the cells of csvCell: parts need each line's length before the file is cut. */
export function csvLine(columns: readonly ColumnManifest[], qualifier = ''): string {
  return columns.map((c) => {
    const col = `${qualifier}${ident(c.name)}`;
    if (c.type === 'timestamp') return `coalesce(strftime(${col}, '%Y-%m-%dT%H:%M:%S'), '')`;
    if (c.type === 'text') {
      const guarded = `(CASE WHEN regexp_matches(${col}, '^[=+\\-@\\t\\r]') THEN '''' || ${col} ELSE ${col} END)`;
      return `coalesce(${csvText(guarded)}, '')`;
    }
    return `coalesce(CAST(${col} AS VARCHAR), '')`;
  }).join(` || ',' || `);
}

/** One JSON object (one line: to_json escapes control characters) as a SQL text expression. */
export function jsonLine(columns: readonly ColumnManifest[], qualifier = ''): string {
  return `to_json(struct_pack(${columns.map((c) => `${ident(c.name)} := ${jsonCell(c, qualifier, true)}`).join(', ')}))`;
}
