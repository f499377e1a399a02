// inPartitionsSql (pipelines/pub-state.ts): a patch evaluates windows over the rows whose
// partition is one its changed rows were or are in. NULL is a partition of its own there (PARTITION
// BY groups NULLs together), so the match must take NULL for NULL, on every partition column, as
// IS NOT DISTINCT FROM does; checked against that predicate, on one and on two columns.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { inPartitionsSql } from '../../pipelines/pub-state.ts';

let conn: DuckDBConnection;

beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run(`CREATE TABLE t AS SELECT * FROM (VALUES (1, 'x', 'a'), (2, 'x', NULL), (3, NULL, 'a'), (4, NULL, NULL),
    (5, 'y', 'a'), (6, 'y', NULL), (7, 'x', 'b')) v(id, g, h)`);
  await conn.run(`CREATE TABLE one AS SELECT * FROM (VALUES ('x'), (NULL)) v(g)`);
  await conn.run(`CREATE TABLE two AS SELECT * FROM (VALUES ('x', NULL), (NULL, NULL), ('y', 'a')) v(g, h)`);
});

const ids = async (where: string) =>
  (await conn.runAndReadAll(`SELECT id FROM t WHERE ${where} ORDER BY id`)).getRows().map(([id]) => Number(id));

describe('inPartitionsSql', () => {
  it('matches a one-column partition as IS NOT DISTINCT FROM does, NULL included', async () => {
    const got = await ids(inPartitionsSql(['g'], 'one'));
    expect(got).toEqual(await ids('EXISTS (SELECT 1 FROM one p WHERE p.g IS NOT DISTINCT FROM t.g)'));
    expect(got).toEqual([1, 2, 3, 4, 7]);
  });

  it('matches a two-column partition on both columns, NULL for NULL in each', async () => {
    const got = await ids(inPartitionsSql(['g', 'h'], 'two'));
    expect(got).toEqual(await ids('EXISTS (SELECT 1 FROM two p WHERE p.g IS NOT DISTINCT FROM t.g AND p.h IS NOT DISTINCT FROM t.h)'));
    expect(got).toEqual([2, 4, 5]);
  });
});
