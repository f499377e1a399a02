// SQL fragments for staging CSV drops in DuckDB: the read_csv call for one file, the per-field
// validation expression (contract "Value formats", required, codes, range) and the typed cast.
// Reasons name the field and the kind of problem, never the offending value (it may be PII).

import { duckType, type FieldSpec, type TableSpec } from '../contract.ts';

export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
export const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** Default longest record (bytes) DuckDB accepts before quarantining it as over-long. */
export const MAX_LINE_SIZE = 8 * 1024 * 1024;

/** read_csv over one file, every column VARCHAR under positional names c0..cN-1, errors into rejects tables. */
export function readCsvSql(path: string, columnCount: number, rejectsTable: string, rejectsScan: string, maxLineSize = MAX_LINE_SIZE): string {
  const cols = Array.from({ length: columnCount }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  return `read_csv(${sqlString(path)}, columns = {${cols}}, header = true, auto_detect = false,
    delim = ',', quote = '"', escape = '"', strict_mode = true, null_padding = false,
    encoding = 'utf-8', max_line_size = ${Math.max(1, Math.floor(maxLineSize))}, store_rejects = true,
    rejects_table = ${sqlString(rejectsTable)}, rejects_scan = ${sqlString(rejectsScan)})`;
}

const TS_RE = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)`;
const DATE_RE = String.raw`\d{4}-\d{2}-\d{2}`;
const INT_RE = String.raw`[+-]?\d+`;
const DOUBLE_RE = String.raw`[+-]?(\d+(\.\d*)?|\.\d+)`;
const BOOL_TRUE = `('true', 'y', '1')`;
const BOOL_ANY = `('true', 'false', 'y', 'n', '1', '0')`;

/** Format check for a non-null value of this field: a SQL boolean that is true when the value is bad. */
function formatBad(f: FieldSpec, v: string): [string, string] | null {
  switch (f.type) {
    case 'text': return null;
    case 'timestamp':
      return [`NOT regexp_full_match(${v}, ${sqlString(TS_RE)}) OR try_cast(${v} AS TIMESTAMPTZ) IS NULL`,
        'not an ISO 8601 timestamp with offset'];
    case 'date':
      return [`NOT regexp_full_match(${v}, ${sqlString(DATE_RE)}) OR try_cast(${v} AS DATE) IS NULL`, 'not a YYYY-MM-DD date'];
    case 'boolean': return [`lower(${v}) NOT IN ${BOOL_ANY}`, 'not a boolean (true/false, Y/N, 1/0)'];
    case 'integer':
      return [`NOT regexp_full_match(${v}, ${sqlString(INT_RE)}) OR try_cast(${v} AS INTEGER) IS NULL`, 'not an integer'];
    case 'double':
      return [`NOT regexp_full_match(${v}, ${sqlString(DOUBLE_RE)}) OR try_cast(${v} AS DOUBLE) IS NULL`, 'not a plain decimal number'];
  }
}

/**
 * True when a non-null value is empty or only what trim() removes (U+0020 and the Unicode space
 * separators, all at or above U+00A0 = chr(160)). trim() copies every value longer than 12 bytes,
 * so it runs only on values that start with such a character (a cheap byte-order comparison).
 */
function blankSql(v: string): string {
  return `((${v} < '!' OR ${v} >= chr(160)) AND trim(${v}) = '')`;
}

/** A CASE expression yielding this field's failure reason, or NULL when the value is acceptable. */
export function fieldCheckSql(f: FieldSpec): string {
  const v = ident(f.name);
  const arms: string[] = [];
  arms.push(f.nullable ? `WHEN ${v} IS NULL THEN NULL` : `WHEN ${v} IS NULL OR ${blankSql(v)} THEN ${sqlString(`${f.name}: required value is empty`)}`);
  const fmt = formatBad(f, v);
  if (fmt) arms.push(`WHEN ${fmt[0]} THEN ${sqlString(`${f.name}: ${fmt[1]}`)}`);
  if (f.codes) {
    arms.push(`WHEN ${v} NOT IN (${f.codes.map(sqlString).join(', ')}) THEN ${sqlString(`${f.name}: not one of the allowed codes (${f.codes.join(', ')})`)}`);
  }
  if (f.range) {
    const [lo, hi] = f.range;
    arms.push(`WHEN CAST(${v} AS BIGINT) NOT BETWEEN ${lo} AND ${hi} THEN ${sqlString(`${f.name}: out of range ${lo}..${hi}`)}`);
  }
  return `CASE ${arms.join(' ')} END`;
}

/** All failure reasons of a row joined with '; ', or NULL when the row is valid. */
export function rowReasonSql(spec: TableSpec): string {
  return `nullif(concat_ws('; ', ${spec.fields.map(fieldCheckSql).join(',\n  ')}), '')`;
}

/** The typed value of a validated VARCHAR column. */
export function fieldCastSql(f: FieldSpec): string {
  const v = ident(f.name);
  if (f.type === 'boolean') return `CAST(lower(${v}) IN ${BOOL_TRUE} AS BOOLEAN) AS ${v}`;
  if (f.type === 'text') return `${v}`;
  return `CAST(${v} AS ${duckType(f.type)}) AS ${v}`;
}

/** The row's contract fields re-serialized as one CSV record (contract order), for quarantine review. */
export function rawRecordSql(spec: TableSpec, alias: string): string {
  const cell = (f: FieldSpec) => {
    const v = `${alias}.${ident(f.name)}`;
    return `CASE WHEN ${v} IS NULL THEN '' WHEN regexp_matches(${v}, '[",\\r\\n]') THEN '"' || replace(${v}, '"', '""') || '"' ELSE ${v} END`;
  };
  return spec.fields.map(cell).join(` || ',' || `);
}
