// The changelog counts of a dataset against the release now serving: rows added, changed (any
// published value, NULLs included) and removed, and columns added or removed; in monthly parts,
// only over the months written again.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetChanges } from '../../publisher/changes.ts';
import { rm } from 'node:fs/promises';
import { exportDataset } from '../../publisher/export.ts';
import type { ColumnManifest, DatasetManifest, FileManifest } from '../../publisher/manifest.ts';
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
    const changes = await datasetChanges(conn, { table: 'now', columns: [col('id'), col('n', 'integer'), col('note'), col('extra')], rowKey: 'id', timeColumn: 'n', files: [] }, previous);
    expect(changes).toEqual({ added: 5, changed: 2, removed: 3, columnsAdded: ['extra'], columnsRemoved: ['gone'] });
  });

  it('counts every row as added for a first release', async () => {
    expect(await datasetChanges(conn, { table: 'now', columns: [col('id')], rowKey: 'id', timeColumn: 'id', files: [] }, null)).toMatchObject({ added: 102, changed: 0, removed: 0 });
  });

  it('in monthly parts, compares only the months written again (a kept month is not even read)', async () => {
    const columns = [col('id'), col('at', 'timestamp'), col('n', 'integer')];
    await conn.run(`CREATE TABLE m_old AS SELECT printf('k%03d', i) AS id, TIMESTAMP '2025-01-01' + to_days(i) AS at, i AS n FROM range(90) r(i)`);
    const write = async (table: string, name: string, previous: { dir: string; files: FileManifest[] } | null) => {
      const out = await tempDir(`changes-${name}`);
      const files = await exportDataset(conn, table, columns, { timeColumn: 'at', rowKey: 'id' }, out, out, { layout: { above: 0 }, rows: 90, prefix: name, previous });
      return { dir: out, files };
    };
    const a = await write('m_old', 'a', null);
    // February only: one changed, one removed, one added.
    await conn.run(`CREATE TABLE m_new AS SELECT * FROM m_old WHERE id <> 'k040' UNION ALL SELECT 'k500', TIMESTAMP '2025-02-20', 1`);
    await conn.run(`UPDATE m_new SET n = -1 WHERE id = 'k035'`);
    const b = await write('m_new', 'b', a);
    const kept = b.files.find((f) => f.format === 'parquet')!.parts!.filter((p) => p.path.includes('/a-'));
    expect(kept.map((p) => p.month)).toEqual(['2025-01', '2025-03']);
    for (const p of kept) await rm(path.join(a.dir, p.path));
    const previous = { dir: a.dir, dataset: { rowKey: 'id', columns, files: a.files } as unknown as DatasetManifest };
    expect(await datasetChanges(conn, { table: 'm_new', columns, rowKey: 'id', timeColumn: 'at', files: b.files }, previous))
      .toEqual({ added: 1, changed: 1, removed: 1, columnsAdded: [], columnsRemoved: [] });
  });
});
