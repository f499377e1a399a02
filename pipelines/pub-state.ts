// Incremental publishing: a run republishes only the rows it reshaped and the rows whose window
// value moved (a block's point, when new calls shift the block's mean across a grid line), and, for
// a dataset with X8, every row of the partitions those rows are in (pipelines/post-state.ts); it
// merges them with the Parquet file of the release now serving into the new release's file. The
// full path instead computes every published row (windows over 11 M rows, then a sort) (pipelines/shape.ts).
//
// State, in the staging file: _pub_<dataset> holds per published row its source key, window
// values, the columns the windows partition by and touched flags (for the run report's counts),
// and _pub_state records which release that state was published in, under which compiled rules.
// A run patches only when that release is the one now serving, its Parquet file has the same
// columns, the rules (fingerprint) are the same and shaping was incremental; otherwise it takes
// the full path, which rebuilds the state. The state is marked unpublished before it changes and marked with the new release once
// that release is whole and current, so a run that dies in between leaves a state no run trusts.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnManifest } from '../publisher/manifest.ts';
import type { CompiledDataset } from '../rules/compile.ts';
import { ident, literal } from '../rules/sql.ts';
import { createHash } from 'node:crypto';
import { writeMerged } from './merge.ts';
import { partitionedPost, POST_STATE_COLUMNS, runPost, widenToPartitions, withPostColumns } from './post-state.ts';
import { tableExists } from './sources/stage.ts';

/** The release now serving, as the patch starts from it. */
export interface PublishedBase {
  releaseId: string;
  /** Absolute path of the dataset's Parquet file in that release (rows in row-key order). */
  parquet: string;
  columns: readonly Pick<ColumnManifest, 'name' | 'type'>[];
}

/** Changes when the state table's columns do: a state of another version is rebuilt, not patched. */
const STATE_VERSION = 'pub-state v4';
/** The shaping rules and the post-processing SQL (X8 parameters are not in the shaping fingerprint). */
const stateFingerprint = (c: CompiledDataset): string =>
  `${STATE_VERSION}:${c.fingerprint}:${createHash('sha256').update(JSON.stringify(c.post)).digest('hex')}`;

const META_DDL = 'CREATE TABLE IF NOT EXISTS _pub_state (dataset_id VARCHAR PRIMARY KEY, fingerprint VARCHAR, release VARCHAR)';

/** The persistent per-row state table of a dataset. */
export const stateTable = (datasetId: string): string => `_pub_${datasetId.replace(/-/g, '_')}`;

const touchedColumns = (c: CompiledDataset): string[] => c.touchedRules.map((r) => `__touched_${r}`);

/**
 * Columns of the state table, as selected from a table with publishSql's state columns: window
 * values, the columns windows partition by, touched flags. Not the row key: a row-local column of
 * the shaped table, the same for a source key whatever else changes.
 */
function stateSelect(c: CompiledDataset): string {
  const partitions = [...new Set(c.windowGroups.flatMap((g) => g.partition))];
  const post = partitionedPost(c) ? POST_STATE_COLUMNS : [];
  return ['__src_key', ...[...c.windowColumns, ...partitions, ...touchedColumns(c), ...post].map(ident)].join(', ');
}

/** Saves the state of the published rows (a query: publishSql with `state`); unpublished until markPublished. */
export async function saveState(conn: DuckDBConnection, c: CompiledDataset, rows: string): Promise<void> {
  await conn.run(META_DDL);
  await conn.run('BEGIN TRANSACTION');
  try {
    await conn.run(`INSERT OR REPLACE INTO _pub_state VALUES (${literal(c.datasetId)}, ${literal(stateFingerprint(c))}, NULL)`);
    await conn.run(`CREATE OR REPLACE TABLE ${ident(stateTable(c.datasetId))} AS SELECT ${stateSelect(c)} FROM (${rows})`);
    await conn.run('COMMIT');
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** Whether this run can patch the release now serving (see the header). */
export async function canPatch(conn: DuckDBConnection, c: CompiledDataset, rowKey: string, base: PublishedBase | null): Promise<boolean> {
  if (!base || c.windowColumns.includes(`__wv_${rowKey}`) || (c.post.length > 0 && !partitionedPost(c)) || !(await tableExists(conn, '_pub_state')) || !(await tableExists(conn, stateTable(c.datasetId)))) return false;
  const [meta] = (await conn.runAndReadAll(`SELECT fingerprint, release FROM _pub_state WHERE dataset_id = ${literal(c.datasetId)}`)).getRowObjects();
  if (!meta || meta.fingerprint !== stateFingerprint(c) || meta.release !== base.releaseId) return false;
  return base.columns.length === c.columns.length && base.columns.every((col, i) => col.name === c.columns[i].name && col.type === c.columns[i].type);
}

export interface Patched {
  /** TEMP table (k) of the row keys whose rows may differ from the release now serving: dropped or republished. */
  candidates: string;
  /** Rows republished (reshaped, their window value moved, or in a partition X8 runs over again). */
  republished: number;
}

/**
 * Whether a row's partition (its `columns`) is one of the rows of `table`, NULL matching NULL as
 * PARTITION BY groups them. The partition is compared as one struct value: structs compare NULL
 * fields as equal, so `IN` matches what `IS NOT DISTINCT FROM` on every column would, as a hash
 * join (0.8 s over the 11 M calls, where a correlated EXISTS with IS NOT DISTINCT FROM took 3.3 s).
 */
export function inPartitionsSql(columns: readonly string[], table: string): string {
  const struct = `{${columns.map((p, n) => `'p${n}': ${ident(p)}`).join(', ')}}`;
  return `${struct} IN (SELECT ${struct} FROM ${ident(table)})`;
}

/**
 * TEMP table _pub_redo (__src_key): the rows to publish again. Those reshaped since the release
 * now serving (`deltaKeys`: this run's, and a run's that died before publishing), and those
 * whose window value moved or that are new to the state. A window reads only the published rows
 * of its partition, so values can move only in the partitions the reshaped rows were published
 * in (as the state has them) or are published in now: each group of windows is evaluated over
 * just those partitions (_pub_w<i>). Then TEMP table _pub_w: every window value of the rows to
 * publish again, from that evaluation, else from the state (unchanged). On 11 M calls, the bench's
 * day of changes touches about 700 blocks (1.4 M rows), instead of windows over every row and a full join
 * with the state.
 */
async function rowsToRepublish(conn: DuckDBConnection, c: CompiledDataset, shaped: string, deltaKeys: string): Promise<void> {
  const state = ident(stateTable(c.datasetId));
  const changed = [`SELECT __src_key FROM ${ident(deltaKeys)}`];
  for (const [i, g] of c.windowGroups.entries()) {
    const cols = g.partition.map(ident).join(', ');
    const inDelta = `WHERE __src_key IN (SELECT __src_key FROM ${ident(deltaKeys)})`;
    // Withheld rows take no part in windows: a row reshaped but withheld (an embargo still on)
    // names no partition of its own, only the one it was published in, if any (from the state).
    await conn.run(`CREATE OR REPLACE TEMP TABLE _pub_part${i} AS
      SELECT DISTINCT ${cols} FROM (SELECT ${cols} FROM ${ident(shaped)} ${inDelta} AND __withheld IS NULL UNION ALL SELECT ${cols} FROM ${state} ${inDelta})`);
    const inParts = inPartitionsSql(g.partition, `_pub_part${i}`);
    await conn.run(`CREATE OR REPLACE TEMP TABLE _pub_w${i} AS ${g.valuesSql(shaped, inParts)}`);
    const moved = g.columns.map((w) => `w.${ident(w)} IS DISTINCT FROM p.${ident(w)}`);
    // A row outside the delta has the partition the state has for it, so the state is read for
    // the same partitions only (a delta row is published again anyway).
    changed.push(`SELECT w.__src_key FROM _pub_w${i} w LEFT JOIN (SELECT * FROM ${state} WHERE ${inParts}) p ON p.__src_key = w.__src_key WHERE ${['p.__src_key IS NULL', ...moved].join(' OR ')}`);
  }
  await conn.run(`CREATE OR REPLACE TEMP TABLE _pub_redo AS ${changed.join(' UNION ')}`);
  const values = c.windowGroups.flatMap((g, i) => g.columns.map((w) => `CASE WHEN w${i}.__src_key IS NULL THEN p.${ident(w)} ELSE w${i}.${ident(w)} END AS ${ident(w)}`));
  const joins = c.windowGroups.map((_, i) => ` LEFT JOIN _pub_w${i} w${i} ON w${i}.__src_key = r.__src_key`).join('');
  await conn.run(`CREATE OR REPLACE TEMP TABLE _pub_w AS SELECT ${['r.__src_key', ...values].join(', ')}
    FROM _pub_redo r${joins} LEFT JOIN ${state} p ON p.__src_key = r.__src_key`);
  for (const i of c.windowGroups.keys()) await conn.run(`DROP TABLE _pub_part${i}; DROP TABLE _pub_w${i}`);
}

/**
 * Writes `outFile` (the new Parquet file, rows in key order) from the release now serving and the
 * republished rows, points `c.table` (a view) at it, and brings the state up to date. `shaped` is
 * the shaped table; `deltaKeys` a TEMP table (__src_key) of the rows reshaped since that release.
 */
export async function patchPublished(
  conn: DuckDBConnection, c: CompiledDataset, shaped: string, rowKey: string, base: PublishedBase, deltaKeys: string, outFile: string,
  connect?: () => Promise<DuckDBConnection>,
): Promise<Patched> {
  const state = ident(stateTable(c.datasetId));
  const key = ident(rowKey);
  // 1-2. The rows to publish again, and the window values they take.
  await rowsToRepublish(conn, c, shaped, deltaKeys);
  // 3. The republished rows, and the row keys they replace (a source key's row key never changes
  //    under the same rules, so the shaped table has it even for rows reshaped this run). With X8:
  //    every row of the partitions they touch, in a table named as X8's statements expect, X8 run.
  const post = partitionedPost(c);
  const delta = post ? c.table : '_pub_delta';
  const rows = c.publishWithWindowsSql(shaped, '_pub_w', 's.__src_key IN (SELECT __src_key FROM _pub_redo)');
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(delta)} AS ${post ? withPostColumns(post, rows) : rows}`);
  if (post) {
    await widenToPartitions(conn, c, post, shaped, stateTable(c.datasetId));
    await runPost(conn, c, post, rowKey);
  }
  await conn.run(`CREATE OR REPLACE TEMP TABLE _pub_drop AS SELECT ${key} AS k FROM ${ident(shaped)} WHERE __src_key IN (SELECT __src_key FROM _pub_redo)`);
  // 4. The new file: the serving file without the dropped keys, plus the republished rows, in key order.
  await writeMerged(conn, base.parquet, '_pub_drop', delta, rowKey, c.columns.map((col) => col.name), outFile, { connect });
  const candidates = `_pub_candidates_${c.datasetId.replace(/-/g, '_')}`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${candidates} AS SELECT k FROM _pub_drop UNION SELECT ${key} FROM ${ident(delta)}`);
  // 5. The state, unpublished until the release is current.
  await conn.run('BEGIN TRANSACTION');
  try {
    await conn.run(`UPDATE _pub_state SET release = NULL WHERE dataset_id = ${literal(c.datasetId)}`);
    await conn.run(`DELETE FROM ${state} WHERE __src_key IN (SELECT __src_key FROM _pub_redo)`);
    await conn.run(`INSERT INTO ${state} SELECT ${stateSelect(c)} FROM ${ident(delta)}`);
    await conn.run('COMMIT');
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => {});
    throw err;
  }
  const republished = Number((await conn.runAndReadAll('SELECT count(*) AS n FROM _pub_redo')).getRowObjects()[0].n);
  await conn.run(`DROP TABLE _pub_w; DROP TABLE _pub_redo; DROP TABLE ${ident(delta)}; DROP TABLE _pub_drop`);
  const names = c.columns.map((col) => ident(col.name)).join(', ');
  await conn.run(`CREATE OR REPLACE TEMP VIEW ${ident(c.table)} AS SELECT ${names} FROM read_parquet(${literal(outFile)})`);
  return { candidates, republished };
}

/** Records that the states of these datasets are the ones published in `releaseId`. */
export async function markPublished(conn: DuckDBConnection, datasetIds: readonly string[], releaseId: string): Promise<void> {
  if (datasetIds.length === 0 || !(await tableExists(conn, '_pub_state'))) return;
  await conn.run(`UPDATE _pub_state SET release = ${literal(releaseId)} WHERE dataset_id IN (${datasetIds.map(literal).join(', ')})`);
}
