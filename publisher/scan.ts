// X3, the scan gate: before a release is switched in, every artifact is searched for personal
// data — identifying patterns (SSN, phone, email, DOB, exact address, plates) and every name,
// phone, id and serial value present in the staged source. A hit blocks the release.
// Bulk files are scanned through the table they were copied from (each distinct text value,
// with the CSV line where it first appears; pseudonym columns by their format, see scan-bulk.ts);
// every other file and any rendered page line by line.
import type { DuckDBConnection } from '@duckdb/node-api';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ident, literal } from '../rules/sql.ts';
import { MANIFEST_FILE } from './manifest.ts';
import { addBulkUnits, bulkOffset, FORMAT_HITS, type ScanDataset } from './scan-bulk.ts';
import { normalizeSql, SCAN_PATTERNS } from './scan-patterns.ts';

export type { PseudonymColumn, ScanDataset } from './scan-bulk.ts';

export interface ScanHit {
  artifact: string;
  /** Byte offset in the artifact, or for bulk files the CSV line of the first occurrence. */
  offset: string;
  kind: string;
}

export interface ScanResult {
  passed: boolean;
  artifacts: number;
  units: number;
  terms: number;
  hits: ScanHit[];
}

export class ScanBlockedError extends Error {
  constructor(readonly result: ScanResult) {
    const shown = result.hits.slice(0, 10).map((h) => `${h.kind} in ${h.artifact} at ${h.offset}`).join('; ');
    super(`X3 scan gate blocked the release: ${result.hits.length} hit(s): ${shown}`);
    this.name = 'ScanBlockedError';
  }
}

const MAX_HITS = 50;

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** Splits text into lines with the byte offset where each starts. */
function lines(text: string): { offset: number; line: string }[] {
  const out: { offset: number; line: string }[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    if (line.trim()) out.push({ offset, line });
    offset += Buffer.byteLength(line) + 1;
  }
  return out;
}

/** A line of a part entry in the manifest: a bracket, or one of FilePart's generated fields. */
const PART_LINE = /^\s*([{}\]],?|"(path|bytes|sha256|rows|first|fingerprint)": ("[^"]*"|\d+),?)$/;

/**
 * The lines of the manifest's part lists dropped (publisher/parts.ts: per part a path, hash, counts
 * and its first row key, a value the bulk scan already checks). A large dataset lists tens of
 * thousands of parts; scanning their lines was most of the scan's work. A line of any other shape
 * inside a part list is still scanned.
 */
function withoutPartLists(units: { offset: number; line: string }[]): { offset: number; line: string }[] {
  const out: typeof units = [];
  let inParts = false;
  for (const u of units) {
    if (inParts && PART_LINE.test(u.line)) {
      if (/^\s*\],?$/.test(u.line)) inParts = false;
      continue;
    }
    inParts = /^\s*"parts": \[$/.test(u.line);
    out.push(u);
  }
  return out;
}

async function addTextUnits(conn: DuckDBConnection, artifact: string, text: string, allow: readonly string[]): Promise<number> {
  const appender = await conn.createAppender('scan_units', 'main', 'temp');
  let n = 0;
  const units = artifact === MANIFEST_FILE ? withoutPartLists(lines(text)) : lines(text);
  for (const { offset, line: raw } of units) {
    const line = allow.reduce((l, a) => l.replaceAll(a, ' '), raw);
    appender.appendVarchar(artifact);
    appender.appendVarchar(`byte ${offset}`);
    appender.appendVarchar(line);
    appender.endRow();
    n++;
  }
  appender.closeSync();
  return n;
}

/**
 * Scans a release directory before it is switched in. `termsTable` holds normalized source
 * values (see normalizeSql); `extra` adds artifacts that are not files (rendered pages).
 */
export async function scanRelease(
  conn: DuckDBConnection,
  opts: {
    releaseDir: string;
    datasets: ScanDataset[];
    termsTable: string;
    extra?: { name: string; text: string }[];
    /** Published on purpose, e.g. the agency's contact address: not a hit. */
    allow?: readonly string[];
  },
): Promise<ScanResult> {
  await conn.run('CREATE OR REPLACE TEMP TABLE scan_units (artifact VARCHAR, "offset" VARCHAR, text VARCHAR)');
  let artifacts = 0;
  // 1. Bulk files: their distinct text values, from the table they were copied from.
  for (const d of opts.datasets) artifacts += d.file ? 1 : 3;
  await addBulkUnits(conn, opts.datasets);
  // 2. Every other file, line by line; 3. rendered pages handed in by the caller.
  for (const rel of await listFiles(opts.releaseDir)) {
    // Bulk files and every Parquet file are scanned through the table they were written from.
    if (/^datasets\/[^/]+\/(rows\.(csv|json|parquet)|parts\/[^/]+\.(csv|json))$/.test(rel) || rel.endsWith('.parquet')) continue;
    artifacts++;
    await addTextUnits(conn, rel, await readFile(path.join(opts.releaseDir, rel), 'utf8'), opts.allow ?? []);
  }
  for (const page of opts.extra ?? []) {
    artifacts++;
    await addTextUnits(conn, page.name, page.text, opts.allow ?? []);
  }
  await conn.run(`CREATE OR REPLACE TEMP TABLE scan_norm AS SELECT row_number() OVER () AS id, artifact, "offset", text, ${normalizeSql('text')} AS norm FROM scan_units`);

  const patternHits = SCAN_PATTERNS.map((p) =>
    `SELECT id, ${literal(p.kind)} AS kind FROM scan_norm WHERE regexp_matches(text, ${literal(p.regex)}, 'i')`);
  // Word n-grams (1 to 5 words) of every unit, built with lead() so long lines stay linear.
  const grams = `toks AS (SELECT id, unnest(t) AS w, generate_subscripts(t, 1) AS i
        FROM (SELECT id, string_split(norm, ' ') AS t FROM scan_norm WHERE norm <> '')),
      seq AS (SELECT id, w AS w1, lead(w, 1) OVER win AS w2, lead(w, 2) OVER win AS w3, lead(w, 3) OVER win AS w4, lead(w, 4) OVER win AS w5
        FROM toks WINDOW win AS (PARTITION BY id ORDER BY i)),
      grams AS (SELECT id, unnest([w1, w1 || ' ' || w2, w1 || ' ' || w2 || ' ' || w3, w1 || ' ' || w2 || ' ' || w3 || ' ' || w4,
        w1 || ' ' || w2 || ' ' || w3 || ' ' || w4 || ' ' || w5]) AS g FROM seq)`;
  const termHits = `SELECT DISTINCT grams.id, 'source value' AS kind FROM grams JOIN ${ident(opts.termsTable)} terms ON grams.g = terms.term`;
  const sql = `WITH ${grams} SELECT * FROM (SELECT s.artifact, s."offset", h.kind, s.text FROM (${[...patternHits, termHits].join(' UNION ALL ')}) h
    JOIN scan_norm s USING (id) UNION ALL SELECT artifact, "offset", kind, text FROM ${FORMAT_HITS}) ORDER BY artifact, "offset" LIMIT ${MAX_HITS}`;
  const rows = (await conn.runAndReadAll(sql)).getRowObjects();

  const hits: ScanHit[] = [];
  for (const r of rows) {
    const offset = await bulkOffset(conn, opts.datasets, String(r.artifact), String(r.offset), String(r.text));
    hits.push({ artifact: String(r.artifact), offset, kind: String(r.kind) });
  }
  const units = Number((await conn.runAndReadAll('SELECT count(*) AS n FROM scan_units')).getRowObjects()[0].n);
  const terms = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${ident(opts.termsTable)}`)).getRowObjects()[0].n);
  await conn.run(`DROP TABLE IF EXISTS scan_units; DROP TABLE IF EXISTS scan_norm; DROP TABLE IF EXISTS ${FORMAT_HITS}`);
  return { passed: hits.length === 0, artifacts, units, terms, hits };
}
