// Which parts of a large dataset's CSV and JSON a release writes, and which it reuses
// (publisher/parts.ts writes them). Three ways to plan:
// - fresh: no usable previous parts; the sorted Parquet file is cut every `layout.rows` rows.
// - from changes: the caller names the row keys that differ from the previous release (the
//   changelog's comparison already found them). Each key falls in the previous range whose first
//   key is the greatest at or below it; those ranges are written again. Their rows are found by
//   position, not by reading the file: a range now starts where the previous one did, moved by
//   the keys added and removed before it. A check reads the key column of the ranges to write and
//   falls back to fingerprints if any range does not hold exactly its keys.
// - from fingerprints: every row is hashed and assigned to its range (an ASOF join over the whole
//   file); ranges whose fingerprint (count, sum of row hashes, whether it opens the file) changed
//   are written again.
import { LIST, listValue, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { ident, rowHash } from '../rules/sql.ts';
import type { ColumnManifest, FileManifest, FilePart } from './manifest.ts';

export interface PlanInput {
  conn: DuckDBConnection;
  columns: readonly ColumnManifest[];
  rowKey: string;
  /** Rows per part when a range is cut (a part is cut again once it holds more than twice this). */
  layout: { rows: number };
  previous: { dir: string; csv: FileManifest; json: FileManifest } | null;
  /** TEMP table (k, kind) of the row keys that differ from `previous`; see PartsInput.changes. */
  changes?: string | null;
}

/** A part to write: its rows, and the newlines its CSV holds (rows plus newlines inside cells). */
export interface Piece { piece: number; rows: number; first: string; fingerprint: string; csvLines: number }

export interface Plan {
  /** The pieces to write, in key order. */
  pieces: Piece[];
  /** Previous ranges (by index) that stay as they are. */
  keep: Set<number>;
  /** A fresh cut: every row of the file is written. Otherwise TEMP table __part_rows(rn, piece) lists the rows. */
  fresh: boolean;
  /** How the plan was made, for tests and the log. */
  how: 'fresh' | 'changes' | 'fingerprints';
}

/** Piece numbers of a re-cut range: range × stride + sub-piece. */
export const SEG_STRIDE = 1_000_000;

/** What the bytes of a part depend on besides its rows: the writer's version and the columns. */
export const partsSignature = (columns: readonly ColumnManifest[]): string =>
  `parts-v1:${createHash('sha256').update(JSON.stringify(columns.map((c) => [c.name, c.type]))).digest('hex').slice(0, 16)}`;

/** DuckDB's 64-bit hash of a Parquet row's published values (`s`). */
const rowHashSql = (columns: readonly ColumnManifest[]): string => rowHash(columns.map((c) => c.name), 's.');

const fingerprintSql = `CAST(count(*) AS VARCHAR) || ':' || CAST(sum(h) AS VARCHAR) || ':' || CAST(min(rn) = 0 AS INTEGER)`;

/**
 * What to copy: every Parquet row (`s`) on a fresh cut, else the rows to write, read once from the
 * file into TEMP table __part_sel (selectRows) in file order, each with its `piece`.
 */
export const rowsFrom = (src: string, fresh: boolean): string => (fresh ? `${src} s` : '__part_sel s');

/** Reads the rows listed in __part_rows(rn, piece) out of the file once, for the check, the fingerprints and both formats. */
async function selectRows(conn: DuckDBConnection, src: string): Promise<void> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE __part_sel AS
    SELECT s.*, p.piece FROM ${src} s JOIN __part_rows p ON s.file_row_number = p.rn ORDER BY s.file_row_number`);
}

/** Newlines inside the CSV cells of a row: DuckDB's CSV writer writes them as they are, in quotes. */
function cellNewlinesSql(columns: readonly ColumnManifest[]): string {
  const text = columns.filter((c) => c.type === 'text').map((c) => `s.${ident(c.name)}`);
  const count = (col: string) => `CASE WHEN contains(${col}, chr(10)) THEN strlen(${col}) - strlen(replace(${col}, chr(10), '')) ELSE 0 END`;
  return text.length === 0 ? '0' : text.map(count).join(' + ');
}

/** Previous parts are usable when both formats are in parts, aligned, and written for the same columns. */
function usablePrevious(p: PlanInput['previous'], columns: readonly ColumnManifest[]): p is NonNullable<PlanInput['previous']> {
  if (!p?.csv.parts || !p.json.parts || p.csv.parts.length !== p.json.parts.length || p.csv.parts.length === 0) return false;
  return p.csv.signature === partsSignature(columns) && p.json.signature === p.csv.signature
    && p.csv.parts.every((x, i) => x.fingerprint === p.json.parts![i].fingerprint && x.first === p.json.parts![i].first);
}

const read = async (conn: DuckDBConnection, sql: string) => (await conn.runAndReadAll(sql)).getRowObjects();

/** The pieces (rows, first key, fingerprint, CSV newlines) of every row on a fresh cut, else of __part_rows. */
async function piecesOf(i: PlanInput, src: string, fresh: boolean, pieceSql: string): Promise<Piece[]> {
  const rows = await read(i.conn, `SELECT piece, count(*) AS n, CAST(min(k) AS VARCHAR) AS first, ${fingerprintSql} AS fp, sum(nl) AS nl
    FROM (SELECT ${pieceSql} AS piece, s.file_row_number AS rn, s.${ident(i.rowKey)} AS k, ${rowHashSql(i.columns)} AS h, ${cellNewlinesSql(i.columns)} AS nl
          FROM ${rowsFrom(src, fresh)})
    GROUP BY piece ORDER BY piece`);
  return rows.map((r) => ({ piece: Number(r.piece), rows: Number(r.n), first: String(r.first), fingerprint: String(r.fp), csvLines: Number(r.n) + Number(r.nl) }));
}

/** TEMP table __part_bounds(seg, lo): the first key of each previous range, typed as the key. */
async function boundsTable(i: PlanInput, src: string, prev: readonly FilePart[]): Promise<void> {
  const keyType = String((await read(i.conn, `SELECT typeof(${ident(i.rowKey)}) AS t FROM ${src} LIMIT 1`))[0]?.t ?? 'VARCHAR');
  // One list parameter: a VALUES list of 22,525 literals took 0.5-0.8 s to parse, this 0.1 s.
  await i.conn.run(`CREATE OR REPLACE TEMP TABLE __part_bounds AS
    SELECT CAST(generate_subscripts($1, 1) - 1 AS INTEGER) AS seg, CAST(unnest($1) AS ${keyType}) AS lo`, [listValue(prev.map((p) => p.first))], [LIST(VARCHAR)]);
}

/** Ranges to write again from the keys that changed, or null when the keys do not add up (see the header). */
async function planFromChanges(i: PlanInput, src: string, prev: readonly FilePart[], changes: string): Promise<Plan | null> {
  const { conn, layout } = i;
  const counts = await read(conn, `SELECT coalesce(b.seg, 0) AS seg, count(*) FILTER (WHERE c.kind = 'added') AS added,
      count(*) FILTER (WHERE c.kind = 'removed') AS removed
    FROM ${ident(changes)} c ASOF LEFT JOIN __part_bounds b ON c.k >= b.lo GROUP BY ALL`);
  const rows = prev.map((p) => p.rows);
  const dirty = new Set<number>();
  for (const r of counts) {
    const seg = Number(r.seg);
    rows[seg] += Number(r.added) - Number(r.removed);
    dirty.add(seg);
  }
  const total = Number((await read(conn, `SELECT count(*) AS n FROM ${src}`))[0].n);
  const ranges: { seg: number; start: number; n: number }[] = [];
  const keep = new Set<number>();
  let start = 0;
  let before = 0;
  for (const [seg, n] of rows.entries()) {
    if (n < 0) return null;
    // A range that now opens the file loses the comma before its first JSON line.
    if (n > 0 && start === 0 && before > 0) dirty.add(seg);
    if (n > 0) {
      if (dirty.has(seg)) ranges.push({ seg, start, n });
      else keep.add(seg);
    }
    start += n;
    before += prev[seg].rows;
  }
  if (start !== total) return null;
  if (ranges.length === 0) {
    await conn.run('CREATE OR REPLACE TEMP TABLE __part_rows (rn BIGINT, piece BIGINT)');
    return { pieces: [], keep, fresh: false, how: 'changes' };
  }
  // A range that grew past twice the part size is cut in pieces.
  await conn.run(`CREATE OR REPLACE TEMP TABLE __part_ranges AS SELECT * FROM (VALUES ${ranges.map((r) => `(${r.seg}, ${r.start}, ${r.n})`).join(', ')}) t(seg, start, n)`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE __part_rows AS
    SELECT rn, CAST(seg AS BIGINT) * ${SEG_STRIDE} + CASE WHEN n > ${2 * layout.rows} THEN (rn - start) // ${layout.rows} ELSE 0 END AS piece
    FROM (SELECT seg, start, n, unnest(range(start, start + n)) AS rn FROM __part_ranges)`);
  await selectRows(conn, src);
  // Every range to write must hold exactly the keys of its previous range: no key below its first
  // key (range 0 takes anything below), none at or past the next range's first key.
  const [check] = await read(conn, `SELECT count(*) AS bad FROM (
      SELECT s.piece // ${SEG_STRIDE} AS seg, min(s.${ident(i.rowKey)}) AS lo, max(s.${ident(i.rowKey)}) AS hi
      FROM ${rowsFrom(src, false)} GROUP BY ALL) x
    JOIN __part_bounds b ON b.seg = x.seg LEFT JOIN __part_bounds nxt ON nxt.seg = x.seg + 1
    WHERE (x.seg > 0 AND x.lo < b.lo) OR x.hi >= nxt.lo`);
  if (Number(check.bad) > 0) return null;
  return { pieces: await piecesOf(i, src, false, 's.piece'), keep, fresh: false, how: 'changes' };
}

/** Ranges to write again from the fingerprints of every row (an ASOF join over the whole file). */
async function planFromFingerprints(i: PlanInput, src: string, prev: readonly FilePart[]): Promise<Plan> {
  const { conn, layout } = i;
  await conn.run(`CREATE OR REPLACE TEMP TABLE __part_seg AS
    SELECT s.file_row_number AS rn, ${rowHashSql(i.columns)} AS h, coalesce(b.seg, 0) AS seg
    FROM ${src} s ASOF LEFT JOIN __part_bounds b ON s.${ident(i.rowKey)} >= b.lo`);
  const keep = new Set<number>();
  const changed: { seg: number; n: number }[] = [];
  for (const r of await read(conn, `SELECT seg, count(*) AS n, ${fingerprintSql} AS fp FROM __part_seg GROUP BY seg`)) {
    const seg = Number(r.seg);
    if (String(r.fp) === prev[seg].fingerprint) keep.add(seg);
    else changed.push({ seg, n: Number(r.n) });
  }
  // Changed ranges are written again; one that grew past twice the part size is cut in pieces.
  const split = changed.filter((c) => c.n > 2 * layout.rows).map((c) => c.seg);
  await conn.run(`CREATE OR REPLACE TEMP TABLE __part_rows AS
    SELECT rn, CAST(seg AS BIGINT) * ${SEG_STRIDE} + CASE WHEN seg IN (${[-1, ...split].join(', ')})
      THEN (row_number() OVER (PARTITION BY seg ORDER BY rn) - 1) // ${layout.rows} ELSE 0 END AS piece
    FROM __part_seg WHERE seg IN (${[-1, ...changed.map((c) => c.seg)].join(', ')})`);
  await conn.run('DROP TABLE IF EXISTS __part_seg');
  await selectRows(conn, src);
  return { pieces: await piecesOf(i, src, false, 's.piece'), keep, fresh: false, how: 'fingerprints' };
}

/**
 * Decides the pieces: a fresh cut every `rows` rows, or the previous ranges with only the changed
 * ones kept for writing (in TEMP table __part_rows). `src` reads the sorted Parquet file with
 * `file_row_number`. The caller drops the work tables (dropPlanTables).
 */
export async function planPieces(i: PlanInput, src: string): Promise<Plan> {
  if (!usablePrevious(i.previous, i.columns)) {
    // A fresh cut: the Parquet file is in key order, so its row number says the part.
    return { pieces: await piecesOf(i, src, true, `s.file_row_number // ${i.layout.rows}`), keep: new Set(), fresh: true, how: 'fresh' };
  }
  const prev = i.previous.csv.parts!;
  await boundsTable(i, src, prev);
  const fromChanges = i.changes ? await planFromChanges(i, src, prev, i.changes) : null;
  return fromChanges ?? planFromFingerprints(i, src, prev);
}

export const dropPlanTables = 'DROP TABLE IF EXISTS __part_sel; DROP TABLE IF EXISTS __part_rows; DROP TABLE IF EXISTS __part_seg; DROP TABLE IF EXISTS __part_bounds; DROP TABLE IF EXISTS __part_ranges';
