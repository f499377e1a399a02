// The changelog counts of a dataset against the release now serving: rows added, changed (any
// published value, NULLs included) and removed, and columns added or removed.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetChanges } from '../../publisher/changes.ts';
import type { ColumnManifest, DatasetManifest } from '../../publisher/manifest.ts';
import { tempDir } from '../helpers/pipeline.ts';

const col = (name: string, type: ColumnManifest['type'] = 'text'): ColumnManifest => ({ name, title: name, type, description: '', rules: [] });
let conn: DuckDBConnection;
let dir: string;

beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  dir = await tempDir('changes');
  await conn.run(`CREATE TABLE old AS SELECT printf('k%03d', i) AS id, i AS n, CASE WHEN i % 2 = 0 THEN 'a' END AS note, 'x' AS gone FROM range(100) r(i)`);
  await conn.run(`COPY old TO '${path.join(dir, 'rows.parquet')}' (FORMAT parquet)`);
  // 3 removed (k097-k099), 5 added, 2 changed values (n of k000, a NULL that became a value in k001).
  await conn.run(`CREATE TABLE now AS SELECT id, n, note, 'new' AS extra FROM old WHERE id < 'k097'
    UNION ALL SELECT printf('k%03d', 200 + i), i, NULL, 'new' FROM range(5) r(i)`);
  await conn.run(`UPDATE now SET n = 1000 WHERE id = 'k000'`);
  await conn.run(`UPDATE now SET note = 'b' WHERE id = 'k001'`);
});

describe('datasetChanges', () => {
  it('counts added, changed and removed rows by key and every shared column', async () => {
    const previous = {
      dir,
      dataset: { columns: [col('id'), col('n', 'integer'), col('note'), col('gone')], files: [{ format: 'parquet', path: 'rows.parquet', bytes: 0, sha256: '' }] } as unknown as DatasetManifest,
    };
    const changes = await datasetChanges(conn, 'now', [col('id'), col('n', 'integer'), col('note'), col('extra')], 'id', previous);
    expect(changes).toEqual({ added: 5, changed: 2, removed: 3, columnsAdded: ['extra'], columnsRemoved: ['gone'], keys: null });
  });

  it('can keep the differing keys, with their kind, in a TEMP table for the part writer', async () => {
    const previous = {
      dir,
      dataset: { columns: [col('id'), col('n', 'integer'), col('note')], files: [{ format: 'parquet', path: 'rows.parquet', bytes: 0, sha256: '' }] } as unknown as DatasetManifest,
    };
    const changes = await datasetChanges(conn, 'now', [col('id'), col('n', 'integer'), col('note')], 'id', previous, 'differing');
    expect(changes).toMatchObject({ added: 5, changed: 2, removed: 3, keys: 'differing' });
    const rows = (await conn.runAndReadAll('SELECT kind, list(k ORDER BY k) AS keys FROM differing GROUP BY kind ORDER BY kind')).getRowObjectsJson();
    expect(rows).toEqual([
      { kind: 'added', keys: ['k200', 'k201', 'k202', 'k203', 'k204'] },
      { kind: 'changed', keys: ['k000', 'k001'] },
      { kind: 'removed', keys: ['k097', 'k098', 'k099'] },
    ]);
  });

  it('counts every row as added for a first release', async () => {
    expect(await datasetChanges(conn, 'now', [col('id')], 'id', null)).toMatchObject({ added: 102, changed: 0, removed: 0 });
  });
});
