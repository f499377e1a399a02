// X8 (k-anonymity) when a retained release is sealed (publisher/sealing.ts): removing a sealed row
// can leave its classmates below k, so X8 runs again before the release serves. Its classes never
// cross a partition of the quasi-identifiers it neither generalizes nor suppresses (offenses: beat
// and day; pipelines/post-state.ts), so it runs over only the kept rows of the partitions that held
// sealed rows. The rows whose values it changes are published again (and listed as changed for the
// part planner); every other row keeps its bytes. The release is refused if any class that still
// carries protected values is below k, counted over every row it keeps.
import type { DuckDBConnection } from '@duckdb/node-api';
import { ident, structOf } from '../rules/sql.ts';
import type { Manifest } from './manifest.ts';

/** One post-processing step (X8, rules/techniques/k-anonymity.ts) as SQL over a table of published rows. */
export interface SealPost {
  rule: string;
  k: number;
  /** SQL expressions whose values no class crosses (empty: the step must see every row). */
  partition: string[];
  statements: string[];
  /** One row, columns k and classes: the smallest class among rows that carry protected values. */
  minKSql: string;
}

type KAnonymity = NonNullable<Manifest['datasets'][number]['report']['kAnonymity']>;

/** TEMP tables of a sealing pass: the kept rows X8 runs over, as they were, and the keys it changed; a view of every kept row. */
const X8_ROWS = 'sealing_x8';
const X8_BEFORE = 'sealing_x8_before';
const X8_CHANGED = 'sealing_x8_changed';
const X8_ALL = 'sealing_x8_all';

export interface PostResult {
  /** SELECT of every row the release keeps, X8 applied (the source minus `changes`, plus the changed rows). */
  rows: string;
  /** Rows whose values X8 changed now. */
  changed: number;
  kAnonymity: KAnonymity;
}

/**
 * Runs `post` again over the kept rows of a release whose rows in TEMP table `changes` (k, kind)
 * are being removed; adds the keys of the rows it changes to `changes` as kind 'changed'. Throws,
 * naming `where`, if a class that carries protected values stays below k.
 */
export async function rerunPost(
  conn: DuckDBConnection,
  post: (table: string) => SealPost[],
  o: { source: string; rowKey: string; changes: string; where: string; before: KAnonymity | null | undefined },
): Promise<PostResult | null> {
  const steps = post(X8_ROWS);
  if (!steps.length) return null;
  const key = ident(o.rowKey);
  const removed = `(SELECT k FROM ${ident(o.changes)})`;
  const partition = steps.length === 1 ? steps[0].partition : [];
  const part = structOf(partition);
  const touched = partition.length ? `${part} IN (SELECT DISTINCT ${part} FROM ${o.source} WHERE ${key} IN ${removed})` : 'TRUE';
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${X8_ROWS} AS SELECT * FROM ${o.source} WHERE ${touched} AND ${key} NOT IN ${removed}`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${X8_BEFORE} AS SELECT * FROM ${X8_ROWS}`);
  for (const step of steps) for (const statement of step.statements) await conn.run(statement);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${X8_CHANGED} AS SELECT ${key} AS k FROM (SELECT * FROM ${X8_ROWS} EXCEPT SELECT * FROM ${X8_BEFORE})`);
  const changed = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${X8_CHANGED}`)).getRowObjects()[0].n);
  await conn.run(`INSERT INTO ${ident(o.changes)} SELECT k, 'changed' FROM ${X8_CHANGED}`);
  const rows = `SELECT * FROM ${o.source} WHERE ${key} NOT IN ${removed} UNION ALL SELECT * FROM ${X8_ROWS} WHERE ${key} IN (SELECT k FROM ${X8_CHANGED})`;
  await conn.run(`CREATE OR REPLACE TEMP VIEW ${X8_ALL} AS ${rows}`);
  let kAnonymity: KAnonymity | null = null;
  for (const step of post(X8_ALL)) {
    const [min] = (await conn.runAndReadAll(step.minKSql)).getRowObjects();
    const k = min.k === null ? null : Number(min.k);
    if (k !== null && k < step.k) {
      throw new Error(`${o.where}: after sealing, a class of ${k} row(s) still carries values that ${step.rule} protects (k = ${step.k}); the release is left unserved`);
    }
    kAnonymity = { required: step.k, k, classes: Number(min.classes), rowsBelowK: (o.before?.rowsBelowK ?? 0) + changed };
  }
  return { rows, changed, kAnonymity: kAnonymity! };
}

/** Drops what rerunPost made. */
export async function dropPostTables(conn: DuckDBConnection): Promise<void> {
  await conn.run(`DROP VIEW IF EXISTS ${X8_ALL}; DROP TABLE IF EXISTS ${X8_CHANGED}; DROP TABLE IF EXISTS ${X8_BEFORE}; DROP TABLE IF EXISTS ${X8_ROWS}`);
}
