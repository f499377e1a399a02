// Bulk CSV and JSON of a large dataset as parts: files of about `layout.rows` rows each, in row-key
// order, whose concatenation (after `head`, before `tail`) is the dataset's rows.csv / rows.json.
// Each part is known by its first row key and a fingerprint of its rows (count, sum of DuckDB's row
// hashes, whether it opens the dataset). A run assigns every row to the part of the previous
// release whose key range holds it; parts whose fingerprint did not change are hard-linked from
// that release and only the others are written again, so a day of changes rewrites the parts it
// touches instead of gigabytes of text.
//
// How parts are written: DuckDB's partitioned COPY does not keep row order inside a partition, so
// the rows to write go out in one ordered COPY per format (CSV by DuckDB's own CSV writer, JSON as
// one to_json line per row), and DuckDB counts beforehand how many newlines each part holds (its
// rows, plus newlines inside CSV cells). The COPY writes into a named pipe that Node cuts after
// that many newlines while DuckDB formats, hashing each part (publisher/part-cutter.ts). Parquet
// stays one file: the API and analysts read it, and it is the source the parts are copied from, in
// its order.
import type { DuckDBConnection } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { link, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ident, literal } from '../rules/sql.ts';
import { csvCell, jsonLine } from './cells.ts';
import type { ColumnManifest, FileManifest, FilePart } from './manifest.ts';
import { copyIntoParts } from './part-cutter.ts';

export interface PartLayout {
  /** Datasets with more rows than this are written in parts; smaller ones as single files. */
  above: number;
  /** Rows per part when a range is cut (a part is cut again once it holds more than twice this). */
  rows: number;
}

export const DEFAULT_PART_LAYOUT: PartLayout = { above: 1_000_000, rows: 2_000 };

export interface PartsInput {
  conn: DuckDBConnection;
  /** The dataset's sorted Parquet file (rows in row-key order): the parts are copied from it. */
  parquet: string;
  columns: readonly ColumnManifest[];
  rowKey: string;
  releaseDir: string;
  datasetDir: string;
  layout: PartLayout;
  /** Names new part files `<prefix>-<n>`; unique within the release directory. */
  prefix: string;
  /** The same dataset's parts in an earlier release (or in this one, when sealing). */
  previous: { dir: string; csv: FileManifest; json: FileManifest } | null;
}

export interface PartsResult {
  csv: FileManifest;
  json: FileManifest;
  written: number;
  reused: number;
}

/** What the bytes of a part depend on besides its rows: the writer's version and the columns. */
export const partsSignature = (columns: readonly ColumnManifest[]): string =>
  `parts-v1:${createHash('sha256').update(JSON.stringify(columns.map((c) => [c.name, c.type]))).digest('hex').slice(0, 16)}`;

const csvQuote = (s: string): string => (s === '' || /[",\n\r#]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
export const csvHead = (columns: readonly ColumnManifest[]): string => `${columns.map((c) => csvQuote(c.name)).join(',')}\n`;
export const JSON_HEAD = '[\n';
export const JSON_TAIL = ']\n';

/** Previous parts are usable when both formats are in parts, aligned, and written for the same columns. */
function usablePrevious(p: PartsInput['previous'], columns: readonly ColumnManifest[]): p is NonNullable<PartsInput['previous']> {
  if (!p?.csv.parts || !p.json.parts || p.csv.parts.length !== p.json.parts.length || p.csv.parts.length === 0) return false;
  return p.csv.signature === partsSignature(columns) && p.json.signature === p.csv.signature
    && p.csv.parts.every((x, i) => x.fingerprint === p.json.parts![i].fingerprint && x.first === p.json.parts![i].first);
}

/** Piece numbers of a re-cut range: range × stride + sub-piece. */
const SEG_STRIDE = 1_000_000;

/** A part to write: its rows, and the newlines its CSV holds (rows plus newlines inside cells). */
interface Piece { piece: number; rows: number; first: string; fingerprint: string; csvLines: number }
interface Written { to: string; bytes: number; sha256: string }

const fingerprintSql = `CAST(count(*) AS VARCHAR) || ':' || CAST(sum(h) AS VARCHAR) || ':' || CAST(min(rn) = 0 AS INTEGER)`;

/** What to copy: every Parquet row (`s`) on a fresh cut, else the rows in TEMP table __part_rows(rn, piece). */
const rowsFrom = (src: string, fresh: boolean): string => (fresh ? `${src} s` : `${src} s JOIN __part_rows p ON s.file_row_number = p.rn`);

/** Newlines inside the CSV cells of a row: DuckDB's CSV writer writes them as they are, in quotes. */
function cellNewlinesSql(columns: readonly ColumnManifest[]): string {
  const text = columns.filter((c) => c.type === 'text').map((c) => `s.${ident(c.name)}`);
  const count = (col: string) => `CASE WHEN contains(${col}, chr(10)) THEN strlen(${col}) - strlen(replace(${col}, chr(10), '')) ELSE 0 END`;
  return text.length === 0 ? '0' : text.map(count).join(' + ');
}

/**
 * Decides the pieces: a fresh cut every `rows` rows, or the previous ranges with only the changed
 * ones kept for writing (in TEMP table __part_rows). Returns the pieces to write, in order, with the
 * byte length of their lines, and which previous ranges stay as they are.
 */
async function planPieces(i: PartsInput, src: string, hashSql: string): Promise<{ pieces: Piece[]; keep: Set<number>; fresh: boolean }> {
  const { conn, layout } = i;
  const key = ident(i.rowKey);
  const read = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjects();
  const piecesOf = async (fresh: boolean, pieceSql: string) =>
    (await read(`SELECT piece, count(*) AS n, CAST(min(k) AS VARCHAR) AS first, ${fingerprintSql} AS fp, sum(nl) AS nl
      FROM (SELECT ${pieceSql} AS piece, s.file_row_number AS rn, s.${key} AS k, ${hashSql} AS h, ${cellNewlinesSql(i.columns)} AS nl
            FROM ${rowsFrom(src, fresh)})
      GROUP BY piece ORDER BY piece`)).map((r): Piece => ({
      piece: Number(r.piece), rows: Number(r.n), first: String(r.first), fingerprint: String(r.fp), csvLines: Number(r.n) + Number(r.nl),
    }));
  if (!usablePrevious(i.previous, i.columns)) {
    // A fresh cut: the Parquet file is in key order, so its row number says the part.
    return { pieces: await piecesOf(true, `s.file_row_number // ${layout.rows}`), keep: new Set(), fresh: true };
  }
  const prev = i.previous.csv.parts!;
  const keyType = String((await read(`SELECT typeof(${key}) AS t FROM ${src} LIMIT 1`))[0]?.t ?? 'VARCHAR');
  await conn.run(`CREATE OR REPLACE TEMP TABLE __part_bounds AS SELECT * FROM (VALUES ${prev.map((p, n) => `(${n}, ${literal(p.first)})`).join(', ')}) b(seg, lo)`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE __part_seg AS
    SELECT s.file_row_number AS rn, ${hashSql} AS h, coalesce(b.seg, 0) AS seg
    FROM ${src} s ASOF LEFT JOIN (SELECT seg, CAST(lo AS ${keyType}) AS lo FROM __part_bounds) b ON s.${key} >= b.lo`);
  const keep = new Set<number>();
  const changed: { seg: number; n: number }[] = [];
  for (const r of await read(`SELECT seg, count(*) AS n, ${fingerprintSql} AS fp FROM __part_seg GROUP BY seg`)) {
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
  return { pieces: await piecesOf(false, 'p.piece'), keep, fresh: false };
}

/** Writes (or reuses) the CSV and JSON parts of one dataset. */
export async function writeParts(i: PartsInput): Promise<PartsResult> {
  const src = `read_parquet(${literal(i.parquet)}, file_row_number = true)`;
  const hashSql = `hash(${i.columns.map((c) => `s.${ident(c.name)}`).join(', ')})`;
  const partsDir = path.join(i.datasetDir, 'parts');
  const work = path.join(i.datasetDir, `.parts-${process.pid}`);
  await mkdir(partsDir, { recursive: true });
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    const plan = await planPieces(i, src, hashSql);
    // Parts in key order: kept ranges from the previous release, new pieces where ranges changed.
    const order: ({ keep: number } | { piece: Piece })[] = [];
    if (plan.fresh) plan.pieces.forEach((piece) => order.push({ piece }));
    else {
      const bySeg = new Map<number, Piece[]>();
      for (const p of plan.pieces) {
        const seg = Math.floor(p.piece / SEG_STRIDE);
        bySeg.set(seg, [...(bySeg.get(seg) ?? []), p]);
      }
      for (let seg = 0; seg < i.previous!.csv.parts!.length; seg++) {
        if (plan.keep.has(seg)) order.push({ keep: seg });
        else for (const piece of bySeg.get(seg) ?? []) order.push({ piece });
      }
    }
    // 1. The rows of every piece to write, in row order, copied by DuckDB into a named pipe that
    //    2. Node cuts into part files as they come (publisher/part-cutter.ts).
    const from = rowsFrom(src, plan.fresh);
    const ordered = plan.fresh ? '' : 'ORDER BY s.file_row_number';
    const copySql = (format: 'csv' | 'json', to: string): string => (format === 'csv'
      ? `COPY (SELECT ${i.columns.map((c) => csvCell(c, 's.')).join(', ')} FROM ${from} ${ordered}) TO ${literal(to)} (FORMAT csv, HEADER false)`
      : `COPY (SELECT CASE WHEN s.file_row_number = 0 THEN '' ELSE ',' END || ${jsonLine(i.columns, 's.')} AS line FROM ${from} ${ordered})
          TO ${literal(to)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER E'\\x1F')`);
    const written = { csv: new Map<number, Written>(), json: new Map<number, Written>() };
    for (const format of plan.pieces.length > 0 ? (['csv', 'json'] as const) : []) {
      const cuts = plan.pieces.map((p) => ({ to: path.join(partsDir, `${i.prefix}-${p.piece}.${format}`), lines: format === 'csv' ? p.csvLines : p.rows }));
      const done = await copyIntoParts(path.join(work, `lines.${format}`), (fifo) => i.conn.run(copySql(format, fifo)), cuts);
      plan.pieces.forEach((p, n) => written[format].set(p.piece, { to: cuts[n].to, ...done[n] }));
    }
    // 3. The parts in key order: kept ranges are hard links to the previous release's files.
    const out: Record<'csv' | 'json', FilePart[]> = { csv: [], json: [] };
    for (const format of ['csv', 'json'] as const) {
      for (const item of order) {
        if ('keep' in item) {
          const old = i.previous![format].parts![item.keep];
          const to = path.join(i.releaseDir, old.path);
          if (path.resolve(i.previous!.dir, old.path) !== to) {
            await mkdir(path.dirname(to), { recursive: true });
            await link(path.join(i.previous!.dir, old.path), to);
          }
          out[format].push(old);
        } else {
          const w = written[format].get(item.piece.piece)!;
          out[format].push({
            path: path.relative(i.releaseDir, w.to), bytes: w.bytes, sha256: w.sha256,
            rows: item.piece.rows, first: item.piece.first, fingerprint: item.piece.fingerprint,
          });
        }
      }
    }
    const manifest = (format: 'csv' | 'json', head: string, tail: string): FileManifest => ({
      format,
      path: path.relative(i.releaseDir, path.join(i.datasetDir, `rows.${format}`)),
      bytes: Buffer.byteLength(head) + out[format].reduce((a, p) => a + p.bytes, 0) + Buffer.byteLength(tail),
      head,
      tail,
      signature: partsSignature(i.columns),
      parts: out[format],
    });
    return { csv: manifest('csv', csvHead(i.columns), ''), json: manifest('json', JSON_HEAD, JSON_TAIL), written: plan.pieces.length, reused: plan.keep.size };
  } finally {
    await rm(work, { recursive: true, force: true });
    await i.conn.run('DROP TABLE IF EXISTS __part_rows; DROP TABLE IF EXISTS __part_seg; DROP TABLE IF EXISTS __part_bounds');
  }
}
