// Reads just the header record of a CSV file (UTF-8, optional BOM, RFC 4180 quoting) and maps
// its column names onto a contract table: which file column feeds which contract field, which
// names are unknown, and which contract fields are missing. The data rows are left to DuckDB.

import { open } from 'node:fs/promises';
import type { TableSpec } from '../contract.ts';

const MAX_HEADER_BYTES = 1 << 20;

/** The header's column names, or null for an empty file. Throws on an unreadable header. */
export async function readCsvHeader(path: string): Promise<string[] | null> {
  const fh = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    let text = '';
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const { bytesRead } = await fh.read(buf, 0, buf.length, total);
      if (bytesRead > 0) { chunks.push(buf.subarray(0, bytesRead)); total += bytesRead; }
      text = Buffer.concat(chunks).toString('utf8');
      const parsed = parseFirstRecord(text, bytesRead === 0);
      if (parsed) return parsed.length === 1 && parsed[0] === '' ? null : parsed;
      if (bytesRead === 0) return null;
      if (total > MAX_HEADER_BYTES) throw new Error(`${path}: header row longer than ${MAX_HEADER_BYTES} bytes`);
    }
  } finally {
    await fh.close();
  }
}

/** Parses the first CSV record of `text`; null when more input is needed. */
function parseFirstRecord(raw: string, atEof: boolean): string[] | null {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const fields: string[] = [];
  let cur = '';
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (i + 1 >= text.length && !atEof) return null;
        if (text[i + 1] === '"') { cur += '"'; i++; } else inQuotes = false;
      } else cur += ch;
    } else if (ch === '"') inQuotes = true;
    else if (ch === ',') { fields.push(cur); cur = ''; }
    else if (ch === '\n' || ch === '\r') { fields.push(cur); return fields; }
    else cur += ch;
  }
  if (!atEof) return null;
  if (text.length === 0) return null;
  fields.push(cur);
  return fields;
}

export interface HeaderMapping {
  /** For each contract field in contract order: its 0-based column index in the file, or -1. */
  sourceIndex: number[];
  unknownColumns: string[];
  columnCount: number;
}

/**
 * Maps header names onto the table's fields; throws naming the file on missing required or
 * duplicate columns. `columns` renames (contract field → header name) come from a mapping file.
 */
export function mapHeader(file: string, header: string[], spec: TableSpec, columns: Record<string, string> = {}): HeaderMapping {
  const names = header.map((h) => h.trim());
  const source = (field: string) => columns[field] ?? field;
  const fieldOf = new Map(spec.fields.map((f) => [source(f.name), f.name] as const));
  const byField = new Map<string, number>();
  const unknown: string[] = [];
  names.forEach((name, i) => {
    const field = fieldOf.get(name);
    if (!field) { unknown.push(name); return; }
    if (byField.has(field)) throw new Error(`${file}: column "${name}" appears more than once in the header`);
    byField.set(field, i);
  });
  const missing = spec.fields.filter((f) => !f.nullable && !byField.has(f.name))
    .map((f) => (source(f.name) === f.name ? f.name : `${f.name} (mapped from "${source(f.name)}")`));
  if (missing.length > 0) {
    throw new Error(`${file}: missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (contract table ${spec.name})`);
  }
  return {
    sourceIndex: spec.fields.map((f) => byField.get(f.name) ?? -1),
    unknownColumns: unknown,
    columnCount: names.length,
  };
}
