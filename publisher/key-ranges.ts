// The row groups of a published Parquet file as key ranges, read from the file's statistics alone:
// the first key of each group when every group holds exact text statistics for the row key and
// the groups follow one another in ascending, non-overlapping key order. A patched dataset's merge
// cuts its ranges by them (pipelines/merge.ts); the portal checks by them that a file the manifest
// calls key-ordered is laid out so (site/db.ts).
import type { DuckDBConnection } from '@duckdb/node-api';
import { literal } from '../rules/sql.ts';

/** The first key of each row group, in order, or null when the groups are not such ranges (or there are none). */
export async function keyRangeStarts(conn: DuckDBConnection, file: string, rowKey: string): Promise<string[] | null> {
  // Ordered as DuckDB compares the key (the merge's range filters do), not as JavaScript does.
  const groups = (await conn.runAndReadAll(`SELECT type, stats_min_value AS lo, stats_max_value AS hi, min_is_exact AND max_is_exact AS exact,
      coalesce(stats_min_value > lag(stats_max_value) OVER (ORDER BY row_group_id), row_group_id = 0) AS after
    FROM parquet_metadata(${literal(file)}) WHERE path_in_schema = ${literal(rowKey)} ORDER BY row_group_id`)).getRowObjects();
  if (!groups.length || groups.some((g) => g.type !== 'BYTE_ARRAY' || g.exact !== true || g.lo === null || g.hi === null || g.after !== true)) return null;
  return groups.map((g) => String(g.lo));
}
