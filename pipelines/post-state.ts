// Post-processing (X8, k-anonymity) in the published rows' state, so that a dataset with X8 can be
// patched like one without (pipelines/pub-state.ts). X8's classes never cross a partition of the
// quasi-identifiers it neither generalizes nor suppresses (offenses: beat and day), so what it does
// to a row depends only on the rows of that partition. A patch republishes every row of every
// partition its changed rows are published in, now or before (the state keeps each row's
// partition), runs X8 over just those rows, and gets what X8 over every row would give them; the
// rows of other partitions keep what they had. On the bench's 1.1 M offenses a beat-day holds
// about four rows.
//
// State columns (beside the windows' ones): __x8_part, the row's partition as one struct value,
// and __x8_below, whether its class was below k before X8 (the run report's rowsBelowK, summed
// over the state as a full run counts it over every row).
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RunReport } from '../publisher/manifest.ts';
import type { CompiledDataset } from '../rules/compile.ts';
import { ident, structOf } from '../rules/sql.ts';
import type { PostProcess } from '../rules/techniques/types.ts';

/** The state columns a dataset with partitioned post-processing adds. */
export const POST_STATE_COLUMNS = ['__x8_part', '__x8_below'] as const;

/**
 * The dataset's post-processing step when a run can apply it partition by partition (one step,
 * with a partition); null when it has none, or one that must see every row (the full path then).
 */
export function partitionedPost(c: CompiledDataset): PostProcess | null {
  if (c.post.length !== 1) return null;
  const { sql } = c.post[0];
  return sql.partition.length ? sql : null;
}

/** Published rows (a query with publishSql's state columns) with the post state columns, before X8. */
export function withPostColumns(post: PostProcess, rows: string): string {
  const part = structOf(post.partition);
  return `SELECT *, ${part} AS __x8_part, FALSE AS __x8_below FROM (${rows})`;
}

/**
 * Runs the step over `c.table`, a TEMP table of whole partitions made by withPostColumns (the
 * statements name that table), flagging first the rows whose class is below k.
 */
export async function runPost(conn: DuckDBConnection, c: CompiledDataset, post: PostProcess, rowKey: string): Promise<void> {
  await conn.run(`UPDATE ${ident(c.table)} SET __x8_below = TRUE WHERE ${ident(rowKey)} IN (${post.smallKeysSql})`);
  for (const statement of post.statements) await conn.run(statement);
}

/**
 * Adds to a patch's republished rows (TEMP table `c.table`, made by withPostColumns, and
 * _pub_redo) every other row of the partitions they are published in now or were before, their
 * window values taken from the state (only rows whose values did not move are outside _pub_redo).
 */
export async function widenToPartitions(conn: DuckDBConnection, c: CompiledDataset, post: PostProcess, shaped: string, state: string): Promise<void> {
  const delta = ident(c.table);
  await conn.run(`CREATE OR REPLACE TEMP TABLE _pub_xparts AS
    SELECT __x8_part FROM ${delta} UNION SELECT __x8_part FROM ${ident(state)} WHERE __src_key IN (SELECT __src_key FROM _pub_redo)`);
  const windows = c.windowColumns.map((w) => `, ${ident(w)}`).join('');
  await conn.run(`CREATE OR REPLACE TEMP TABLE _pub_wx AS SELECT __src_key${windows} FROM ${ident(state)}
    WHERE __x8_part IN (SELECT __x8_part FROM _pub_xparts) AND __src_key NOT IN (SELECT __src_key FROM _pub_redo)`);
  const rows = c.publishWithWindowsSql(shaped, '_pub_wx', 's.__src_key IN (SELECT __src_key FROM _pub_wx)');
  await conn.run(`INSERT INTO ${delta} BY NAME ${withPostColumns(post, rows)}`);
  await conn.run('INSERT INTO _pub_redo SELECT __src_key FROM _pub_wx');
  await conn.run('DROP TABLE _pub_xparts; DROP TABLE _pub_wx');
}

/**
 * The run report's k-anonymity for a dataset whose state has the post columns: the rows below k
 * before X8 (from the state, every published row), and the smallest class X8 left among all the
 * published rows (`c.table`, by then a view of the new Parquet file).
 */
export async function postReport(conn: DuckDBConnection, post: PostProcess, state: string): Promise<NonNullable<RunReport['kAnonymity']>> {
  const [below] = (await conn.runAndReadAll(`SELECT count(*) FILTER (WHERE __x8_below) AS n FROM ${ident(state)}`)).getRowObjects();
  const [min] = (await conn.runAndReadAll(post.minKSql)).getRowObjects();
  const k = min.k === null ? null : Number(min.k);
  return { k, required: post.k, classes: Number(min.classes ?? 0), rowsBelowK: Number(below.n) };
}
