// Validation, quarantine and upsert of one contract table's raw temp table (stage.ts), shared by
// every source. Only narrow temp tables are built; the typed rows are cast once, straight from
// the raw table into stg_<table>:
//   1. prepare (outside any transaction, touching only temp tables): one validation pass
//      (csv-sql.ts checks) gives every raw row's failure reason, key and updated_at; the failing
//      rows (`bad`) and, per primary key, the raw row that wins among the valid ones (`winners`:
//      newest updated_at, then later unit, then later row) are kept as raw row ids;
//   2. apply (inside the caller's transaction): quarantine rows are appended; each winner is
//      inserted into stg_<table> (typed per contract, plus _batch and _loaded_at) or replaces the
//      staged row with the same key when its updated_at is newer or equal; an older one is dropped
//      as superseded. An empty stg_<table> (first or full load) takes every winner, unjoined.
// Per load: rowsRead = inserted + updated + superseded + quarantined.

import type { DuckDBConnection } from '@duckdb/node-api';
import { stagingTable, type TableSpec } from '../contract.ts';
import { fieldCastSql, ident, rawRecordSql, rowReasonSql, sqlString } from './csv-sql.ts';
import { count, dropTemp, ensureStaging, type AppliedLoad, type RawTables } from './stage.ts';

/**
 * SQL producing the quarantine rows of one table as (_b, _o, batch, line, reason, raw), `_o`
 * ordering rows within a unit. Receives the names of the raw, rejects and bad tables; `bad`
 * holds (_ord = raw rowid, _b, reason). The default has NULL lines for value failures.
 */
export type QuarantineRowsSql = (t: { raw: string; rejects: string; bad: string }) => string;

const defaultQuarantineRows = (spec: TableSpec): QuarantineRowsSql => ({ raw, rejects, bad }) => `
  SELECT _b, line AS _o, _batch AS batch, line, reason, raw FROM ${ident(rejects)}
  UNION ALL
  SELECT b._b, b._ord, r._batch, NULL, b.reason, ${rawRecordSql(spec, 'r')}
  FROM ${ident(bad)} b JOIN ${ident(raw)} r ON r.rowid = b._ord`;

/**
 * Writes the rows `keep` lists (a table or filtered table with the winners' identity columns, and
 * `keep.rows` of them) cast to contract types into stg_<table>.
 */
export type InsertKept = (conn: DuckDBConnection, keep: { from: string; rows: number }, loadedAt: Date) => Promise<void>;

export interface Prepared extends RawTables {
  /** (_ord = raw rowid, _b, reason): rows failing a value check. */
  bad: string;
  /** (_ord = raw rowid, _k = key, _ts = updated_at): the valid row kept per key. Another source's
   *  identity columns in place of _ord when it brings its own `insertKept`. */
  winners: string;
  /** Default: the raw rows by rowid. */
  insertKept?: InsertKept;
  quarantineRows: QuarantineRowsSql;
  rawRows: number;
  structural: number;
  valueBad: number;
  winnerRows: number;
}

/** Step 1: validation and in-load dedupe into narrow temp tables. Touches no staging table. */
export async function prepareTable(conn: DuckDBConnection, t: RawTables, quarantineRows?: QuarantineRowsSql): Promise<Prepared> {
  const { spec } = t;
  const [checked, bad, winners] = ['chk', 'bad', 'win'].map((k) => `_stage_${k}_${spec.name}`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(checked)} AS
    SELECT rowid AS _ord, _b, ${ident(spec.primaryKey)} AS _k, try_cast(updated_at AS TIMESTAMPTZ) AS _ts,
      ${rowReasonSql(spec)} AS reason
    FROM ${ident(t.raw)}`);
  try {
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(bad)} AS SELECT _ord, _b, reason FROM ${ident(checked)} WHERE reason IS NOT NULL`);
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(winners)} AS
      SELECT _ord, _k, _ts FROM ${ident(checked)} WHERE reason IS NULL
      QUALIFY row_number() OVER (PARTITION BY _k ORDER BY _ts DESC, _b DESC, _ord DESC) = 1`);
  } finally {
    await dropTemp(conn, checked);
  }
  return {
    ...t,
    bad,
    winners,
    quarantineRows: quarantineRows ?? defaultQuarantineRows(spec),
    rawRows: await count(conn, `SELECT count(*) FROM ${ident(t.raw)}`),
    structural: await count(conn, `SELECT count(*) FROM ${ident(t.rejects)}`),
    valueBad: await count(conn, `SELECT count(*) FROM ${ident(bad)}`),
    winnerRows: await count(conn, `SELECT count(*) FROM ${ident(winners)}`),
  };
}

export type ApplyCounts = Omit<AppliedLoad, 'source' | 'units'>;

interface Kinds { inserted: number; updated: number; stale: number }

/**
 * Sorts the winners against a non-empty stg_<table> into `cand` (the winner columns and _kind): 0 a new key,
 * 1 replaces the staged row (newer or equal updated_at), 2 older than the staged row. Deletes the
 * staged rows being replaced.
 */
async function sortAgainstStaging(conn: DuckDBConnection, p: Prepared, cand: string): Promise<Kinds> {
  const stg = ident(stagingTable(p.spec.name));
  const pk = ident(p.spec.primaryKey);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${cand} AS
    SELECT w.*, CASE WHEN s.${pk} IS NULL THEN 0 WHEN w._ts >= s.updated_at THEN 1 ELSE 2 END AS _kind
    FROM ${ident(p.winners)} w LEFT JOIN (
      SELECT ${pk}, max(updated_at) AS updated_at FROM ${stg} WHERE ${pk} IN (SELECT _k FROM ${ident(p.winners)}) GROUP BY ${pk}
    ) s ON s.${pk} = w._k`);
  const [[inserted, updated, stale]] = (await conn.runAndReadAll(`SELECT
    count(*) FILTER (WHERE _kind = 0), count(*) FILTER (WHERE _kind = 1), count(*) FILTER (WHERE _kind = 2) FROM ${cand}`)).getRows();
  if (Number(updated) > 0) await conn.run(`DELETE FROM ${stg} WHERE ${pk} IN (SELECT _k FROM ${cand} WHERE _kind = 1)`);
  return { inserted: Number(inserted), updated: Number(updated), stale: Number(stale) };
}

/** Inserts the raw rows whose ids `keep` (a table or subquery with `_ord`) lists, cast to contract types. */
async function insertRows(conn: DuckDBConnection, p: Prepared, keep: { from: string; rows: number }, loadedAt: Date): Promise<void> {
  if (p.insertKept) return p.insertKept(conn, keep, loadedAt);
  const fields = p.spec.fields.map((f) => ident(f.name)).join(', ');
  await conn.run(`INSERT INTO ${ident(stagingTable(p.spec.name))} (${fields}, _batch, _loaded_at)
    SELECT ${p.spec.fields.map(fieldCastSql).join(', ')}, _batch, CAST(${sqlString(loadedAt.toISOString())} AS TIMESTAMPTZ)
    FROM ${ident(p.raw)} WHERE rowid IN (SELECT _ord FROM ${keep.from})`);
}

/** Step 2 (inside the caller's transaction): quarantine append and upsert into stg_<table>. */
export async function applyPrepared(conn: DuckDBConnection, p: Prepared, loadedAt: Date): Promise<ApplyCounts> {
  const t = p.spec.name;
  const cand = ident(`_stage_cand_${t}`);
  await ensureStaging(conn, p.spec);
  await conn.run(`INSERT INTO quarantine
    SELECT ${sqlString(t)}, batch, line, reason, raw
    FROM (${p.quarantineRows({ raw: p.raw, rejects: p.rejects, bad: p.bad })})
    ORDER BY _b, _o`);
  const empty = (await count(conn, `SELECT count(*) FROM (SELECT 1 FROM ${ident(stagingTable(t))} LIMIT 1)`)) === 0;
  try {
    const kinds = empty ? { inserted: p.winnerRows, updated: 0, stale: 0 } : await sortAgainstStaging(conn, p, cand);
    await insertRows(conn, p, empty
      ? { from: ident(p.winners), rows: p.winnerRows }
      : { from: `${cand} WHERE _kind < 2`, rows: kinds.inserted + kinds.updated }, loadedAt);
    return {
      rowsRead: p.rawRows + p.structural,
      quarantined: p.valueBad + p.structural,
      inserted: kinds.inserted,
      updated: kinds.updated,
      superseded: p.rawRows - p.valueBad - p.winnerRows + kinds.stale,
    };
  } finally {
    await dropTemp(conn, `_stage_cand_${t}`);
  }
}

export async function dropPrepared(conn: DuckDBConnection, p: RawTables & Partial<Prepared>): Promise<void> {
  await dropTemp(conn, p.raw, p.rejects, ...(p.bad ? [p.bad] : []), ...(p.winners ? [p.winners] : []));
}
