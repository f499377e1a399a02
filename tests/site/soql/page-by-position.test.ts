// Pages in row-key order found by position (site/soql/compile.ts, pageByPosition) over rows stored
// in key order: each request, compiled with and without `keyOrdered`, must give the same body on
// the same view, byte for byte, across filters, offsets at and around row-group edges, limits,
// and the spellings of key order. Requests in any other order keep the sorted query.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSoql, type SoqlDataset, type SoqlRequest } from '../../../site/soql/compile.ts';
import { renderSql } from '../../../site/soql/render.ts';

const ROWS = 5000;
const ROW_GROUP = 512;
// Keys out of step with the generating counter; values with nulls; a text column for $q.
const ROWS_SQL = `SELECT md5('k' || i::VARCHAR)[1:12] AS event_id, TIMESTAMP '2025-01-01' + INTERVAL (i * 37 % 9000) MINUTE AS received_hour,
  CASE WHEN i % 11 = 0 THEN NULL ELSE ['NORTH', 'SOUTH', 'EAST'][1 + i * 7 % 3] END AS precinct, (1 + i % 4)::INTEGER AS priority,
  CASE WHEN i % 5 = 0 THEN 'welfare check' WHEN i % 5 = 1 THEN 'traffic' END AS note FROM range(${ROWS}) t(i)`;

const DS = (from: string, keyOrdered: boolean): SoqlDataset => ({
  columns: [
    { name: 'event_id', type: 'text' },
    { name: 'received_hour', type: 'timestamp' },
    { name: 'precinct', type: 'text' },
    { name: 'priority', type: 'integer' },
    { name: 'note', type: 'text' },
  ],
  rowKey: 'event_id',
  from,
  createdAt: '2026-01-01T00:00:00Z',
  hasRowNumber: true,
  keyOrdered,
});

let dir: string;
let db: DuckDBInstance;
let conn: DuckDBConnection;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'soql-pos-'));
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  const sorted = path.join(dir, 'sorted.parquet');
  const unsorted = path.join(dir, 'unsorted.parquet');
  await conn.run(`COPY (SELECT * FROM (${ROWS_SQL}) ORDER BY event_id) TO '${sorted}' (FORMAT parquet, ROW_GROUP_SIZE ${ROW_GROUP})`);
  await conn.run(`COPY (${ROWS_SQL}) TO '${unsorted}' (FORMAT parquet, ROW_GROUP_SIZE ${ROW_GROUP})`);
  await conn.run(`CREATE VIEW sorted AS SELECT * FROM read_parquet('${sorted}', file_row_number = true)`);
  await conn.run(`CREATE VIEW unsorted AS SELECT * FROM read_parquet('${unsorted}', file_row_number = true)`);
});

afterAll(async () => {
  conn?.closeSync();
  db?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function body(req: SoqlRequest, view: string, keyOrdered: boolean): Promise<{ sql: string; text: string }> {
  const compiled = compileSoql(req, DS(view, keyOrdered));
  const sql = renderSql(compiled, 'json');
  const text = String((await conn.runAndReadAll(sql, compiled.params.values, compiled.params.types)).getRows()[0][0]);
  return { sql: compiled.sql, text };
}

const byPosition = (sql: string) => /file_row_number >= |__pos/.test(sql);

describe('pages by position', () => {
  const filters: [string, SoqlRequest][] = [
    ['no filter', {}],
    ['$where', { where: "precinct = 'NORTH' AND priority <= 2" }],
    ['$where matching nothing', { where: "precinct = 'NOWHERE'" }],
    ['$q', { q: 'welfare' }],
    ['column=value', { filters: [['priority', '3']] }],
  ];
  const orders: [string, string | undefined][] = [['default', undefined], [':id', ':id'], [':id ASC', ':id ASC'], ['the key column', 'event_id']];
  const pages: [number, number][] = [[0, 1000], [0, 1], [1, 1], [511, 2], [512, 512], [1000, 1000], [4999, 10], [4000, 50000], [5000, 5], [9000, 10], [0, 0]];

  for (const [fname, freq] of filters) {
    for (const [oname, order] of orders) {
      it(`${fname}, order ${oname}: the same body at every offset`, async () => {
        let nonEmpty = 0;
        for (const [offset, limit] of pages) {
          const req: SoqlRequest = { ...freq, order, offset, limit, select: order === 'event_id' ? 'event_id, precinct, priority' : undefined };
          const fast = await body(req, 'sorted', true);
          const slow = await body(req, 'sorted', false);
          expect(byPosition(fast.sql)).toBe(true);
          expect(byPosition(slow.sql)).toBe(false);
          expect(fast.text, `offset ${offset}, limit ${limit}`).toBe(slow.text);
          if (fast.text !== '[]') nonEmpty++;
        }
        if (fname !== '$where matching nothing') expect(nonEmpty).toBeGreaterThanOrEqual(5);
      });
    }
  }

  it('keeps the sorted query for any other order, grouping or DISTINCT', async () => {
    for (const req of [
      { order: ':id DESC' },
      { order: 'event_id DESC' },
      { order: 'event_id ASC NULLS FIRST' },
      { order: 'received_hour' },
      { order: ':id, received_hour' },
      { select: 'precinct, count(*)', group: 'precinct' },
      { select: 'DISTINCT precinct' },
    ] as SoqlRequest[]) {
      const fast = await body({ ...req, offset: 700, limit: 50 }, 'sorted', true);
      expect(byPosition(fast.sql), JSON.stringify(req)).toBe(false);
      expect(fast.text).toBe((await body({ ...req, offset: 700, limit: 50 }, 'sorted', false)).text);
    }
  });

  it('depends on the rows being in key order: over rows that are not, the pages differ', async () => {
    // Why the site checks the manifest and the row groups before setting keyOrdered.
    const req: SoqlRequest = { where: "precinct = 'SOUTH'", offset: 600, limit: 100 };
    expect((await body(req, 'unsorted', true)).text).not.toBe((await body(req, 'unsorted', false)).text);
  });
});
