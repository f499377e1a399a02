// The contract every privacy technique implements: parameters in (validated by zod), SQL out.
// Techniques are pure: no IO, no clock, no globals; everything they need arrives in the context.
import type { z } from 'zod';
import type { FieldType, Sensitivity } from '../../pipelines/contract.ts';

export interface FieldInfo {
  name: string;
  type: FieldType;
  sensitivity: Sensitivity;
}

export type OutputType = 'text' | 'number' | 'integer' | 'boolean' | 'timestamp' | 'date';

/** What a column step sees: the column's current SQL and how to reach other fields of the row. */
export interface ColumnContext<P> {
  /** SQL of the column so far (starts as a reference to its source field). */
  expr: string;
  field: FieldInfo;
  outputType: OutputType;
  params: P;
  /** SQL reference to another field of the same (filtered) source row; throws on unknown names. */
  ref(field: string): string;
  /** Hex HMAC key for keyed pseudonyms. */
  secretHex: string;
  /** The agency's IANA time zone, for local-time truncation. */
  timezone: string;
}

/** What a row step sees: it returns a predicate that keeps a row. */
export interface RowContext<P> {
  params: P;
  ref(field: string): string;
  /** The run's clock reading, as an ISO timestamp (for embargoes). */
  nowIso: string;
}

/** What a check step sees: the fields the dataset reads, to refuse unsafe definitions. */
export interface CheckContext<P> {
  params: P;
  datasetId: string;
  /** The fields the rule step names. */
  stepFields: readonly string[];
  /** Source fields read by each published column (column name → fields). */
  reads: Map<string, string[]>;
  fields: readonly FieldInfo[];
}

/** What a post-processing step sees: the materialized published table. */
export interface PostContext<P> {
  params: P;
  table: string;
  rowKey: string;
}

/** SQL a post-processing step runs over the published table, and how to measure its result. */
export interface PostProcess {
  /** The k the step enforces. */
  k: number;
  statements: string[];
  /** One row, column n: rows still in classes below k. */
  smallRowsSql: string;
  /** The row keys (one column) of rows in classes below k, before the statements run. */
  smallKeysSql: string;
  /**
   * SQL expressions over the published columns that the statements never change and that every
   * class shares: the step's result for a row depends only on the rows with the same values of
   * all of them, so it can run over just the partitions a run touches (pipelines/pub-state.ts).
   * Empty: the step must run over every row.
   */
  partition: string[];
  /** One row, columns k and classes: the smallest class among rows that carry protected values. */
  minKSql: string;
}

/**
 * A column step with a window over rows, split in two: row-local SQL values (over the staged
 * row, through ctx.expr and ctx.ref), and the column's SQL given a reference to each of them and
 * to `value`, the column's value before the step.
 */
export interface WindowColumn {
  locals: Record<string, string>;
  /**
   * The locals the window partitions by: `final`'s window functions must read only rows with the
   * same values of these, so an incremental run evaluates the window over just the partitions
   * its changed rows were or are in (pipelines/pub-state.ts).
   */
  partition: string[];
  final(local: (name: string) => string): string;
}

/** A window step as one expression over the staged row (the step's `column`). */
export function inlineWindow(w: WindowColumn, expr: string): string {
  return w.final((name) => (name === 'value' ? expr : `(${w.locals[name] ?? missingLocal(name)})`));
}

function missingLocal(name: string): never {
  throw new Error(`window step refers to unknown local "${name}"`);
}

export interface Technique<P = any> {
  name: string;
  /** One sentence for the privacy office: what this technique does. */
  summary: string;
  params: z.ZodType<P>;
  /** Kinds of sensitive field this technique makes publishable (see contract Sensitivity). */
  protects: readonly Sensitivity[];
  /** Column transform: returns the new SQL of the column. */
  column?(ctx: ColumnContext<P>): string;
  /**
   * Column transform that reads other rows (a window). The compiler either inlines it (`column`,
   * see inlineWindow) or stores its row-local values with each shaped row and evaluates the window
   * over the published rows (incremental shaping, rules/lift.ts).
   */
  windowColumn?(ctx: ColumnContext<P>): WindowColumn;
  /** Row filter: returns a predicate that is true for rows to keep. */
  keepRow?(ctx: RowContext<P>): string;
  /** Post-processing of the materialized published table (X8). */
  postProcess?(ctx: PostContext<P>): PostProcess;
  /** Definition check: returns error messages (empty when the dataset complies). */
  check?(ctx: CheckContext<P>): string[];
  /** Plain-language description of the parameters, for rule pages. */
  describe(params: P): string;
}

/** A technique; a window step gets its inline `column` form from `windowColumn`. */
export function defineTechnique<P>(t: Technique<P>): Technique<P> {
  const window = t.windowColumn;
  return window && !t.column ? { ...t, column: (ctx) => inlineWindow(window(ctx), ctx.expr) } : t;
}
