// Materializes a compiled dataset in staging: the published table, X8 post-processing, and the
// counts of the run report (rows read, quarantined, withheld and touched by each rule).
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RunReport } from '../publisher/manifest.ts';
import type { CompiledDataset } from '../rules/compile.ts';
import { ident } from '../rules/sql.ts';
import type { TableLoadReport } from './sources/csv-drop.ts';

export async function count(conn: DuckDBConnection, sql: string): Promise<Record<string, number | null>> {
  const [row] = (await conn.runAndReadAll(sql)).getRowObjects();
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : Number(v)]));
}

/** X8: runs the post-processing steps and measures the k achieved. */
export async function applyPost(conn: DuckDBConnection, compiled: CompiledDataset): Promise<RunReport['kAnonymity']> {
  let result: RunReport['kAnonymity'] = null;
  // (one X8 step per dataset; a second would report its own k last)
  for (const { sql } of compiled.post) {
    const before = (await count(conn, sql.smallRowsSql)).n ?? 0;
    for (const statement of sql.statements) await conn.run(statement);
    const { k, classes } = await count(conn, sql.minKSql);
    result = { k, required: sql.k, classes: classes ?? 0, rowsBelowK: before };
  }
  return result;
}

export async function shapeDataset(conn: DuckDBConnection, compiled: CompiledDataset, load: TableLoadReport): Promise<RunReport> {
  const table = compiled.table;
  await conn.run(`CREATE OR REPLACE TABLE ${ident(table)} AS ${compiled.shapeSql}`);
  const kAnonymity = await applyPost(conn, compiled);
  const rules = [...new Set(compiled.touchedColumns.map((t) => t.rule))];
  const sums = rules.map((r) => `coalesce(sum(CAST(${ident(`__touched_${r}`)} AS INTEGER)), 0) AS ${ident(r)}`);
  const [touchedRow] = (await conn.runAndReadAll(`SELECT count(*) AS published${sums.map((s) => `, ${s}`).join('')} FROM ${ident(table)}`)).getRowObjects();
  const [withheldRow] = (await conn.runAndReadAll(compiled.withheldSql)).getRowObjects();
  const withheldByRule = Object.fromEntries(compiled.rowRules.map((r) => [r, Number(withheldRow[r])]));
  const published = Number(touchedRow.published);
  const staged = Number(withheldRow.rows_total);
  const withheld = Object.values(withheldByRule).reduce((a, b) => a + b, 0);
  if (staged !== published + withheld) throw new Error(`${compiled.datasetId}: counts do not reconcile (${staged} staged ≠ ${published} published + ${withheld} withheld)`);
  return {
    rowsRead: staged + load.quarantined,
    quarantined: load.quarantined,
    withheldByRule,
    published,
    touchedByRule: Object.fromEntries(rules.map((r) => [r, Number(touchedRow[r])])),
    unknownColumns: load.unknownColumns,
    kAnonymity,
  };
}

