// Chart aggregates: each chart's rows computed by DuckDB from the published table (never from
// staging), with small-cell suppression (X7) applied before anything is written.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ChartDef } from '../datasets/schema.ts';
import type { ChartArtifact } from './manifest.ts';
import { ident } from '../rules/sql.ts';
import { suppressCells } from './suppression.ts';

type Dimension = ChartDef['dimensions'][number];
type Measure = ChartDef['measures'][number];

/** A dimension's value per row; a month stays a timestamp until the groups are made (dimensionOut). */
function dimensionSql(d: Dimension): string {
  const col = ident(d.column);
  if (d.bucket === 'month') return `date_trunc('month', ${col})`;
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

/** A dimension as the chart holds it: months as ISO text, formatted once per group, not per row (0.75 → 0.36 s on 11 M calls). */
function dimensionOut(d: Dimension, from: string): string {
  const col = `${from}${ident(dimensionName(d))}`;
  return d.bucket === 'month' ? `strftime(${col}, '%Y-%m-%dT00:00:00') AS ${ident(dimensionName(d))}` : col;
}

const QUANTILES: Partial<Record<Measure['op'], number>> = { median: 0.5, p90: 0.9 };

const whereSql = (chart: ChartDef): string => chart.requireNotNull.map((c) => `${ident(c)} IS NOT NULL`).join(' AND ') || 'TRUE';
const orderSql = (chart: ChartDef): string => chart.dimensions.map((_, i) => `${i + 1}`).join(', ');

/**
 * SQL for one chart's aggregate, with a `__n` row count per group for suppression. A chart whose
 * measures are counts and quantiles of one numeric column takes its quantiles from value counts
 * (quantileChartSql): the same numbers as quantile_cont, without sorting every row.
 */
export function chartSql(table: string, chart: ChartDef, columnTypes?: ReadonlyMap<string, string>): string {
  const quantiled = [...new Set(chart.measures.filter((m) => QUANTILES[m.op] !== undefined).map((m) => m.column))];
  const numeric = (c: string | undefined) => c !== undefined && ['number', 'integer'].includes(columnTypes?.get(c) ?? '');
  if (quantiled.length === 1 && numeric(quantiled[0]) && chart.measures.every((m) => m.op === 'count' || QUANTILES[m.op] !== undefined)) {
    return quantileChartSql(table, chart, quantiled[0]!);
  }
  const dims = chart.dimensions.map((d) => `${dimensionSql(d)} AS ${ident(dimensionName(d))}`);
  const measures = chart.measures.map((m) => `${measureSql(m)} AS ${ident(m.as)}`);
  const outs = [...chart.dimensions.map((d) => dimensionOut(d, 'a.')), ...chart.measures.map((m) => `a.${ident(m.as)}`), 'a.__n'];
  return `SELECT ${outs.join(', ')} FROM (SELECT ${[...dims, ...measures, 'count(*) AS __n'].join(', ')} FROM ${ident(table)} WHERE ${whereSql(chart)} GROUP BY ALL) a ORDER BY ${orderSql(chart)}`;
}

/**
 * quantile_cont from value counts: per group, the value at 0-based rank r is the greatest value
 * whose first rank is at most r; with h = (n - 1) × q over the n non-null values, the result is
 * lo + (hi - lo) × (h - floor(h)) for the values at ranks floor(h) and ceil(h), DuckDB's own
 * interpolation in DOUBLE. On the bench's 11.3 M calls by priority: 0.2 s against 1.6-2.2 s
 * (response minutes are whole numbers: 20,654 distinct priority-value pairs).
 */
function quantileChartSql(table: string, chart: ChartDef, column: string): string {
  const names = chart.dimensions.map((d) => ident(dimensionName(d)));
  const dims = chart.dimensions.map((d, i) => `${dimensionSql(d)} AS ${names[i]}`);
  const same = (a: string, b: string) => names.map((n) => `${a}.${n} IS NOT DISTINCT FROM ${b}.${n}`).join(' AND ') || 'TRUE';
  const partition = names.length ? `PARTITION BY ${names.join(', ')} ` : '';
  const measures = chart.measures.map((m) => {
    const q = QUANTILES[m.op];
    if (q === undefined) return `g.__n AS ${ident(m.as)}`;
    const h = `(CAST(g.__nx AS DOUBLE) - 1) * ${q}`;
    // The values at ranks floor(h) and ceil(h), read in one pass over the group's values.
    const ends = `SELECT max(r.__x) FILTER (WHERE r.__first <= floor(${h})) AS lo, max(r.__x) FILTER (WHERE r.__first <= ceil(${h})) AS hi
      FROM __r r WHERE ${same('r', 'g')}`;
    return `(SELECT round(lo + (hi - lo) * (${h} - floor(${h})), 1) FROM (${ends})) AS ${ident(m.as)}`;
  });
  const order = orderSql(chart);
  const groupBy = names.length ? `GROUP BY ${names.join(', ')}` : '';
  return `WITH __c AS (SELECT ${[...dims, `CAST(${ident(column)} AS DOUBLE) AS __x`, 'count(*) AS __k'].join(', ')} FROM ${ident(table)} WHERE ${whereSql(chart)} GROUP BY ALL),
  __g AS (SELECT ${[...names, 'CAST(coalesce(sum(__k), 0) AS BIGINT) AS __n', 'CAST(coalesce(sum(__k) FILTER (WHERE __x IS NOT NULL), 0) AS BIGINT) AS __nx'].join(', ')} FROM __c ${groupBy}),
  __r AS (SELECT *, sum(__k) OVER (${partition}ORDER BY __x ROWS UNBOUNDED PRECEDING) - __k AS __first FROM __c WHERE __x IS NOT NULL)
SELECT ${[...chart.dimensions.map((d) => dimensionOut(d, 'g.')), ...measures, 'g.__n AS __n'].join(', ')} FROM __g g${order ? ` ORDER BY ${order}` : ''}`;
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
  const reader = await conn.runAndReadAll(chartSql(table, chart, columnTypes));
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
