// Wraps a compiled SoQL query so DuckDB itself builds the response body as one string: a JSON array
// of flat objects (null keys left out, numbers as strings, floating timestamps), CSV rows (every
// value quoted, nulls empty) or a GeoJSON FeatureCollection. Converting rows in Node is the slow
// path this avoids. Output names are bound parameters too (they can be user aliases).
import { VARCHAR } from '@duckdb/node-api';
import { keySql, type Compiled, type Output } from './compile.ts';

export type SodaFormat = 'json' | 'csv' | 'geojson';

/** The value of an output as text (NULL when absent or not finite). */
function textOf(o: Output): string {
  const a = o.alias;
  switch (o.type) {
    case 'number':
    case 'integer': {
      const d = `CAST(${a} AS DOUBLE)`;
      return `(CASE WHEN NOT isfinite(${d}) THEN NULL WHEN ${d} = trunc(${d}) AND abs(${d}) < 1e15 THEN CAST(CAST(${d} AS BIGINT) AS VARCHAR) ELSE CAST(${d} AS VARCHAR) END)`;
    }
    case 'timestamp':
      return `strftime(CAST(${a} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g')`;
    case 'checkbox':
      return `(CASE WHEN ${a} THEN 'true' WHEN NOT ${a} THEN 'false' END)`;
    default:
      return `CAST(${a} AS VARCHAR)`;
  }
}

/** A spreadsheet runs a cell starting with = + - @ (or tab, CR) as a formula: text gets a leading apostrophe, as in the bulk CSV (publisher/export.ts). */
const FORMULA_START = /^[=+\-@\t\r]/;
function csvText(o: Output): string {
  const v = textOf(o);
  return o.type === 'text' ? `(CASE WHEN regexp_matches(${v}, '^[=+\\-@\\t\\r]') THEN '''' || ${v} ELSE ${v} END)` : v;
}

/** One `"key":value` JSON member, NULL when the value is absent (concat_ws then skips it). */
function member(c: Compiled, o: Output): string {
  const key = c.params.add(`${JSON.stringify(o.name)}:`, VARCHAR);
  const value = o.type === 'checkbox' ? textOf(o) : `to_json(${textOf(o)})`;
  return `(${key} || ${value})`;
}

function objectSql(c: Compiled, outputs: Output[]): string {
  return outputs.length ? `'{' || concat_ws(',', ${outputs.map((o) => member(c, o)).join(', ')}) || '}'` : `'{}'`;
}

export function renderSql(c: Compiled, format: SodaFormat): string {
  const order = c.keys.map(keySql).join(', ');
  if (format === 'json') {
    return `SELECT '[' || coalesce(string_agg(${objectSql(c, c.outputs)}, ',' ORDER BY ${order}), '') || ']' FROM (${c.sql}) __i`;
  }
  if (format === 'csv') {
    const cells = c.outputs.map((o) => `coalesce('"' || replace(${csvText(o)}, '"', '""') || '"', '')`);
    const line = cells.length ? cells.join(` || ',' || `) : `''`;
    return `SELECT coalesce(string_agg(${line}, chr(10) ORDER BY ${order}), '') FROM (${c.sql}) __i`;
  }
  const lat = c.outputs.find((o) => /^(latitude|lat)$/i.test(o.name) && (o.type === 'number' || o.type === 'integer'));
  const lon = c.outputs.find((o) => /^(longitude|lon|lng|long)$/i.test(o.name) && (o.type === 'number' || o.type === 'integer'));
  let geometry = `'null'`;
  if (lat && lon) {
    const la = `CAST(${lat.alias} AS DOUBLE)`;
    const lo = `CAST(${lon.alias} AS DOUBLE)`;
    geometry = `(CASE WHEN isfinite(${la}) AND isfinite(${lo}) THEN '{"type":"Point","coordinates":[' || CAST(${lo} AS VARCHAR) || ',' || CAST(${la} AS VARCHAR) || ']}' ELSE 'null' END)`;
  }
  const feature = `'{"type":"Feature","geometry":' || ${geometry} || ',"properties":' || ${objectSql(c, c.outputs)} || '}'`;
  return `SELECT '{"type":"FeatureCollection","features":[' || coalesce(string_agg(${feature}, ',' ORDER BY ${order}), '') || ']}' FROM (${c.sql}) __i`;
}

/** The CSV header line for a compiled query (Socrata quotes every field). */
export function csvHeader(c: Compiled): string {
  return c.outputs.map((o) => `"${(FORMULA_START.test(o.name) ? `'${o.name}` : o.name).replace(/"/g, '""')}"`).join(',');
}
