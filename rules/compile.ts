// Compiles a dataset definition and the rule catalog into the SQL that turns a staging table into
// publishable rows. Pure: definition, catalog and keys in; SQL and column metadata out. It refuses
// (throws, naming the file and field) any definition that would publish an unprotected field.
import { createHash } from 'node:crypto';
import type { DatasetDef } from '../datasets/schema.ts';
import { tableSpec, stagingTable } from '../pipelines/contract.ts';
import type { Catalog } from './catalog.ts';
import { derivation } from './derivations.ts';
import { technique } from './registry.ts';
import { ruleAppliesTo, type Rule, type RuleStep } from './schema.ts';
import { LiftedColumn, liftedTouched, touchedSql } from './lift.ts';
import { ident, literal } from './sql.ts';
import type { FieldInfo, PostProcess } from './techniques/types.ts';
import { DefinitionError } from './yaml-file.ts';

export interface CompileOptions {
  secretHex: string;
  timezone: string;
  /** The run's clock, ISO 8601, for embargoes. */
  nowIso: string;
  /** Rules to leave out (tests use this to prove a defence matters). */
  disabledRules?: readonly string[];
  /** Materialize under another table name (previews compare two versions side by side). */
  table?: string;
}

export interface CompiledColumn {
  name: string;
  title: string;
  type: DatasetDef['columns'][number]['type'];
  description: string;
  rules: string[];
}

export interface CompiledDataset {
  datasetId: string;
  sourceTable: string;
  /** SELECT of published columns plus one `__touched_<RULE>` boolean per column rule. */
  shapeSql: string;
  /**
   * SELECT of one row: `rows_total` and, per row rule, the rows it withheld (first rule wins). The
   * one-statement reference: runs count `__withheld` of the shaped table, and the compile tests
   * check those counts against this.
   */
  withheldSql: string;
  /**
   * Stage one of incremental shaping: SELECT over the staged rows matching `where` (a predicate on
   * staging columns), withheld ones included: `__src_key` (the staged primary key), the row-local
   * published columns, the stored inputs of windowed columns, stage-one touched flags, and
   * `__withheld` (the first row rule that withholds the row, NULL when published).
   */
  shapeRowsSql(where: string): string;
  /**
   * Stage two: SELECT of the published columns and `__touched_<RULE>` flags over that table; the
   * same rows as shapeSql. With `state`, also `__src_key` and the window values (`windowColumns`),
   * which pipelines/pub-state.ts keeps to republish only what a run changed.
   */
  publishSql(shapedTable: string, opts?: { state?: boolean }): string;
  /** The window values' column names (`__wv_<column>`), one per windowed column. */
  windowColumns: string[];
  /** The windows by partitioning: windows over the same partitions are evaluated together. */
  windowGroups: WindowGroup[];
  /**
   * publishSql (with state columns) of the published rows matching `where` (SQL over the shaped
   * row `s.`), the window values read from `windowsTable` (`__src_key` and every window column)
   * instead of computed over the rows selected.
   */
  publishWithWindowsSql(shapedTable: string, windowsTable: string, where: string): string;
  /** The staging table's primary key (`__src_key` of shapeRowsSql). */
  sourceKey: string;
  /**
   * SHA-256 of everything that decides how a staged row is shaped (SQL with the run's clock left
   * out, which includes the pseudonym key): equal fingerprints shape a row the same way.
   */
  fingerprint: string;
  columns: CompiledColumn[];
  touchedColumns: { rule: string; column: string }[];
  /** The distinct rules of touchedColumns, in order: one `__touched_<RULE>` flag each. */
  touchedRules: string[];
  rowRules: string[];
  /**
   * The row rules whose verdict depends on the run's clock (an embargo): the only ones that can
   * let a withheld row publish without its record changing, so the only withheld rows a run
   * shapes again. Found by compiling each row filter at two clocks.
   */
  clockRowRules: string[];
  rulesApplied: string[];
  /** The table the published rows are materialized in (post-processing runs over it). */
  table: string;
  /** Post-processing steps over the materialized table (X8), in order. */
  post: { rule: string; sql: PostProcess }[];
  /** SELECT of the published row keys of every staged row withheld by a sealing rule (X6). */
  sealedKeysSql: string | null;
  /** SELECT (published, raw) pairs of a pseudonymized column and its source field, over published rows only. */
  pairSql(column: string, field: string): string;
  /** SELECT DISTINCT raw values of a source field on rows withheld by a sealing rule (X6), or null. */
  sealedFieldSql(field: string): string | null;
}

/** Windows that partition the published rows the same way (rules/techniques/types.ts WindowColumn). */
export interface WindowGroup {
  /** The shaped table's stored columns the windows partition by; publishSql's state has them too. */
  partition: string[];
  /** The window values' column names (`__wv_<column>`). */
  columns: string[];
  /**
   * SELECT `__src_key` and this group's window values over the published rows of the shaped table
   * that match `where` (SQL over its columns), which must select whole partitions.
   */
  valuesSql(shapedTable: string, where: string): string;
}

/** The DuckDB table holding a dataset's published rows during a run. */
export function publishedTable(datasetId: string): string {
  return `pub_${datasetId.replace(/-/g, '_')}`;
}

/** A clock a day away from `nowIso`, to tell which row filters read the clock. */
const OTHER_CLOCK = (nowIso: string): string => new Date(Date.parse(nowIso) + 86_400_000).toISOString();

const PROTECTED = new Set(['direct', 'free_text', 'exact_location', 'record_id']);

/** A rule's steps that apply to this dataset (a step may be limited to one dataset). */
function stepsFor(rule: Rule, datasetId: string): RuleStep[] {
  return rule.steps.filter((s) => !s.dataset || s.dataset === datasetId);
}

function isDatasetWide(step: RuleStep): boolean {
  const t = technique(step.technique);
  return Boolean(t.keepRow || t.check || t.postProcess);
}

/**
 * The dataset's post-processing steps (X8) over `table`, as the catalog has them now: for passes
 * that change published rows after a run (sealing a retained release, publisher/sealing.ts).
 * Rules the catalog no longer has, or has retired, are left out, as a run would refuse them.
 */
export function postProcessSteps(def: DatasetDef, catalog: Catalog, table: string): CompiledDataset['post'] {
  return def.rules.flatMap((id) => {
    const rule = catalog.rules.get(id);
    if (!rule || rule.status === 'retired' || !ruleAppliesTo(rule, def.id)) return [];
    return stepsFor(rule, def.id).flatMap((step) => {
      const t = technique(step.technique);
      return t.postProcess ? [{ rule: id, sql: t.postProcess({ params: step.params, table, rowKey: def.rowKey }) }] : [];
    });
  });
}

export function compileDataset(def: DatasetDef, file: string, catalog: Catalog, opts: CompileOptions): CompiledDataset {
  const fail = (where: string, msg: string): never => {
    throw new DefinitionError(file, `${where}: ${msg}`);
  };
  const disabled = new Set(opts.disabledRules ?? []);
  const source = tableSpec(def.source);

  // 1. The fields a column may read: the contract's, plus declared derivations.
  const fields = new Map<string, FieldInfo>(source.fields.map((f) => [f.name, f]));
  const derivedSql = def.derived.map((d, i) => {
    const fn = (() => { try { return derivation(d.fn); } catch (e) { return fail(`derived.${i}.fn`, (e as Error).message); } })();
    if (d.args.length !== fn.arity) fail(`derived.${i}.args`, `${d.fn} takes ${fn.arity} field(s)`);
    d.args.forEach((a, j) => fields.has(a) || fail(`derived.${i}.args.${j}`, `unknown field "${a}"`));
    const sensitivity = fn.passesThrough ? fields.get(d.args[0])!.sensitivity : fn.sensitivity;
    fields.set(d.name, { name: d.name, type: 'double', sensitivity });
    return `${fn.sql(d.args.map(ident))} AS ${ident(d.name)}`;
  });
  const argsOf = new Map(def.derived.map((d) => [d.name, d.args]));
  const ref = (name: string) => (fields.has(name) ? ident(name) : fail('rules', `a rule refers to unknown field "${name}" of ${def.source}`));

  const lookup = (id: string, where: string): Rule => {
    const rule = catalog.rules.get(id) ?? fail(where, `unknown rule "${id}"; the catalog has ${[...catalog.rules.keys()].join(', ')}`);
    if (rule.status === 'retired') fail(where, `rule ${id} is retired (${catalog.files.get(id)})`);
    if (!ruleAppliesTo(rule, def.id)) fail(where, `rule ${id} does not apply to dataset ${def.id} (${catalog.files.get(id)})`);
    return rule;
  };

  // 2. Columns: apply each listed rule's step for the column's field, in order.
  const reads = new Map<string, string[]>();
  const touched: { rule: string; column: string; sql: string }[] = [];
  const columnSql = new Map<string, string>();
  const stored = new Map<string, string>();
  const lifted: LiftedColumn[] = [];
  const rowSelects: string[] = [];
  const selects = def.columns.map((col, i) => {
    const lift = new LiftedColumn(col.name, stored);
    const field = fields.get(col.from) ?? fail(`columns.${i}.from`, `unknown field "${col.from}" of ${def.source}`);
    reads.set(col.name, argsOf.get(col.from) ?? [col.from]);
    let expr = ident(col.from);
    const protectedBy = new Set<string>();
    col.rules.forEach((id, j) => {
      const rule = lookup(id, `columns.${i}.rules.${j}`);
      const steps = stepsFor(rule, def.id).filter((s) => s.fields.includes(col.from) && technique(s.technique).column);
      if (steps.length === 0) fail(`columns.${i}.rules.${j}`, `rule ${id} has no step for field "${col.from}"`);
      if (disabled.has(id)) return;
      for (const step of steps) {
        const t = technique(step.technique);
        const before = expr;
        const ctx = { expr, field, outputType: col.type, params: step.params, ref, secretHex: opts.secretHex, timezone: opts.timezone };
        expr = t.column!(ctx);
        t.protects.forEach((s) => protectedBy.add(s));
        touched.push({ rule: id, column: col.name, sql: touchedSql(before, expr) });
        lift.step(id, t, ctx, before, expr);
      }
    });
    if (PROTECTED.has(field.sensitivity) && !protectedBy.has(field.sensitivity) && !col.rules.some((r) => disabled.has(r))) {
      fail(`columns.${i}`, `column "${col.name}" reads ${field.sensitivity} field "${col.from}" without a rule that protects it`);
    }
    columnSql.set(col.name, expr);
    lifted.push(lift);
    const rowSelect = lift.rowSelect(expr);
    if (rowSelect) rowSelects.push(rowSelect);
    return `${expr} AS ${ident(col.name)}`;
  });

  // 3. Dataset-wide rules: row filters and definition checks.
  const keeps: { rule: string; sql: string; seals: boolean; clock: boolean }[] = [];
  const post: CompiledDataset['post'] = [];
  const table = opts.table ?? publishedTable(def.id);
  def.rules.forEach((id, i) => {
    const rule = lookup(id, `rules.${i}`);
    if (disabled.has(id)) return;
    stepsFor(rule, def.id).forEach((step: RuleStep) => {
      const t = technique(step.technique);
      if (t.keepRow) {
        const sql = t.keepRow({ params: step.params, ref, nowIso: opts.nowIso });
        const clock = sql !== t.keepRow({ params: step.params, ref, nowIso: OTHER_CLOCK(opts.nowIso) });
        keeps.push({ rule: id, sql, seals: t.name === 'exclude_status', clock });
      }
      if (t.postProcess) {
        const columns = new Set(def.columns.map((c) => c.name));
        const p = step.params as { quasiIdentifiers?: (string | { column: string })[]; suppress?: string[][] };
        const named = [...(p.quasiIdentifiers ?? []).map((q) => (typeof q === 'string' ? q : q.column)), ...(p.suppress ?? []).flat()];
        for (const c of named) if (!columns.has(c)) fail(`rules.${i}`, `rule ${id} names column "${c}", which ${def.id} does not publish`);
        post.push({ rule: id, sql: t.postProcess({ params: step.params, table, rowKey: def.rowKey }) });
      }
      if (t.check) {
        const errors = t.check({ params: step.params, datasetId: def.id, stepFields: step.fields, reads, fields: [...fields.values()] });
        if (errors.length) fail(`rules.${i}`, `rule ${id}: ${errors.join('; ')}`);
      }
    });
  });

  // 4. Coverage: every catalog rule that governs this dataset is applied where it says it applies.
  for (const [id, rule] of catalog.rules) {
    if (rule.status === 'retired' || !ruleAppliesTo(rule, def.id)) continue;
    const datasetWide = stepsFor(rule, def.id).some(isDatasetWide);
    if (datasetWide && !def.rules.includes(id)) fail('rules', `rule ${id} governs ${def.id} but is not listed (${catalog.files.get(id)})`);
    for (const step of stepsFor(rule, def.id).filter((s) => technique(s.technique).column)) {
      for (const col of def.columns.filter((c) => step.fields.includes(c.from) && !c.rules.includes(id))) {
        fail(`columns.${def.columns.indexOf(col)}.rules`, `rule ${id} applies to field "${col.from}" but column "${col.name}" does not list it`);
      }
    }
  }

  const src = stagingTable(def.source);
  const base = `SELECT *${derivedSql.map((d) => `, ${d}`).join('')} FROM ${ident(src)}`;
  const where = keeps.length ? keeps.map((k) => `(${k.sql})`).join(' AND ') : 'TRUE';
  const touchedByRule = new Map<string, string[]>();
  for (const t of touched) touchedByRule.set(t.rule, [...(touchedByRule.get(t.rule) ?? []), t.sql]);
  const touchedSelects = [...touchedByRule].map(([rule, sqls]) => `(${sqls.join(' OR ')}) AS ${ident(`__touched_${rule}`)}`);
  const shapeSql = `WITH base AS (${base}), src AS (SELECT * FROM base WHERE ${where})
SELECT ${[...selects, ...touchedSelects].join(',\n  ')}
FROM src`;
  const withheld = keeps.map((k, i) => {
    const earlier = keeps.slice(0, i).map((e) => `(${e.sql})`);
    return `count(*) FILTER (WHERE ${[...earlier, `NOT (${k.sql})`].join(' AND ')}) AS ${ident(k.rule)}`;
  });
  const withheldSql = `WITH base AS (${base}) SELECT count(*) AS rows_total${withheld.map((w) => `, ${w}`).join('')} FROM base`;

  const seals = keeps.filter((k) => k.seals);
  const sealedKeysSql = seals.length
    ? `WITH base AS (${base}) SELECT DISTINCT ${columnSql.get(def.rowKey) ?? fail('rowKey', `unknown column "${def.rowKey}"`)} AS k FROM base WHERE NOT (${seals.map((k) => `(${k.sql})`).join(' AND ')})`
    : null;
  const pairSql = (column: string, field: string): string => {
    const expr = columnSql.get(column) ?? fail('caseLookup', `unknown column "${column}"`);
    if (!fields.has(field)) fail('caseLookup', `unknown field "${field}"`);
    return `WITH base AS (${base}), src AS (SELECT * FROM base WHERE ${where}) SELECT DISTINCT ${expr} AS published, ${ident(field)} AS raw FROM src`;
  };
  // Incremental shaping: stage one per staged row (windows' inputs stored, see rules/lift.ts),
  // withheld rows with the first rule that withholds them; stage two over the published rows.
  const liftedFlags = liftedTouched(lifted);
  const withheldCase = `CASE ${keeps.map((k) => `WHEN (${k.sql}) IS NOT TRUE THEN ${literal(k.rule)}`).join(' ')} END`;
  const storedSelects = [...stored].map(([name, sql]) => `${sql} AS ${ident(name)}`);
  // One pass over the staged rows: stage-one values are computed for withheld rows too (they stay
  // in staging; stage two reads only rows with __withheld NULL), so no second scan or union.
  const shapeRowsSql = (filter: string): string => `WITH base AS (SELECT *${derivedSql.map((d) => `, ${d}`).join('')} FROM ${ident(src)} WHERE ${filter})
SELECT ${[`${ident(source.primaryKey)} AS __src_key`, ...rowSelects, ...storedSelects, ...liftedFlags.rowSelects, `CAST(${keeps.length ? withheldCase : 'NULL'} AS VARCHAR) AS __withheld`].join(',\n  ')}
FROM base`;
  const windows = lifted.map((l) => l.windowSelect()).filter((w): w is string => w !== null);
  const windowColumns = lifted.map((l) => l.windowName()).filter((w): w is string => w !== null);
  const windowGroups = groupWindows(lifted);
  const partitionColumns = [...new Set(windowGroups.flatMap((g) => g.partition))];
  const publishSelects = (state: boolean) => [...lifted.map((l) => l.publishSelect()), ...liftedFlags.publishSelects,
    ...(state ? ['__src_key', ...windowColumns.map((w) => ident(w)), ...partitionColumns.map((p) => ident(p))] : [])].join(',\n  ');
  const publishSql = (shaped: string, o: { state?: boolean } = {}): string =>
    `SELECT ${publishSelects(o.state ?? false)}
FROM (SELECT *${windows.map((w) => `, ${w}`).join('')} FROM ${ident(shaped)} WHERE __withheld IS NULL)`;
  const publishWithWindowsSql = (shaped: string, windowsTable: string, where: string): string => {
    const join = windowColumns.length ? ` JOIN ${ident(windowsTable)} w ON w.__src_key = s.__src_key` : '';
    const values = join ? windowColumns.map((w) => `, w.${ident(w)}`).join('') : '';
    return `SELECT ${publishSelects(true)}
FROM (SELECT s.*${values} FROM ${ident(shaped)} s${join} WHERE s.__withheld IS NULL AND (${where}))`;
  };
  const sealedFieldSql = (field: string): string | null =>
    seals.length ? `WITH base AS (${base}) SELECT DISTINCT ${ident(field)} AS raw FROM base WHERE NOT (${seals.map((k) => `(${k.sql})`).join(' AND ')})` : null;
  return {
    pairSql,
    sealedFieldSql,
    sealedKeysSql,
    datasetId: def.id,
    sourceTable: src,
    shapeSql,
    withheldSql,
    shapeRowsSql,
    publishSql,
    windowColumns,
    windowGroups,
    publishWithWindowsSql,
    sourceKey: source.primaryKey,
    fingerprint: createHash('sha256').update(`shape v1\n${shapeRowsSql('TRUE')}\n${publishSql('shaped')}`.replaceAll(opts.nowIso, '<now>')).digest('hex'),
    columns: def.columns.map((c) => ({ name: c.name, title: c.title, type: c.type, description: c.description, rules: c.rules })),
    touchedColumns: touched.map(({ rule, column }) => ({ rule, column })),
    touchedRules: [...new Set(touched.map((t) => t.rule))],
    rowRules: keeps.map((k) => k.rule),
    clockRowRules: [...new Set(keeps.filter((k) => k.clock).map((k) => k.rule))],
    table,
    post,
    rulesApplied: [...new Set([...def.rules, ...def.columns.flatMap((c) => c.rules)])].filter((r) => !disabled.has(r)).sort(),
  };
}

/** The lifted columns' windows grouped by the stored columns they partition by. */
function groupWindows(lifted: readonly LiftedColumn[]): WindowGroup[] {
  const groups = new Map<string, { partition: string[]; columns: string[]; selects: string[] }>();
  for (const l of lifted) {
    const name = l.windowName();
    if (name === null) continue;
    const partition = l.windowPartition();
    const key = JSON.stringify(partition);
    const g = groups.get(key) ?? { partition, columns: [], selects: [] };
    g.columns.push(name);
    g.selects.push(l.windowSelect()!);
    groups.set(key, g);
  }
  return [...groups.values()].map(({ partition, columns, selects }) => ({
    partition,
    columns,
    valuesSql: (shaped, where) => `SELECT __src_key, ${selects.join(', ')} FROM ${ident(shaped)} WHERE __withheld IS NULL AND (${where})`,
  }));
}
