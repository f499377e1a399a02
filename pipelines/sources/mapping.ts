// The source mapping file: how an agency's export names map onto the records contract, for
// agencies whose CSV files or database tables use other names (records contract: "An agency
// whose export uses other names maps them onto these through a declared, validated mapping
// file"). YAML, validated with zod; every error names the file and the field path.
//
//   tables:
//     cad_events:
//       from: cad_export            # source table (PostgreSQL) or file stem (CSV: cad_export.csv)
//       columns: { event_id: incident_no, received_at: call_time }   # contract field: source column
//       codes: { call_source: { "E911": "911", "NE": "NON_EMERGENCY" } }  # source code → contract code
//
// Unmapped tables and fields keep their contract names. Code maps apply to the value as text,
// before validation; a value not in the map passes through unchanged (and is validated as is).

import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { TABLES, type TableName, type TableSpec } from '../contract.ts';

export interface TableMapping {
  /** Source table name (PostgreSQL) or CSV file stem. */
  from: string;
  /** Contract field → source column, only for renamed fields. */
  columns: Record<string, string>;
  /** Contract field → (source code → contract code). */
  codes: Record<string, Record<string, string>>;
}

export interface SourceMapping {
  /** The file it was read from (for messages). */
  file: string;
  tables: Partial<Record<TableName, TableMapping>>;
}

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));
const name = z.string().trim().min(1, 'must be a non-empty name');

const TableSchema = z
  .object({
    from: name.optional(),
    columns: z.record(z.string(), name).default({}),
    codes: z.record(z.string(), z.record(z.string(), scalar)).default({}),
  })
  .strict();

const FileSchema = z.object({ tables: z.record(z.string(), TableSchema.nullable()).default({}) }).strict();

type Issue = { path: PropertyKey[]; message: string };
const fmtPath = (p: PropertyKey[]) => (p.length ? p.map(String).join('.') : '(top level)');

function fail(file: string, issues: Issue[]): never {
  const lines = issues.map((i) => `${file}: ${fmtPath(i.path)}: ${i.message}`);
  throw new Error(`invalid source mapping file ${lines.length > 1 ? `(${lines.length} problems)\n  ` : ''}${lines.join('\n  ')}`);
}

/** Checks the parsed mapping against the contract: known tables, fields and codes; no column fed twice. */
function checkAgainstContract(raw: z.infer<typeof FileSchema>): { issues: Issue[]; tables: SourceMapping['tables'] } {
  const issues: Issue[] = [];
  const tables: SourceMapping['tables'] = {};
  const known = TABLES.map((t) => t.name);
  for (const [tableName, body] of Object.entries(raw.tables)) {
    const spec: TableSpec | undefined = TABLES.find((t) => t.name === tableName);
    if (!spec) {
      issues.push({ path: ['tables', tableName], message: `not a contract table (known: ${known.join(', ')})` });
      continue;
    }
    const t = body ?? { columns: {}, codes: {} };
    const fields = new Set(spec.fields.map((f) => f.name));
    for (const field of Object.keys(t.columns)) {
      if (!fields.has(field)) issues.push({ path: ['tables', tableName, 'columns', field], message: `not a field of contract table ${tableName}` });
    }
    // Two contract fields must not read the same source column.
    const source = new Map<string, string>();
    for (const f of spec.fields) {
      const col = t.columns[f.name] ?? f.name;
      const other = source.get(col.toLowerCase());
      if (other) {
        issues.push({
          path: ['tables', tableName, 'columns', t.columns[f.name] ? f.name : other],
          message: `source column "${col}" would feed both ${other} and ${f.name}; map each field to its own column`,
        });
      } else source.set(col.toLowerCase(), f.name);
    }
    for (const [field, map] of Object.entries(t.codes)) {
      const spec2 = spec.fields.find((f) => f.name === field);
      if (!spec2) {
        issues.push({ path: ['tables', tableName, 'codes', field], message: `not a field of contract table ${tableName}` });
        continue;
      }
      if (spec2.codes) {
        for (const [from, to] of Object.entries(map)) {
          if (!spec2.codes.includes(to)) {
            issues.push({ path: ['tables', tableName, 'codes', field, from], message: `"${to}" is not a contract code for ${field} (${spec2.codes.join(', ')})` });
          }
        }
      }
    }
    tables[spec.name] = { from: t.from ?? spec.name, columns: t.columns, codes: t.codes as Record<string, Record<string, string>> };
  }
  return { issues, tables };
}

/** Parses and validates mapping YAML; `file` names the source in errors. */
export function parseSourceMapping(text: string, file: string): SourceMapping {
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true });
  } catch (e) {
    throw new Error(`invalid source mapping file ${file}: not valid YAML: ${(e as Error).message}`);
  }
  const parsed = FileSchema.safeParse(doc ?? {});
  if (!parsed.success) fail(file, parsed.error.issues);
  const { issues, tables } = checkAgainstContract(parsed.data);
  if (issues.length) fail(file, issues);
  return { file, tables };
}

/** Reads and validates a mapping file. */
export async function loadSourceMapping(file: string): Promise<SourceMapping> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read source mapping file ${file}: ${(e as Error).message}`);
  }
  return parseSourceMapping(text, file);
}

/** The mapping of one table, or the identity mapping. */
export function tableMapping(mapping: SourceMapping | undefined, table: TableName): TableMapping {
  return mapping?.tables[table] ?? { from: table, columns: {}, codes: {} };
}

/** The source column that feeds a contract field. */
export function sourceColumn(m: TableMapping, field: string): string {
  return m.columns[field] ?? field;
}
