// SQL text helpers for rule techniques: identifier quoting and literal escaping. Rules only
// ever put reviewed catalog values into SQL, and always through these.

export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function literal(value: string | number | boolean | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return `'${value.replaceAll("'", "''")}'`;
}

/** DuckDB's 64-bit hash of a row's values in these columns (typed, NULL-aware), each read as `qualifier` + name. */
export function rowHash(columns: readonly string[], qualifier = ''): string {
  return `hash(${columns.map((c) => `${qualifier}${ident(c)}`).join(', ')})`;
}

export function literalList(values: readonly (string | number)[]): string {
  return values.map((v) => literal(v)).join(', ');
}

/** One STRUCT value of SQL expressions (an X8 partition: rows with equal values share it). */
export function structOf(expressions: readonly string[]): string {
  return `{${expressions.map((e, i) => `'p${i}': ${e}`).join(', ')}}`;
}
