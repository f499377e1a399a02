// Chart aggregates: quantiles taken from value counts, and months formatted per group, must give
// exactly what DuckDB's quantile_cont and per-row formatting give (compared on seeded data: ties,
// NULL values and NULL groups, groups of one and two rows, whole and fractional values, an integer
// column, a month bucket).
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChartDef } from '../../datasets/schema.ts';
import { chartSql } from '../../publisher/aggregates.ts';

let conn: DuckDBConnection;
const TYPES = new Map([['minutes', 'number'], ['whole', 'integer'], ['kind', 'text'], ['at', 'timestamp'], ['note', 'text']]);

beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  // 5,000 rows from a fixed hash: kinds a-f and NULL, minutes with many ties (whole numbers)
  // and some fractions, NULL minutes; kinds with one and two rows only, and one without a value.
  await conn.run(`CREATE TABLE t AS
    SELECT CASE WHEN h % 13 = 0 THEN NULL ELSE chr(97 + CAST(h % 6 AS INTEGER)) END AS kind,
           CASE WHEN h % 17 = 0 THEN NULL WHEN h % 5 = 0 THEN (h % 997) / 7.0 ELSE CAST(h % 61 AS DOUBLE) END AS minutes,
           CAST(h % 40 AS INTEGER) AS whole,
           TIMESTAMP '2025-01-01' + to_hours(CAST(h % 9000 AS BIGINT)) AS at,
           CASE WHEN h % 3 = 0 THEN 'x' END AS note
    FROM (SELECT hash(i, 'aggregates') AS h FROM range(5000) r(i))
    UNION ALL SELECT 'single', 4.5, 3, TIMESTAMP '2025-03-01', NULL
    UNION ALL SELECT 'pair', 1.0, 2, TIMESTAMP '2025-03-01', NULL
    UNION ALL SELECT 'pair', 2.0, 7, TIMESTAMP '2025-03-01', NULL
    UNION ALL SELECT 'no values', NULL, NULL, TIMESTAMP '2025-03-01', NULL
    UNION ALL SELECT 'no values', NULL, NULL, TIMESTAMP '2025-04-01', NULL`);
});

const chart = (dimensions: unknown[], measures: unknown[], requireNotNull: string[] = []): ChartDef =>
  ChartDef.parse({ id: 'c', title: 'c', description: 'c', dimensions, measures, requireNotNull, spec: {} });

/** The oracle: every row's dimensions formatted, then DuckDB's own aggregates over the rows. */
function referenceSql(table: string, c: ChartDef): string {
  const dim = (d: ChartDef['dimensions'][number]) => {
    const col = `"${d.column}"`;
    const v = d.bucket === 'month' ? `strftime(date_trunc('month', ${col}), '%Y-%m-%dT00:00:00')` : d.bin ? `floor(${col} / ${d.bin}) * ${d.bin}` : col;
    return `${v} AS "${d.as ?? d.column}"`;
  };
  const measure = (m: ChartDef['measures'][number]) => ({
    count: 'count(*)', median: `round(quantile_cont("${m.column}", 0.5), 1)`, p90: `round(quantile_cont("${m.column}", 0.9), 1)`, avg: `round(avg("${m.column}"), 1)`,
  })[m.op] + ` AS "${m.as}"`;
  const where = c.requireNotNull.map((n) => `"${n}" IS NOT NULL`).join(' AND ') || 'TRUE';
  return `SELECT ${[...c.dimensions.map(dim), ...c.measures.map(measure), 'count(*) AS __n'].join(', ')} FROM ${table} WHERE ${where}
    GROUP BY ALL ORDER BY ${c.dimensions.map((_, i) => i + 1).join(', ')}`;
}

async function rowsOf(sql: string) {
  return (await conn.runAndReadAll(sql)).getRowObjects();
}

describe('chart quantiles from value counts', () => {
  it.each([
    ['one dimension with NULL groups', chart([{ column: 'kind' }], [{ op: 'median', column: 'minutes', as: 'm' }, { op: 'p90', column: 'minutes', as: 'p' }, { op: 'count', as: 'n' }])],
    ['two dimensions, a month bucket', chart([{ column: 'at', bucket: 'month', as: 'month' }, { column: 'kind' }], [{ op: 'p90', column: 'minutes', as: 'p' }, { op: 'median', column: 'minutes', as: 'm' }])],
    ['rows required non-null', chart([{ column: 'note' }], [{ op: 'median', column: 'minutes', as: 'm' }, { op: 'count', as: 'n' }], ['minutes'])],
    ['an integer column', chart([{ column: 'kind' }], [{ op: 'median', column: 'whole', as: 'm' }, { op: 'p90', column: 'whole', as: 'p' }])],
    ['a binned dimension', chart([{ column: 'whole', bin: 10 }], [{ op: 'median', column: 'minutes', as: 'm' }, { op: 'count', as: 'n' }])],
  ])('gives the rows quantile_cont gives (%s)', async (_what, c) => {
    const fast = chartSql('t', c, TYPES);
    expect(fast).toContain('__first'); // the value-count way, not the fallback
    const expected = await rowsOf(referenceSql('t', c));
    expect(expected.length).toBeGreaterThan(1);
    expect(await rowsOf(fast)).toEqual(expected);
    // The fallback (no column types) gives them too.
    expect(await rowsOf(chartSql('t', c))).toEqual(expected);
  });

  it('keeps quantile_cont for charts it cannot answer from one column\'s counts', () => {
    const mixed = chart([{ column: 'kind' }], [{ op: 'median', column: 'minutes', as: 'm' }, { op: 'median', column: 'whole', as: 'w' }]);
    const withAvg = chart([{ column: 'kind' }], [{ op: 'median', column: 'minutes', as: 'm' }, { op: 'avg', column: 'minutes', as: 'a' }]);
    const onText = chart([{ column: 'kind' }], [{ op: 'median', column: 'note', as: 'm' }]);
    for (const c of [mixed, withAvg, onText]) expect(chartSql('t', c, TYPES)).toContain('quantile_cont');
  });
});
