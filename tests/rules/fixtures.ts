// Test helper: the real catalog and dataset definitions, compile options, and contract-shaped staging tables.
import { expect } from 'vitest';
import { loadDatasets } from '../../datasets/load.ts';
import type { DatasetDef } from '../../datasets/schema.ts';
import { duckType, stagingTable, TABLES, tableSpec, type TableName } from '../../pipelines/contract.ts';
import { loadCatalog, type Catalog } from '../../rules/catalog.ts';
import { compileDataset, type CompileOptions, type CompiledDataset } from '../../rules/compile.ts';
import type { Rule } from '../../rules/schema.ts';
import { DefinitionError } from '../../rules/yaml-file.ts';
import { lit, q, sameValues, TEST_KEY_HEX, TEST_TZ, type Duck } from './duck.ts';

export const NOW_ISO = '2025-02-01T12:00:00Z';
export const OPTS: CompileOptions = { secretHex: TEST_KEY_HEX, timezone: TEST_TZ, nowIso: NOW_ISO };

export interface Fixture {
  catalog: Catalog;
  defs: Map<string, { file: string; def: DatasetDef }>;
}

export async function loadFixture(): Promise<Fixture> {
  const catalog = await loadCatalog();
  const defs = new Map((await loadDatasets()).map((d) => [d.def.id, d]));
  return { catalog, defs };
}

export const CALLS = 'c911-call';
export const OFFENSES = 'nibr-offs';
export const FORCE = 'uofx-frce';

/** Compiles a deep copy of a real definition after `edit` changes it. */
export function compileEdited(
  fx: Fixture,
  id: string,
  edit: (def: DatasetDef) => void = () => {},
  opts: Partial<CompileOptions> & { catalog?: Catalog } = {},
): CompiledDataset {
  const { file, def } = fx.defs.get(id)!;
  const copy = structuredClone(def);
  edit(copy);
  return compileDataset(copy, file, opts.catalog ?? fx.catalog, { ...OPTS, ...opts });
}

/** A catalog copy in which some rules are changed. */
export function editCatalog(cat: Catalog, edits: Record<string, (r: Rule) => void>): Catalog {
  const rules = new Map([...cat.rules].map(([id, r]) => [id, structuredClone(r)]));
  for (const [id, fn] of Object.entries(edits)) fn(rules.get(id)!);
  return { ...cat, rules };
}

/** Asserts `fn` throws a DefinitionError naming the file and matching every pattern. */
export function expectRefused(fn: () => unknown, file: string, ...patterns: (string | RegExp)[]): DefinitionError {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected the definition to be refused').toBeInstanceOf(DefinitionError);
  const de = err as DefinitionError;
  expect(de.file).toBe(file);
  expect(de.message.startsWith(`${file}: `)).toBe(true);
  for (const p of patterns) {
    if (typeof p === 'string') expect(de.message).toContain(p);
    else expect(de.message).toMatch(p);
  }
  return de;
}

/** A column definition with valid boilerplate. */
export function column(name: string, from: string, rules: string[] = [], type: DatasetDef['columns'][number]['type'] = 'text') {
  return { name, title: name, type, from, rules, description: `Test column reading ${from}.` };
}

/** Creates the three stg_ tables exactly from the contract's field lists. */
export async function createStaging(duck: Duck): Promise<void> {
  for (const t of TABLES) {
    const cols = t.fields.map((f) => `${q(f.name)} ${duckType(f.type)}`).join(', ');
    await duck.run(`CREATE OR REPLACE TABLE ${q(stagingTable(t.name))} (${cols})`);
  }
}

/** Inserts rows (field → value; unspecified fields are NULL) into a staging table. */
export async function insertRows(duck: Duck, table: TableName, rows: Record<string, unknown>[]): Promise<void> {
  const spec = tableSpec(table);
  for (const row of rows) {
    for (const k of Object.keys(row)) if (!spec.fields.some((f) => f.name === k)) throw new Error(`${table} has no field ${k}`);
    const vals = spec.fields.map((f) => `CAST(${lit(row[f.name])} AS ${duckType(f.type)})`);
    await duck.run(`INSERT INTO ${q(stagingTable(table))} VALUES (${vals.join(', ')})`);
  }
}

/** Rows as sorted canonical JSON lines, for comparing two queries that may order rows differently. */
function canonical(rows: Record<string, unknown>[]): string[] {
  const line = (r: Record<string, unknown>) =>
    JSON.stringify(Object.keys(r).sort().map((k) => [k, r[k]]), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  return rows.map(line).sort();
}

/**
 * Runs a compiled dataset: published rows and the withheld counts (as numbers). Every call also
 * checks that the two-stage form of incremental shaping (shapeRowsSql, then publishSql over its
 * table) publishes exactly the same rows, flags and withheld counts.
 */
export async function runCompiled(duck: Duck, c: CompiledDataset) {
  const rows = await duck.all(c.shapeSql);
  const [w] = await duck.all(c.withheldSql);
  const withheld = Object.fromEntries(Object.entries(w).map(([k, v]) => [k, Number(v)]));
  await duck.run(`CREATE OR REPLACE TEMP TABLE two_stage AS ${c.shapeRowsSql('TRUE')}`);
  expect(canonical(await duck.all(c.publishSql('two_stage'))), 'two-stage shaping = shapeSql').toEqual(canonical(rows));
  const byRule = await duck.all('SELECT __withheld AS rule, count(*) AS n FROM two_stage WHERE __withheld IS NOT NULL GROUP BY ALL');
  for (const rule of c.rowRules) expect(Number(byRule.find((b) => b.rule === rule)?.n ?? 0), `withheld by ${rule}`).toBe(withheld[rule]);
  await expectWindowsByPartition(duck, c, 'two_stage');
  return { rows, withheld };
}

/**
 * Each window group evaluated one partition at a time (as an incremental run evaluates only the
 * partitions it touched) gives every published row the value the whole-table windows give it.
 */
async function expectWindowsByPartition(duck: Duck, c: CompiledDataset, shaped: string): Promise<void> {
  const whole = await duck.all(c.publishSql(shaped, { state: true }));
  for (const g of c.windowGroups) {
    const parts = await duck.all(`SELECT DISTINCT ${g.partition.map(q).join(', ')} FROM ${shaped} WHERE __withheld IS NULL`);
    const pieces: Record<string, unknown>[] = [];
    for (const part of parts) pieces.push(...(await duck.all(g.valuesSql(shaped, sameValues(g.partition, part)))));
    const pick = (r: Record<string, unknown>) => [r.__src_key, ...g.columns.map((w) => r[w])];
    expect(pieces.map(pick).sort(), `windows over ${g.partition.join(', ')}, one partition at a time`).toEqual(whole.map(pick).sort());
  }
}

/** Published keys are exactly the definition's columns plus one `__touched_<RULE>` per column rule used. */
export function expectPublishedKeys(rows: Record<string, unknown>[], c: CompiledDataset): void {
  const touched = [...new Set(c.touchedColumns.map((t) => `__touched_${t.rule}`))];
  const expected = [...c.columns.map((x) => x.name), ...touched].sort();
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) expect(Object.keys(r).sort()).toEqual(expected);
  for (const t of touched) expect(t).toMatch(/^__touched_[A-Z]{1,2}\d{1,2}$/);
}

/** Attack 1 in miniature: no canary value (name, phone, address, id…) appears anywhere in the rows. */
export function expectNoCanaries(rows: Record<string, unknown>[], canaries: string[]): void {
  const text = JSON.stringify(rows).toUpperCase();
  for (const c of canaries) expect(text.includes(c.toUpperCase()), `canary "${c}" leaked`).toBe(false);
}

/** Rows keyed by a published column. */
export function byKey(rows: Record<string, any>[], key: string): Map<string, Record<string, any>> {
  return new Map(rows.map((r) => [String(r[key]), r]));
}
