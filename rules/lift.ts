// The two-stage form of a dataset's columns, for incremental shaping. Stage one runs per staged
// row and is stored (pipelines/shape.ts keeps it in shaped_<dataset>); stage two runs over the
// published rows of the stored table, and holds every window (block points, group indexes,
// group-size guards) so that a window still sees all published rows when only some were
// reshaped. A column without a window is computed whole in stage one.
// Pure: SQL in, SQL out.
import { ident } from './sql.ts';
import type { ColumnContext, Technique } from './techniques/types.ts';

/** Touched-flag SQL of one step, as shapeSql reports it. */
export function touchedSql(before: string, after: string): string {
  return `CAST(${before} AS VARCHAR) IS DISTINCT FROM CAST(${after} AS VARCHAR)`;
}

/** One column's rule chain, in both stages. */
export class LiftedColumn {
  /** Stage-two SQL, once a window step was met; until then the column is row-local. */
  private publish: string | null = null;
  /** The window step's SQL over stored values, computed once per row in stage two as `__wv_<column>`. */
  private window: string | null = null;
  /** The stored columns the window partitions by. */
  private partition: string[] = [];
  private readonly rowTouched: { rule: string; sql: string }[] = [];
  private readonly publishTouched: { rule: string; sql: string }[] = [];

  constructor(
    private readonly column: string,
    /** Stage-one values to store: shaped-table column name → SQL over the staged row. */
    private readonly stored: Map<string, string>,
  ) {}

  /** Applies one column step; `before` and `after` are the inline (one-stage) SQL around it. */
  step(rule: string, t: Technique, ctx: ColumnContext<unknown>, before: string, after: string): void {
    if (this.publish === null && !t.windowColumn) {
      this.rowTouched.push({ rule, sql: touchedSql(before, after) });
      return;
    }
    if (this.publish === null) {
      const w = t.windowColumn!(ctx);
      const names = new Map([['value', this.store(`__w_${this.column}_value`, before)]]);
      for (const [local, sql] of Object.entries(w.locals)) names.set(local, this.store(`__w_${this.column}_${local}`, sql));
      this.window = w.final((local) => ident(names.get(local) ?? local));
      this.partition = w.partition.map((local) => names.get(local) ?? missing(local));
      this.publish = ident(`__wv_${this.column}`);
      this.publishTouched.push({ rule, sql: touchedSql(ident(names.get('value')!), this.publish) });
      return;
    }
    if (t.windowColumn) throw new Error(`column "${this.column}": a second window step after the first one is not supported`);
    // After the window: the step reads the stage-two value and raw fields stored as __in_<field>.
    const stagedRef = (field: string) => ident(this.store(`__in_${field}`, ctx.ref(field)));
    const prior = this.publish;
    this.publish = t.column!({ ...ctx, expr: prior, ref: stagedRef });
    this.publishTouched.push({ rule, sql: touchedSql(prior, this.publish) });
  }

  /**
   * Stores a stage-one value under `name`, or returns the name of an identical value already
   * stored (two columns' windows over the same block then share one partitioning).
   */
  private store(name: string, sql: string): string {
    for (const [existing, stored] of this.stored) if (stored === sql) return existing;
    this.stored.set(name, sql);
    return name;
  }

  /** The stage-two column holding the window's value (`__wv_<column>`), or null without a window. */
  windowName(): string | null {
    return this.window === null ? null : `__wv_${this.column}`;
  }

  /** The stored columns the window partitions by (see WindowColumn.partition); empty without a window. */
  windowPartition(): string[] {
    return this.partition;
  }

  /** Stage two, inner select: the window's value, once per row. */
  windowSelect(): string | null {
    return this.window === null ? null : `${this.window} AS ${ident(`__wv_${this.column}`)}`;
  }

  /** Stage one: the column itself when row-local, else nothing (its inputs are in `stored`). */
  rowSelect(inline: string): string | null {
    return this.publish === null ? `${inline} AS ${ident(this.column)}` : null;
  }

  /** Stage two: the column read back, or computed from the stored values. */
  publishSelect(): string {
    return this.publish === null ? ident(this.column) : `${this.publish} AS ${ident(this.column)}`;
  }

  touched(): { row: { rule: string; sql: string }[]; publish: { rule: string; sql: string }[] } {
    return { row: this.rowTouched, publish: this.publishTouched };
  }
}

function missing(local: string): never {
  throw new Error(`window partitions by unknown local "${local}"`);
}

/** Per rule: the stage-one flag columns (`__trow_<RULE>`) and the stage-two `__touched_<RULE>`. */
export function liftedTouched(columns: LiftedColumn[]): { rowSelects: string[]; publishSelects: string[] } {
  const row = new Map<string, string[]>();
  const publish = new Map<string, string[]>();
  const rules: string[] = [];
  for (const c of columns) {
    const t = c.touched();
    for (const { rule, sql } of t.row) row.set(rule, [...(row.get(rule) ?? []), sql]);
    for (const { rule, sql } of t.publish) publish.set(rule, [...(publish.get(rule) ?? []), sql]);
    for (const { rule } of [...t.row, ...t.publish]) if (!rules.includes(rule)) rules.push(rule);
  }
  const rowFlag = (rule: string) => ident(`__trow_${rule}`);
  return {
    rowSelects: [...row].map(([rule, sqls]) => `(${sqls.join(' OR ')}) AS ${rowFlag(rule)}`),
    publishSelects: rules.map((rule) => {
      const parts = [...(row.has(rule) ? [rowFlag(rule)] : []), ...(publish.get(rule) ?? [])];
      return `(${parts.join(' OR ')}) AS ${ident(`__touched_${rule}`)}`;
    }),
  };
}
