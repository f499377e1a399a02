// Test helper: an in-memory DuckDB, typed VALUES tables, and one technique step run over them.
import { DuckDBInstance } from '@duckdb/node-api';
import { duckType, type FieldType, type Sensitivity } from '../../pipelines/contract.ts';
import type { OutputType, Technique } from '../../rules/techniques/types.ts';

export type Row = Record<string, any>;

export interface Duck {
  all(sql: string): Promise<Row[]>;
  run(sql: string): Promise<void>;
  close(): void;
}

export async function openDuck(): Promise<Duck> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  return {
    all: async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJson() as Row[],
    run: async (sql) => void (await c.run(sql)),
    close: () => {
      c.closeSync();
      db.closeSync();
    },
  };
}

/** A SQL literal for a test value, written independently of rules/sql.ts. */
export function lit(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v).toUpperCase();
  return `'${String(v).replaceAll("'", "''")}'`;
}

export const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A predicate: each of `columns` holds the value `row` has in it (NULL matching NULL). */
export function sameValues(columns: readonly string[], row: Row): string {
  return columns.map((c) => `${q(c)} IS NOT DISTINCT FROM ${lit(row[c])}`).join(' AND ');
}

/** A typed VALUES table with a hidden row number `__n`, as a parenthesized subquery. */
export function values(cols: Record<string, FieldType>, rows: unknown[][]): string {
  const names = Object.keys(cols);
  const tuples = rows.map((r, i) => {
    if (r.length !== names.length) throw new Error(`row ${i} has ${r.length} values, expected ${names.length}`);
    return `(${i}, ${r.map((v, j) => `CAST(${lit(v)} AS ${duckType(cols[names[j]])})`).join(', ')})`;
  });
  return `(SELECT * FROM (VALUES ${tuples.join(', ')}) AS t(__n, ${names.map(q).join(', ')}))`;
}

export const TEST_KEY_HEX = '5f3c9a1be07d44e2a8b61c0f93d2e7a45b18c6f0d2e94a7b3c5d6e7f8091a2b3';
export const TEST_TZ = 'America/Los_Angeles';

export interface StepRun {
  cols: Record<string, FieldType>;
  rows: unknown[][];
  /** The column the step shapes. */
  field: string;
  params?: unknown;
  outputType?: OutputType;
  sensitivity?: Sensitivity;
  secretHex?: string;
  timezone?: string;
}

/** SQL of a technique's column step over a VALUES table: every input column plus `out`, in input order. */
export function columnStepSql(t: Technique, s: StepRun): string {
  const names = new Set(Object.keys(s.cols));
  const ref = (n: string) => {
    if (!names.has(n)) throw new Error(`unknown field "${n}"`);
    return q(n);
  };
  const expr = t.column!({
    expr: ref(s.field),
    field: { name: s.field, type: s.cols[s.field], sensitivity: s.sensitivity ?? 'none' },
    outputType: s.outputType ?? 'text',
    params: t.params.parse(s.params ?? {}),
    ref,
    secretHex: s.secretHex ?? TEST_KEY_HEX,
    timezone: s.timezone ?? TEST_TZ,
  });
  return `SELECT *, ${expr} AS out FROM ${values(s.cols, s.rows)} ORDER BY __n`;
}

/** Runs a column step and returns the `out` value of each input row, in input order. */
export async function runStep(duck: Duck, t: Technique, s: StepRun): Promise<any[]> {
  return (await duck.all(columnStepSql(t, s))).map((r) => r.out);
}

/** Rows kept by a row-filter technique over a VALUES table, as their input positions. */
export async function keptRows(
  duck: Duck,
  t: Technique,
  cols: Record<string, FieldType>,
  rows: unknown[][],
  params: unknown,
  nowIso = '2025-01-15T12:00:00Z',
): Promise<number[]> {
  const where = t.keepRow!({ params: t.params.parse(params), ref: q, nowIso });
  const out = await duck.all(`SELECT __n FROM ${values(cols, rows)} WHERE ${where} ORDER BY __n`);
  return out.map((r) => Number(r.__n));
}
