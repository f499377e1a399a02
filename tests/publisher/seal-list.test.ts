// The seal list only grows: a key sealed once stays on it after it leaves a later run's list (a
// record gone from the source must not come back at a rollback); it lives outside releases/.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSealList, saveSealList, SEALING_DIR } from '../../publisher/seal-list.ts';
import { tempDir } from '../helpers/pipeline.ts';

let conn: DuckDBConnection;
beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
});

const keysOf = async (table: string) =>
  (await conn.runAndReadAll(`SELECT k FROM ${table} ORDER BY k`)).getRowObjects().map((r) => String(r.k));

describe('seal list', () => {
  it('adds each run\'s sealed keys to the saved ones, and loads them back as tables', async () => {
    const data = await tempDir('seal-list');
    expect(await loadSealList(conn, data)).toEqual([]);
    await conn.run(`CREATE OR REPLACE TEMP TABLE run1 AS SELECT * FROM (VALUES ('b'), ('a'), (NULL)) t(k)`);
    await conn.run(`CREATE OR REPLACE TEMP TABLE run1_lookup AS SELECT * FROM (VALUES ('h1')) t(k)`);
    expect(await saveSealList(conn, data, [{ datasetId: 'abcd-1234', keysTable: 'run1', lookupKeysTable: 'run1_lookup' }])).toEqual({ 'abcd-1234': 2 });
    // The next run no longer sees "a" (the record left the source) but seals "c".
    await conn.run(`CREATE OR REPLACE TEMP TABLE run2 AS SELECT * FROM (VALUES ('c'), ('b')) t(k)`);
    await conn.run(`CREATE OR REPLACE TEMP TABLE run2_lookup AS SELECT 'h2' AS k WHERE false`);
    expect(await saveSealList(conn, data, [{ datasetId: 'abcd-1234', keysTable: 'run2', lookupKeysTable: 'run2_lookup' }])).toEqual({ 'abcd-1234': 3 });

    const [list] = await loadSealList(conn, data);
    expect(list.datasetId).toBe('abcd-1234');
    expect(await keysOf(list.keysTable)).toEqual(['a', 'b', 'c']);
    expect(await keysOf(list.lookupKeysTable!)).toEqual(['h1']);
    expect(((await stat(path.join(data, SEALING_DIR))).mode & 0o777).toString(8)).toBe('700');
  });

  it('keeps the type of the row key (an integer key compares as an integer)', async () => {
    const data = await tempDir('seal-list-int');
    await conn.run(`CREATE OR REPLACE TEMP TABLE ints AS SELECT * FROM (VALUES (7), (3)) t(k)`);
    await saveSealList(conn, data, [{ datasetId: 'wxyz-0001', keysTable: 'ints', lookupKeysTable: null }]);
    const [list] = await loadSealList(conn, data);
    expect(list.lookupKeysTable).toBeNull();
    const [row] = (await conn.runAndReadAll(`SELECT typeof(k) AS t, count(*) AS n FROM ${list.keysTable} GROUP BY 1`)).getRowObjects();
    expect(row).toEqual({ t: 'INTEGER', n: 2n });
  });
});
