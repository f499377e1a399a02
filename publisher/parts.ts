// Bulk CSV and JSON of a large dataset as parts: files of about `layout.rows` rows each, in row-key
// order, whose concatenation (after `head`, before `tail`) is the dataset's rows.csv / rows.json.
// Each part is known by its first row key and a fingerprint of its rows (count, sum of DuckDB's row
// hashes, whether it opens the dataset). A run keeps the key ranges of the previous release's parts:
// ranges whose rows did not change are hard-linked from that release and only the others are
// written again, so a day of changes rewrites the parts it touches instead of gigabytes of text.
// Which ranges changed is planned in publisher/parts-plan.ts.
//
// How parts are written: DuckDB's partitioned COPY does not keep row order inside a partition, so
// the rows to write go out in one ordered COPY per format (CSV by DuckDB's own CSV writer, JSON as
// one to_json line per row), and DuckDB counts beforehand how many newlines each part holds (its
// rows, plus newlines inside CSV cells). The COPY writes into a named pipe that Node cuts after
// that many newlines while DuckDB formats, hashing each part (publisher/part-cutter.ts). Parquet
// stays one file: the API and analysts read it, and it is the source the parts are copied from, in
// its order.
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { literal } from '../rules/sql.ts';
import { csvCell, jsonLine } from './cells.ts';
import { linkAll } from './files.ts';
import type { ColumnManifest, FileManifest, FilePart } from './manifest.ts';
import { copyIntoParts } from './part-cutter.ts';
import { dropPlanTables, partsSignature, planPieces, rowsFrom, SEG_STRIDE, type Piece } from './parts-plan.ts';

export interface PartLayout {
  /** Datasets with more rows than this are written in parts; smaller ones as single files. */
  above: number;
  /** Rows per part when a range is cut (a part is cut again once it holds more than twice this). */
  rows: number;
}

/**
 * 250 rows: a day of changes spreads over the key space (the key is a pseudonym), so the text
 * written again is about changed rows × part size. On the 11.3 M calls, 1,800 changed keys rewrote
 * 1,527 parts of 2,000 rows in 22.7 s and 1,734 parts of 500 rows in 7.7 s; on a heavier day (about
 * 7,000 changed keys), paired runs rewrote 3.37 M rows in 6,745 parts of 500 (writing the calls:
 * 25.7 and 21.9 s) against 1.84 M rows in 7,354 parts of 250 (16.6 and 16.9 s). The manifest lists
 * 45,055 parts per format of calls, and is 36 MB (18 MB at 500 rows); the portal reads small parts
 * whole, several ahead, so a download of them stays fast (site/bulk.ts).
 */
export const DEFAULT_PART_LAYOUT: PartLayout = { above: 1_000_000, rows: 250 };

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
  /**
   * A TEMP table (k, kind) naming every row key whose published row differs between `previous`
   * and this Parquet file, kind 'added', 'changed' or 'removed' (publisher/changes.ts makes it;
   * sealing lists its removals). With it, the parts to write are found from those keys alone,
   * instead of hashing every row (publisher/parts-plan.ts).
   */
  changes?: string | null;
}

export interface PartsResult {
  csv: FileManifest;
  json: FileManifest;
  written: number;
  reused: number;
  /** How the parts to write were found (publisher/parts-plan.ts). */
  how: 'fresh' | 'changes' | 'fingerprints';
}

const csvQuote = (s: string): string => (s === '' || /[",\n\r#]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
export const csvHead = (columns: readonly ColumnManifest[]): string => `${columns.map((c) => csvQuote(c.name)).join(',')}\n`;
export const JSON_HEAD = '[\n';
export const JSON_TAIL = ']\n';

interface Written { to: string; bytes: number; sha256: string }

/** Writes (or reuses) the CSV and JSON parts of one dataset. */
export async function writeParts(i: PartsInput): Promise<PartsResult> {
  const src = `read_parquet(${literal(i.parquet)}, file_row_number = true)`;
  const partsDir = path.join(i.datasetDir, 'parts');
  const work = path.join(i.datasetDir, `.parts-${process.pid}`);
  await mkdir(partsDir, { recursive: true });
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    const plan = await planPieces(i, src);
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
    // A fresh cut reads the file in its order; __part_sel holds its rows in file order, so neither
    // is sorted here. PRESERVE_ORDER: the default keeps insertion order in most plans, not all
    // (with a cell written as `CASE WHEN ascii(x) IN (...)` DuckDB 1.5 wrote the lines out of
    // order), and the cutter trusts the order.
    const from = rowsFrom(src, plan.fresh);
    const copySql = (format: 'csv' | 'json', to: string): string => (format === 'csv'
      ? `COPY (SELECT ${i.columns.map((c) => csvCell(c, 's.')).join(', ')} FROM ${from}) TO ${literal(to)} (FORMAT csv, HEADER false, PRESERVE_ORDER true)`
      : `COPY (SELECT CASE WHEN s.file_row_number = 0 THEN '' ELSE ',' END || ${jsonLine(i.columns, 's.')} AS line FROM ${from})
          TO ${literal(to)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER E'\\x1F', PRESERVE_ORDER true)`);
    const written = { csv: new Map<number, Written>(), json: new Map<number, Written>() };
    for (const format of plan.pieces.length > 0 ? (['csv', 'json'] as const) : []) {
      const cuts = plan.pieces.map((p) => ({ to: path.join(partsDir, `${i.prefix}-${p.piece}.${format}`), lines: format === 'csv' ? p.csvLines : p.rows }));
      const done = await copyIntoParts(path.join(work, `lines.${format}`), (fifo) => i.conn.run(copySql(format, fifo)), cuts);
      plan.pieces.forEach((p, n) => written[format].set(p.piece, { to: cuts[n].to, ...done[n] }));
    }
    // 3. The parts in key order: kept ranges are hard links to the previous release's files.
    const out: Record<'csv' | 'json', FilePart[]> = { csv: [], json: [] };
    const links: [string, string][] = [];
    for (const format of ['csv', 'json'] as const) {
      for (const item of order) {
        if ('keep' in item) {
          const old = i.previous![format].parts![item.keep];
          const to = path.join(i.releaseDir, old.path);
          if (path.resolve(i.previous!.dir, old.path) !== to) links.push([path.join(i.previous!.dir, old.path), to]);
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
    await linkAll(links);
    const manifest = (format: 'csv' | 'json', head: string, tail: string): FileManifest => ({
      format,
      path: path.relative(i.releaseDir, path.join(i.datasetDir, `rows.${format}`)),
      bytes: Buffer.byteLength(head) + out[format].reduce((a, p) => a + p.bytes, 0) + Buffer.byteLength(tail),
      head,
      tail,
      signature: partsSignature(i.columns),
      parts: out[format],
    });
    return { csv: manifest('csv', csvHead(i.columns), ''), json: manifest('json', JSON_HEAD, JSON_TAIL), written: plan.pieces.length, reused: plan.keep.size, how: plan.how };
  } finally {
    await rm(work, { recursive: true, force: true });
    await i.conn.run(dropPlanTables);
  }
}
