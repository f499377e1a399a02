// The shape of a published release, on disk and in memory. The publisher writes it; the site
// reads only this (never staging). Layout of a data directory:
//
//   DATA/releases/<releaseId>/manifest.json            this file's Manifest
//   DATA/releases/<releaseId>/data.json                 DCAT-US catalog of the release
//   DATA/releases/<releaseId>/datasets/<id>/rows.{csv,parquet,json}
//   DATA/releases/<releaseId>/datasets/<id>/parts/*.{csv,json}   large CSV/JSON, in parts (FileManifest.parts)
//   DATA/releases/<releaseId>/datasets/<id>/charts/<chartId>.json   a ChartArtifact
//   DATA/current -> releases/<releaseId>                switched atomically (symlink rename)
//   DATA/staging/ , DATA/runs/ , DATA/publisher.key     private, never served
import { z } from 'zod';

export const PublishedType = z.enum(['text', 'number', 'integer', 'boolean', 'timestamp', 'date']);
export type PublishedType = z.infer<typeof PublishedType>;

export const ColumnManifest = z.object({
  name: z.string(),
  title: z.string(),
  type: PublishedType,
  description: z.string(),
  /** Rule ids that shaped this column, in the order applied. */
  rules: z.array(z.string()),
  example: z.string().nullable().optional(),
});
export type ColumnManifest = z.infer<typeof ColumnManifest>;

/** One part of a bulk file written in parts (publisher/parts.ts). */
export const FilePart = z.object({
  /** Path relative to the release directory. */
  path: z.string(),
  bytes: z.number().int(),
  sha256: z.string(),
  rows: z.number().int(),
  /** The part's first row key: parts hold consecutive key ranges. */
  first: z.string(),
  /** Row count, sum of row hashes and whether it opens the dataset: equal means same bytes. */
  fingerprint: z.string(),
});
export type FilePart = z.infer<typeof FilePart>;

export const FileManifest = z.object({
  format: z.enum(['csv', 'parquet', 'json']),
  /** Path relative to the release directory; for a file in parts, the name it is served under. */
  path: z.string(),
  /** Size of the whole file (for parts: head + every part + tail). */
  bytes: z.number().int(),
  /** SHA-256 of the file; absent for a file in parts (each part has its own). */
  sha256: z.string().optional(),
  /** A large CSV/JSON file is stored as parts: the file is `head`, the parts in order, then `tail`. */
  parts: z.array(FilePart).optional(),
  head: z.string().optional(),
  tail: z.string().optional(),
  /** Format version and columns the parts were written for (parts are reused only when equal). */
  signature: z.string().optional(),
});
export type FileManifest = z.infer<typeof FileManifest>;

export const RunReport = z.object({
  rowsRead: z.number().int(),
  quarantined: z.number().int(),
  /** Rows kept out of the release, by the row rule that withheld them (X5, X6, ...). */
  withheldByRule: z.record(z.string(), z.number().int()),
  published: z.number().int(),
  /** Rows each rule changed (a value differs from the source), by rule id. */
  touchedByRule: z.record(z.string(), z.number().int()).default({}),
  unknownColumns: z.array(z.string()).default([]),
  /** X8: the smallest class among rows that still carry protected values, and what it took. */
  kAnonymity: z.object({
    /** Smallest class size achieved (null when no row carries protected values). */
    k: z.number().int().nullable(),
    required: z.number().int(),
    classes: z.number().int(),
    /** Rows that were in classes below k before generalization and suppression. */
    rowsBelowK: z.number().int(),
  }).nullable().optional(),
  /** Rows added, changed and removed since the previous release of this dataset (written by the run). */
  changes: z.object({
    added: z.number().int(),
    changed: z.number().int(),
    removed: z.number().int(),
    columnsAdded: z.array(z.string()).default([]),
    columnsRemoved: z.array(z.string()).default([]),
  }).optional(),
  /** Rows removed from this release after it was published, because they were sealed (X6). */
  sealedRemoved: z.number().int().optional(),
});
export type RunReport = z.infer<typeof RunReport>;

export const ChartManifest = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  /** Path of the ChartArtifact JSON relative to the release directory. */
  path: z.string(),
});
export type ChartManifest = z.infer<typeof ChartManifest>;

export const DatasetManifest = z.object({
  id: z.string().regex(/^[a-z0-9]{4}-[a-z0-9]{4}$/),
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  category: z.string(),
  keywords: z.array(z.string()),
  schedule: z.string(),
  sourceTable: z.string(),
  /** The published column that identifies a row (a keyed pseudonym); the stable default order. */
  rowKey: z.string(),
  /**
   * rows.parquet stores its rows in ascending `rowKey` order (every writer of the publisher sorts by
   * it; sealing and patching keep it). The API then finds a page by position instead of sorting
   * every row before the offset. Absent in releases written before it was recorded.
   */
  sortedByRowKey: z.boolean().optional(),
  columns: z.array(ColumnManifest),
  files: z.array(FileManifest),
  rowCount: z.number().int(),
  rulesApplied: z.array(z.string()),
  report: RunReport,
  charts: z.array(ChartManifest),
  temporal: z.object({ start: z.string().nullable(), end: z.string().nullable() }),
  /** The case status lookup table (I7), relative to the release directory, when the dataset has one. */
  caseLookup: z.object({ path: z.string() }).optional(),
  /** When this dataset's rows were last produced (ISO 8601). */
  updatedAt: z.string(),
});
export type DatasetManifest = z.infer<typeof DatasetManifest>;

export const Manifest = z.object({
  releaseId: z.string(),
  createdAt: z.string(),
  publisher: z.object({ name: z.string(), version: z.string() }),
  agency: z.object({ name: z.string(), timezone: z.string(), contactEmail: z.string() }),
  datasets: z.array(DatasetManifest),
});
export type Manifest = z.infer<typeof Manifest>;

/** One chart's data as published: the Vega-Lite spec (no data inside) and its aggregate rows. */
export const ChartArtifact = z.object({
  id: z.string(),
  datasetId: z.string(),
  title: z.string(),
  description: z.string(),
  /** Vega-Lite spec without `data`; the site injects `{values: rows}`. */
  spec: z.record(z.string(), z.unknown()),
  fields: z.array(z.object({ name: z.string(), title: z.string(), type: z.string() })),
  rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))),
  /** Cells withheld by small-cell suppression (X7). */
  suppressedCells: z.number().int(),
});
export type ChartArtifact = z.infer<typeof ChartArtifact>;

export const RELEASES_DIR = 'releases';
export const CURRENT_LINK = 'current';
export const MANIFEST_FILE = 'manifest.json';
