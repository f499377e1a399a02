// The zod schema of a dataset definition (datasets/<slug>.yaml): what is published, from which
// source table, through which rules, on what schedule, with which charts.
import { z } from 'zod';

const Ident = z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower_snake_case');

export const DerivedField = z.object({
  name: Ident,
  fn: z.string(),
  args: z.array(z.string()).min(1),
}).strict();

export const ColumnDef = z.object({
  name: Ident,
  title: z.string().min(1),
  type: z.enum(['text', 'number', 'integer', 'boolean', 'timestamp', 'date']),
  description: z.string().min(10),
  /** The source or derived field this column is made from. */
  from: z.string(),
  /** Rule ids applied to the value, in order. */
  rules: z.array(z.string()).default([]),
}).strict();
export type ColumnDef = z.infer<typeof ColumnDef>;

export const ChartDimension = z.object({
  column: z.string(),
  as: Ident.optional(),
  /** Timestamps: month, year, hour of day or day of week. Numbers: bin width. */
  bucket: z.enum(['month', 'year', 'hour_of_day', 'day_of_week']).optional(),
  bin: z.number().positive().optional(),
}).strict();

export const ChartMeasure = z.object({
  op: z.enum(['count', 'median', 'p90', 'avg']),
  column: z.string().optional(),
  as: Ident,
}).strict();

export const ChartDef = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string(),
  description: z.string(),
  dimensions: z.array(ChartDimension).min(1),
  measures: z.array(ChartMeasure).min(1),
  /** Keep only rows where this column is not null (e.g. a duration that needs an arrival). */
  requireNotNull: z.array(z.string()).default([]),
  /** The Vega-Lite spec, without data. */
  spec: z.record(z.string(), z.unknown()),
}).strict();
export type ChartDef = z.infer<typeof ChartDef>;

export const DatasetDef = z.object({
  id: z.string().regex(/^[a-z0-9]{4}-[a-z0-9]{4}$/, 'a Socrata-style id such as abcd-1234'),
  slug: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string().min(3),
  description: z.string().min(50).max(5000),
  category: z.string(),
  keywords: z.array(z.string()).min(1),
  source: z.enum(['cad_events', 'rms_offenses', 'use_of_force']),
  /** node-cron expression, in the agency's time zone. */
  schedule: z.string(),
  /** The published column that identifies a row. */
  rowKey: z.string(),
  /** The published timestamp column that dates a row (temporal coverage). */
  timeColumn: z.string(),
  /** Dataset-wide rules: row filters and definition checks. */
  rules: z.array(z.string()),
  derived: z.array(DerivedField).default([]),
  columns: z.array(ColumnDef).min(1),
  charts: z.array(ChartDef).default([]),
  /**
   * A case status lookup by a source number people hold (e.g. the report number on a victim's
   * card), keyed with the lookup key; only the listed published columns are answered (rule I7).
   */
  caseLookup: z.object({
    rule: z.string(),
    sourceField: z.string(),
    /** The published column that pseudonymizes the same field (joins lookup rows to published rows). */
    keyColumn: z.string(),
    statusColumn: z.string(),
    dateColumn: z.string(),
  }).strict().optional(),
}).strict();
export type DatasetDef = z.infer<typeof DatasetDef>;
