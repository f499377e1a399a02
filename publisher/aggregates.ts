// Chart aggregates: each chart's rows computed by DuckDB from the published table (never from
// staging), with small-cell suppression (X7) applied before anything is written.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ChartDef } from '../datasets/schema.ts';
import type { ChartArtifact } from './manifest.ts';
import { ident } from '../rules/sql.ts';
import { suppressCells } from './suppression.ts';

type Dimension = ChartDef['dimensions'][number];
type Measure = ChartDef['measures'][number];

function dimensionSql(d: Dimension): string {
  const col = ident(d.column);
  if (d.bucket === 'month') return `strftime(date_trunc('month', ${col}), '%Y-%m-%dT00:00:00')`;
  if (d.bucket === 'year') return `CAST(year(${col}) AS INTEGER)`;
  if (d.bucket === 'hour_of_day') return `CAST(hour(${col}) AS INTEGER)`;
  if (d.bucket === 'day_of_week') return `CAST(dayofweek(${col}) AS INTEGER)`;
  if (d.bin) return `floor(${col} / ${d.bin}) * ${d.bin}`;
  return col;
}

function measureSql(m: Measure): string {
  const col = m.column ? ident(m.column) : '';
  switch (m.op) {
    case 'count': return 'count(*)';
    case 'median': return `round(quantile_cont(${col}, 0.5), 1)`;
    case 'p90': return `round(quantile_cont(${col}, 0.9), 1)`;
    case 'avg': return `round(avg(${col}), 1)`;
  }
}

export function dimensionName(d: Dimension): string {
  return d.as ?? d.column;
}

/** SQL for one chart's aggregate, with a `__n` row count per group for suppression. */
export function chartSql(table: string, chart: ChartDef): string {
  const dims = chart.dimensions.map((d) => `${dimensionSql(d)} AS ${ident(dimensionName(d))}`);
  const measures = chart.measures.map((m) => `${measureSql(m)} AS ${ident(m.as)}`);
  const where = chart.requireNotNull.map((c) => `${ident(c)} IS NOT NULL`).join(' AND ') || 'TRUE';
  const order = chart.dimensions.map((_, i) => `${i + 1}`).join(', ');
  return `SELECT ${[...dims, ...measures, 'count(*) AS __n'].join(', ')} FROM ${ident(table)} WHERE ${where} GROUP BY ALL ORDER BY ${order}`;
}

type Cell = string | number | boolean | null;

function plain(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  return String(v);
}

/** Computes a chart's rows, withholding every measure of small groups and their complements (X7). */
export async function buildChart(
  conn: DuckDBConnection,
  table: string,
  datasetId: string,
  chart: ChartDef,
  columnTypes: ReadonlyMap<string, string>,
  minCell: number,
): Promise<ChartArtifact> {
  const reader = await conn.runAndReadAll(chartSql(table, chart));
  const raw = reader.getRowObjects();
  const dims = chart.dimensions.map(dimensionName);
  const { primary, complementary } = suppressCells(raw.map((r) => ({ key: dims.map((d) => plain(r[d])), n: Number(r.__n) })), minCell);
  let suppressedCells = 0;
  const rows = raw.map((r, i) => {
    const hide = primary.has(i) || complementary.has(i);
    const row: Record<string, Cell> = {};
    for (const d of dims) row[d] = plain(r[d]);
    for (const m of chart.measures) row[m.as] = hide ? null : plain(r[m.as]);
    if (hide) suppressedCells += chart.measures.length;
    row.suppressed = hide;
    return row;
  });
  const fields = [
    ...chart.dimensions.map((d) => ({
      name: dimensionName(d),
      title: d.as ?? d.column,
      type: d.bucket === 'month' ? 'timestamp' : d.bucket ? 'integer' : (columnTypes.get(d.column) ?? 'text'),
    })),
    ...chart.measures.map((m) => ({ name: m.as, title: m.as.replaceAll('_', ' '), type: 'number' })),
    { name: 'suppressed', title: 'suppressed (X7)', type: 'boolean' },
  ];
  return { id: chart.id, datasetId, title: chart.title, description: chart.description, spec: chart.spec, fields, rows, suppressedCells };
}
