// Bulk files of a large dataset as monthly parts: one CSV, one JSON and one Parquet file per month
// of the dataset's time column (rows without a time in a last part, "undated"). CSV and JSON are
// served as one file each (`head`, the parts joined by `separator`, `tail`); rows run in time
// order, then row key. Each month is known by a fingerprint of its rows (count and sum of DuckDB's
// row hashes). A run compares the fingerprints with the release now serving: months that did not
// change are hard-linked from it and only the others are written again, so a day of changes
// (new and updated calls are recent) rewrites the last month or two, never gigabytes, and needs
// no sort or join over the whole table.
//
// How parts are written: the rows of the changed months are sorted once, into a work Parquet file.
// From it, in its order: the Parquet parts by one partitioned COPY (few files open at a time, as
// months arrive in order), and CSV and JSON by one COPY per format (CSV by DuckDB's own CSV writer,
// JSON as one `,{…}` line per row) into a named pipe that Node cuts after each month's lines
// (publisher/part-cutter.ts), counted beforehand with the fingerprints (rows, plus newlines inside
// CSV cells), dropping the comma that opens each JSON part.
import type { DuckDBConnection } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { link, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ident, literal } from '../rules/sql.ts';
import { csvCell, jsonLine } from './cells.ts';
import { fileSize, sha256File } from './files.ts';
import type { ColumnManifest, FileManifest, FilePart } from './manifest.ts';
import { copyIntoParts } from './part-cutter.ts';

export interface PartLayout {
  /** Datasets with more rows than this are written in monthly parts; smaller ones as single files. */
  above: number;
}

export const DEFAULT_PART_LAYOUT: PartLayout = { above: 1_000_000 };

export type PartFormat = 'csv' | 'json' | 'parquet';
const FORMATS: readonly PartFormat[] = ['parquet', 'csv', 'json'];

export interface PartsInput {
  conn: DuckDBConnection;
  /** The table of rows to write (the published rows; when sealing, the rows of the months in `scope`). */
  table: string;
  columns: readonly ColumnManifest[];
  rowKey: string;
  /** The column whose month names the part. */
  timeColumn: string;
  releaseDir: string;
  datasetDir: string;
  /** Names new part files `<prefix>-<month>.<format>`; unique within the release directory. */
  prefix: string;
  /** The same dataset's files in an earlier release (or in this one, when sealing). */
  previous: { dir: string; files: readonly FileManifest[] } | null;
  /** The months `table` holds; the previous parts of other months stay as they are. All when omitted. */
  scope?: readonly string[];
}

export interface PartsResult {
  files: FileManifest[];
  /** Months written this time (new or changed), and months reused as they were. */
  written: string[];
  reused: number;
}

/** What the bytes of a part depend on besides its rows: the writer's version and the columns. */
export const partsSignature = (columns: readonly ColumnManifest[]): string =>
  `parts-v2:${createHash('sha256').update(JSON.stringify(columns.map((c) => [c.name, c.type]))).digest('hex').slice(0, 16)}`;

const csvQuote = (s: string): string => (s === '' || /[",\n\r#]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
export const csvHead = (columns: readonly ColumnManifest[]): string => `${columns.map((c) => csvQuote(c.name)).join(',')}\n`;
export const JSON_HEAD = '[\n';
export const JSON_TAIL = ']\n';
/** Between two JSON parts: each part's lines are `{…}`, then `,{…}` … */
export const JSON_SEPARATOR = ',';

/** The part a row belongs to: the month of its time, or "undated" (sorts after every month). */
export const monthSql = (timeColumn: string, qualifier = ''): string =>
  `coalesce(strftime(${qualifier}${ident(timeColumn)}, '%Y-%m'), 'undated')`;

/** The order of rows in bulk files, whole or in parts: time (undated last), then row key. */
export const bulkOrderSql = (timeColumn: string, rowKey: string, qualifier = ''): string =>
  `${qualifier}${ident(timeColumn)} NULLS LAST, ${qualifier}${ident(rowKey)}`;

/** The previous release's parts by month, when all three formats are in monthly parts of these columns. */
export function previousMonths(files: readonly FileManifest[] | undefined, columns: readonly ColumnManifest[]): Map<string, Record<PartFormat, FilePart>> | null {
  const byFormat = FORMATS.map((f) => files?.find((x) => x.format === f));
  if (byFormat.some((f) => !f?.parts || f.signature !== partsSignature(columns))) return null;
  const [parquet, csv, json] = byFormat.map((f) => f!.parts!);
  if (csv.length !== parquet.length || json.length !== parquet.length) return null;
  const months = new Map<string, Record<PartFormat, FilePart>>();
  for (const [n, p] of parquet.entries()) {
    if (!p.month || csv[n].month !== p.month || json[n].month !== p.month || csv[n].fingerprint !== p.fingerprint) return null;
    months.set(p.month, { parquet: p, csv: csv[n], json: json[n] });
  }
  return months;
}

/** A month in `table`: its rows, fingerprint and CSV lines. */
interface MonthStats { month: string; rows: number; fingerprint: string; csvLines: number }

/** Newlines inside the CSV cells of a row: DuckDB's CSV writer writes them as they are, in quotes. */
function cellNewlinesSql(columns: readonly ColumnManifest[]): string {
  const text = columns.filter((c) => c.type === 'text').map((c) => `t.${ident(c.name)}`);
  const count = (col: string) => `CASE WHEN contains(${col}, chr(10)) THEN strlen(${col}) - strlen(replace(${col}, chr(10), '')) ELSE 0 END`;
  return text.length === 0 ? '0' : text.map(count).join(' + ');
}

/** Per month of `table`: counts and fingerprint. */
async function monthStats(i: PartsInput): Promise<MonthStats[]> {
  const hash = `hash(${i.columns.map((c) => `t.${ident(c.name)}`).join(', ')})`;
  const rows = (await i.conn.runAndReadAll(`SELECT m, count(*) AS n, CAST(count(*) AS VARCHAR) || ':' || CAST(sum(h) AS VARCHAR) AS fp, sum(nl) AS nl
    FROM (SELECT ${monthSql(i.timeColumn, 't.')} AS m, ${hash} AS h, ${cellNewlinesSql(i.columns)} AS nl FROM ${ident(i.table)} t)
    GROUP BY m ORDER BY m`)).getRowObjects();
  return rows.map((r) => ({ month: String(r.m), rows: Number(r.n), fingerprint: String(r.fp), csvLines: Number(r.n) + Number(r.nl) }));
}

/**
 * Writes the Parquet parts of `months` from the sorted rows (one partitioned COPY); returns each
 * month's file. Months arrive in order, so DuckDB can close a month's file when the next opens; a
 * month it had to close early and start again (more files than one) is joined into one file.
 */
async function writeParquetParts(i: PartsInput, sorted: string, months: readonly string[], work: string, partsDir: string): Promise<Map<string, string>> {
  const out = path.join(work, 'parquet');
  const options = 'FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880';
  await i.conn.run('SET partitioned_write_max_open_files = 4');
  try {
    await i.conn.run(`COPY (SELECT *, ${monthSql(i.timeColumn, 's.')} AS __month FROM ${sorted} s) TO ${literal(out)} (${options}, PARTITION_BY (__month))`);
  } finally {
    await i.conn.run('RESET partitioned_write_max_open_files');
  }
  const files = new Map<string, string>();
  for (const month of months) {
    const dir = path.join(out, `__month=${month}`);
    const names = (await readdir(dir)).sort();
    const to = path.join(partsDir, `${i.prefix}-${month}.parquet`);
    if (names.length === 1) await rename(path.join(dir, names[0]), to);
    else await i.conn.run(`COPY (SELECT * FROM read_parquet([${names.map((n) => literal(path.join(dir, n))).join(', ')}])) TO ${literal(to)} (${options})`);
    files.set(month, to);
  }
  return files;
}

/** Writes (or reuses) the CSV, JSON and Parquet parts of one dataset. */
export async function writeParts(i: PartsInput): Promise<PartsResult> {
  const partsDir = path.join(i.datasetDir, 'parts');
  const work = path.join(i.datasetDir, `.parts-${process.pid}`);
  await mkdir(partsDir, { recursive: true });
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    // 1. Fingerprints per month, against the previous release's.
    const stats = await monthStats(i);
    const prev = previousMonths(i.previous?.files, i.columns);
    const scope = i.scope ? new Set(i.scope) : null;
    if (scope && !prev) throw new Error('parts: a scoped rewrite needs the previous parts');
    const outside = stats.filter((s) => scope && !scope.has(s.month));
    if (outside.length) throw new Error(`parts: rows of ${outside[0].month} are outside the months being rewritten`);
    const changed = stats.filter((s) => prev?.get(s.month)?.parquet.fingerprint !== s.fingerprint);
    const kept = [...(prev ?? new Map<string, Record<PartFormat, FilePart>>()).entries()]
      .filter(([m, p]) => (scope && !scope.has(m)) || stats.some((s) => s.month === m && s.fingerprint === p.parquet.fingerprint));
    // 2. The changed months, all three formats.
    const written = new Map<string, Record<PartFormat, { to: string; bytes: number; sha256: string }>>();
    if (changed.length > 0) {
      const all = changed.length === stats.length;
      const where = all ? '' : `WHERE ${monthSql(i.timeColumn, 't.')} IN (${changed.map((c) => literal(c.month)).join(', ')})`;
      const sortedFile = path.join(work, 'sorted.parquet');
      await i.conn.run(`COPY (SELECT ${i.columns.map((c) => `t.${ident(c.name)}`).join(', ')} FROM ${ident(i.table)} t ${where}
        ORDER BY ${bulkOrderSql(i.timeColumn, i.rowKey, 't.')}) TO ${literal(sortedFile)} (FORMAT parquet, ROW_GROUP_SIZE 122880)`);
      const sorted = `read_parquet(${literal(sortedFile)})`;
      const parquet = await writeParquetParts(i, sorted, changed.map((c) => c.month), work, partsDir);
      const hashing = Promise.all(changed.map(async (c) => {
        const to = parquet.get(c.month)!;
        return [c.month, { to, bytes: await fileSize(to), sha256: await sha256File(to) }] as const;
      }));
      // In the sorted file's order (DuckDB keeps a single file's row order through a COPY).
      const copySql = (format: 'csv' | 'json', to: string): string => (format === 'csv'
        ? `COPY (SELECT ${i.columns.map((c) => csvCell(c, 's.')).join(', ')} FROM ${sorted} s) TO ${literal(to)} (FORMAT csv, HEADER false)`
        : `COPY (SELECT ',' || ${jsonLine(i.columns, 's.')} AS line FROM ${sorted} s)
           TO ${literal(to)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER E'\\x1F')`);
      const text: Record<'csv' | 'json', { to: string; bytes: number; sha256: string }[]> = { csv: [], json: [] };
      for (const format of ['csv', 'json'] as const) {
        const cuts = changed.map((c) => ({
          to: path.join(partsDir, `${i.prefix}-${c.month}.${format}`),
          ...(format === 'csv' ? { lines: c.csvLines } : { lines: c.rows, skip: 1 }),
        }));
        const done = await copyIntoParts(path.join(work, `lines.${format}`), (fifo) => i.conn.run(copySql(format, fifo)), cuts);
        text[format] = done.map((d, n) => ({ to: cuts[n].to, ...d }));
      }
      const pq = new Map(await hashing);
      changed.forEach((c, n) => written.set(c.month, { parquet: pq.get(c.month)!, csv: text.csv[n], json: text.json[n] }));
    }
    // 3. Every month in order: kept months are hard links to the previous release's files.
    const months = [...new Set([...kept.map(([m]) => m), ...changed.map((c) => c.month)])].sort();
    const out: Record<PartFormat, FilePart[]> = { parquet: [], csv: [], json: [] };
    for (const month of months) {
      const stat = changed.find((c) => c.month === month);
      for (const format of FORMATS) {
        if (!stat) {
          const old = prev!.get(month)![format];
          const to = path.join(i.releaseDir, old.path);
          if (path.resolve(i.previous!.dir, old.path) !== to) {
            await mkdir(path.dirname(to), { recursive: true });
            await link(path.join(i.previous!.dir, old.path), to);
          }
          out[format].push(old);
        } else {
          const w = written.get(month)![format];
          out[format].push({ path: path.relative(i.releaseDir, w.to), bytes: w.bytes, sha256: w.sha256, rows: stat.rows, month, fingerprint: stat.fingerprint });
        }
      }
    }
    const manifest = (format: PartFormat, head: string, separator: string, tail: string): FileManifest => {
      const parts = out[format];
      const joins = Math.max(0, parts.length - 1) * Buffer.byteLength(separator);
      return {
        format,
        path: path.relative(i.releaseDir, path.join(i.datasetDir, `rows.${format}`)),
        bytes: Buffer.byteLength(head) + parts.reduce((a, p) => a + p.bytes, 0) + joins + Buffer.byteLength(tail),
        ...(format === 'parquet' ? {} : { head, tail, ...(separator ? { separator } : {}) }),
        signature: partsSignature(i.columns),
        parts,
      };
    };
    return {
      files: [manifest('parquet', '', '', ''), manifest('csv', csvHead(i.columns), '', ''), manifest('json', JSON_HEAD, JSON_SEPARATOR, JSON_TAIL)],
      written: changed.map((c) => c.month),
      reused: kept.length,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
