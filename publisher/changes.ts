// The changelog of a dataset between the release now serving and the one being written: rows
// added, changed and removed (compared by row key and a hash of every published value), and
// columns added or removed. Counts only: never which rows in what is published. The keys that
// differ can be kept in a TEMP table of staging for the run, where the part writer uses them to
// find the parts to write (publisher/parts-plan.ts).
import type { DuckDBConnection } from '@duckdb/node-api';
import path from 'node:path';
import { ident, literal, rowHash } from '../rules/sql.ts';
import type { ColumnManifest, DatasetManifest } from './manifest.ts';

export interface DatasetChanges {
  added: number;
  changed: number;
  removed: number;
  columnsAdded: string[];
  columnsRemoved: string[];
}

export async function datasetChanges(
  conn: DuckDBConnection,
  table: string,
  columns: readonly ColumnManifest[],
  rowKey: string,
  previous: { dir: string; dataset: DatasetManifest } | null,
  /** TEMP table to fill with the differing keys: (k, kind 'added' | 'changed' | 'removed'). */
  keysTable?: string,
  /** TEMP table (k) of the only keys whose rows may differ (pipelines/pub-state.ts knows them); else every row is compared. */
  candidates?: string | null,
): Promise<DatasetChanges & { keys: string | null }> {
  const now = columns.map((c) => c.name);
  if (!previous) {
    const r = (await conn.runAndReadAll(`SELECT count(*) AS n FROM ${ident(table)}`)).getRowObjects()[0];
    return { added: Number(r.n), changed: 0, removed: 0, columnsAdded: now, columnsRemoved: [], keys: null };
  }
  const before = previous.dataset.columns.map((c) => c.name);
  const shared = now.filter((c) => before.includes(c));
  const file = previous.dataset.files.find((f) => f.format === 'parquet');
  // DuckDB's 64-bit row hash of the typed values (NULL-aware); no text conversion of 11 M rows.
  const key = ident(rowKey);
  const columnsChanged = { columnsAdded: now.filter((c) => !before.includes(c)), columnsRemoved: before.filter((c) => !now.includes(c)) };
  if (!file || !shared.includes(rowKey)) return { added: 0, removed: 0, changed: 0, ...columnsChanged, keys: null };
  const only = candidates ? ` WHERE t.${key} IN (SELECT k FROM ${ident(candidates)})` : '';
  const differing = `WITH n AS (SELECT ${key} AS k, ${rowHash(shared, 't.')} AS h FROM ${ident(table)} t${only}),
      o AS (SELECT ${key} AS k, ${rowHash(shared, 't.')} AS h FROM read_parquet(${literal(path.join(previous.dir, file.path))}) t${only})
    SELECT coalesce(n.k, o.k) AS k, CASE WHEN o.k IS NULL THEN 'added' WHEN n.k IS NULL THEN 'removed' ELSE 'changed' END AS kind
    FROM n FULL OUTER JOIN o ON n.k = o.k WHERE o.k IS NULL OR n.k IS NULL OR n.h <> o.h`;
  const countsOf = (from: string) => `SELECT count(*) FILTER (WHERE kind = 'added') AS added, count(*) FILTER (WHERE kind = 'removed') AS removed,
    count(*) FILTER (WHERE kind = 'changed') AS changed FROM ${from}`;
  let r: Record<string, unknown>;
  if (keysTable) {
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(keysTable)} AS ${differing}`);
    r = (await conn.runAndReadAll(countsOf(ident(keysTable)))).getRowObjects()[0];
  } else {
    r = (await conn.runAndReadAll(countsOf(`(${differing})`))).getRowObjects()[0];
  }
  return { added: Number(r.added), changed: Number(r.changed), removed: Number(r.removed), ...columnsChanged, keys: keysTable ?? null };
}
