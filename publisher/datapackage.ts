// Frictionless Data Package (v1 specs: Data Package, Data Resource, Tabular Data Resource, Table
// Schema) for a release: `datapackage.json` at the release root, one resource per published file.
// CSV files are Tabular Data Resources (the v1 profile only admits CSV or inline data); Parquet and
// JSON files are plain Data Resources that carry the same Table Schema for reference. Paths are
// relative to the release directory, so the package travels with the release.
import { downloadUrl, LICENSE_URL, MEDIA_TYPES } from './dcat.ts';
import type { ColumnManifest, DatasetManifest, FileManifest, Manifest, PublishedType } from './manifest.ts';

export const DATAPACKAGE_FILE = 'datapackage.json';

export interface TableSchemaField {
  name: string;
  title: string;
  type: 'string' | 'number' | 'integer' | 'boolean' | 'datetime' | 'date';
  format?: string;
  description: string;
  constraints?: { required?: boolean; unique?: boolean };
}

export interface TableSchema {
  fields: TableSchemaField[];
  primaryKey?: string[];
  missingValues: string[];
}

export interface DataResource {
  profile: 'tabular-data-resource' | 'data-resource';
  name: string;
  path: string;
  title: string;
  description: string;
  format: FileManifest['format'];
  mediatype: string;
  encoding?: 'utf-8';
  dialect?: { delimiter: string; header: boolean; doubleQuote: boolean };
  /** `sha256:<hex>`: the v1 spec reads an unprefixed hash as MD5, so other algorithms are prefixed. */
  hash?: string;
  bytes: number;
  schema: TableSchema;
}

export interface DataPackage {
  profile: 'data-package';
  name: string;
  id: string;
  title: string;
  description: string;
  created: string;
  homepage?: string;
  licenses: { name: string; path: string; title: string }[];
  contributors: { title: string; email: string; role: 'publisher' }[];
  keywords: string[];
  resources: DataResource[];
}

const TYPES: Record<PublishedType, TableSchemaField['type']> = {
  text: 'string',
  number: 'number',
  integer: 'integer',
  boolean: 'boolean',
  timestamp: 'datetime',
  date: 'date',
};

/** Resource and package names: lowercase alphanumerics, `-`, `_`, `.` (the v1 name pattern). */
export function packageName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'data';
}

export function tableSchema(d: Pick<DatasetManifest, 'columns' | 'rowKey'>): TableSchema {
  const fields = d.columns.map((c: ColumnManifest): TableSchemaField => {
    const field: TableSchemaField = { name: c.name, title: c.title, type: TYPES[c.type], description: c.description };
    // Timestamps are published floating (local time, no offset): YYYY-MM-DDTHH:MM:SS.
    if (c.type === 'timestamp') field.format = '%Y-%m-%dT%H:%M:%S';
    if (c.name === d.rowKey) field.constraints = { required: true, unique: true };
    return field;
  });
  const hasKey = d.columns.some((c) => c.name === d.rowKey);
  return { fields, ...(hasKey ? { primaryKey: [d.rowKey] } : {}), missingValues: [''] };
}

function resource(d: DatasetManifest, f: FileManifest, baseUrl?: string): DataResource {
  const tabular = f.format === 'csv';
  return {
    profile: tabular ? 'tabular-data-resource' : 'data-resource',
    name: packageName(`${d.slug}-${f.format}`),
    // A file stored in parts exists only as the portal's download (the parts joined in order).
    path: f.parts && baseUrl ? downloadUrl(baseUrl, d, f) : f.path.split('\\').join('/'),
    title: `${d.name} (${f.format.toUpperCase()})`,
    description: d.description,
    format: f.format,
    mediatype: MEDIA_TYPES[f.format],
    ...(f.format === 'parquet' ? {} : { encoding: 'utf-8' as const }),
    ...(tabular ? { dialect: { delimiter: ',', header: true, doubleQuote: true } } : {}),
    ...(f.sha256 ? { hash: `sha256:${f.sha256}` } : {}),
    bytes: f.bytes,
    schema: tableSchema(d),
  };
}

/** The data package of a release; `baseUrl` (optional) gives the package a homepage. */
export function buildDataPackage(m: Manifest, baseUrl?: string): DataPackage {
  const keywords = [...new Set(m.datasets.flatMap((d) => d.keywords))];
  return {
    profile: 'data-package',
    name: packageName(`${m.agency.name}-release-${m.releaseId}`),
    id: m.releaseId,
    title: `${m.agency.name} open data, release ${m.releaseId}`,
    description: `Every dataset ${m.agency.name} published in release ${m.releaseId}, after its privacy rules were applied: ${m.datasets.map((d) => d.name).join('; ')}.`,
    created: m.createdAt,
    ...(baseUrl ? { homepage: baseUrl.replace(/\/+$/, '') } : {}),
    licenses: [{ name: 'PDDL-1.0', path: LICENSE_URL, title: 'Open Data Commons Public Domain Dedication and License v1.0' }],
    contributors: [{ title: m.agency.name, email: m.agency.contactEmail, role: 'publisher' }],
    keywords,
    resources: m.datasets.flatMap((d) => d.files.map((f) => resource(d, f, baseUrl))),
  };
}
