// Bulk exports on their own: all three files in row-key order (the table is sorted once, into the
// Parquet file, and CSV/JSON are copied from it), formula cells guarded in CSV only, and the
// manifest entries (size, SHA-256) describing the bytes on disk.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportDataset } from '../../publisher/export.ts';
import type { ColumnManifest } from '../../publisher/manifest.ts';
import { tempDir } from '../helpers/pipeline.ts';

const COLUMNS: ColumnManifest[] = [
  { name: 'id', title: 'Id', type: 'text', description: '', rules: [] },
  { name: 'at', title: 'At', type: 'timestamp', description: '', rules: [] },
  { name: 'note', title: 'Note', type: 'text', description: '', rules: [] },
  { name: 'n', title: 'N', type: 'integer', description: '', rules: [] },
];
const ROWS = 300_000;

let conn: DuckDBConnection;
let dir: string;

beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  // Keys in hash order, so a writer that forgot to sort (or lost the order) shows.
  await conn.run(`CREATE TABLE pub AS SELECT
      printf('k%07d', i) AS id,
      TIMESTAMP '2025-01-01 00:00:00' + to_minutes(i) AS at,
      CASE i % 4 WHEN 0 THEN '=HYPERLINK(1)' WHEN 1 THEN '-5 units' WHEN 2 THEN '@x' ELSE 'plain' END AS note,
      i AS n
    FROM range(${ROWS}) r(i) ORDER BY hash(i)`);
  dir = await tempDir('export');
});

describe('exportDataset', () => {
  it('writes Parquet, CSV and JSON in row-key order, with hashes of the bytes on disk', async () => {
    const files = await exportDataset(conn, 'pub', COLUMNS, 'id', dir, dir);
    expect(files.map((f) => f.format)).toEqual(['parquet', 'csv', 'json']);
    for (const f of files) {
      const bytes = await readFile(path.join(dir, f.path));
      expect(f.bytes).toBe(bytes.length);
      expect(f.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    const csv = (await readFile(path.join(dir, 'rows.csv'), 'utf8')).trimEnd().split('\n');
    expect(csv[0]).toBe('id,at,note,n');
    expect(csv.length).toBe(ROWS + 1);
    const ids = csv.slice(1).map((l) => l.split(',')[0]);
    expect(ids).toEqual([...ids].sort());
    expect(csv[1]).toBe(`k0000000,2025-01-01T00:00:00,'=HYPERLINK(1),0`);
    expect(csv[2]).toBe(`k0000001,2025-01-01T00:01:00,'-5 units,1`);
    expect(csv[4]).toBe(`k0000003,2025-01-01T00:03:00,plain,3`);

    const json = JSON.parse(await readFile(path.join(dir, 'rows.json'), 'utf8')) as { id: string; note: string; at: string }[];
    expect(json.map((r) => r.id)).toEqual(ids);
    expect(json[0]).toMatchObject({ id: 'k0000000', note: '=HYPERLINK(1)', at: '2025-01-01T00:00:00.000' });

    const parquet = (await conn.runAndReadAll(`SELECT id FROM read_parquet('${path.join(dir, 'rows.parquet')}')`)).getRows().map((r) => r[0]);
    expect(parquet).toEqual(ids);
  });
});
