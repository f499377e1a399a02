// CSV and JSON in parts: joined in order they are byte for byte the whole files a single-file
// export writes (CSV) or the same rows (JSON); a second release re-writes only the parts whose rows
// changed and hard-links the rest; sealing a retained release rewrites only parts with sealed rows.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { exportDataset, type PartsOptions } from '../../publisher/export.ts';
import type { ColumnManifest, FileManifest } from '../../publisher/manifest.ts';
import { tempDir } from '../helpers/pipeline.ts';
import { readBulk } from '../helpers/bulk.ts';

const COLUMNS: ColumnManifest[] = [
  { name: 'id', title: 'Id', type: 'text', description: '', rules: [] },
  { name: 'at', title: 'At', type: 'timestamp', description: '', rules: [] },
  { name: 'note', title: 'Note', type: 'text', description: '', rules: [] },
  { name: 'n', title: 'N', type: 'number', description: '', rules: [] },
];
const LAYOUT = { above: 0, rows: 100 };

let conn: DuckDBConnection;

beforeEach(async () => {
  conn = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  // 2,000 rows with keys k00010, k00020, ... in hash order, so lost ordering shows.
  await conn.run(`CREATE TABLE pub AS SELECT printf('k%05d', i * 10) AS id,
      TIMESTAMP '2025-01-01 00:00:00' + to_minutes(i) AS at,
      CASE i % 8 WHEN 0 THEN '=cmd' WHEN 1 THEN 'a, "quoted" note' WHEN 2 THEN NULL WHEN 3 THEN '' WHEN 4 THEN '#tag'
        WHEN 5 THEN 'ünïcödé ' || chr(9) || 'tab' WHEN 6 THEN 'cr' || chr(13) ELSE 'line
break' END AS note, CASE WHEN i % 9 = 0 THEN NULL ELSE i / 4 END AS n
    FROM range(1, 2001) r(i) ORDER BY hash(i)`);
});

/** Writes one release of table `pub` into a fresh directory, in parts (or whole when `parts` is omitted). */
async function release(name: string, previous: { dir: string; files: FileManifest[] } | null, parts = true) {
  const dir = await tempDir(`parts-${name}`);
  const datasetDir = path.join(dir, 'datasets', 'abcd-1234');
  await mkdir(datasetDir, { recursive: true });
  const rows = Number((await conn.runAndReadAll('SELECT count(*) FROM pub')).getRows()[0][0]);
  const opts: PartsOptions | undefined = parts ? { layout: LAYOUT, rows, prefix: name, previous } : undefined;
  const files = await exportDataset(conn, 'pub', COLUMNS, 'id', dir, datasetDir, opts);
  return { dir, files, file: (format: string) => files.find((f) => f.format === format)! };
}

const inode = async (file: string) => (await stat(file)).ino;

describe('bulk files in parts', () => {
  it('joined in order, the parts are the whole CSV byte for byte and the same JSON rows; each part hash is its bytes', async () => {
    const whole = await release('whole', null, false);
    const inParts = await release('first', null);
    const csv = inParts.file('csv');
    expect(csv.parts).toHaveLength(20);
    expect(csv.sha256).toBeUndefined();
    expect((await readBulk(inParts.dir, csv)).equals(await readFile(path.join(whole.dir, whole.file('csv').path)))).toBe(true);
    expect(csv.bytes).toBe((await readFile(path.join(whole.dir, whole.file('csv').path))).length);
    const json = JSON.parse((await readBulk(inParts.dir, inParts.file('json'))).toString('utf8'));
    expect(json).toEqual(JSON.parse(await readFile(path.join(whole.dir, whole.file('json').path), 'utf8')));
    expect(json).toHaveLength(2000);
    for (const p of [...csv.parts!, ...inParts.file('json').parts!]) {
      const bytes = await readFile(path.join(inParts.dir, p.path));
      expect(p.bytes).toBe(bytes.length);
      expect(p.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(csv.parts!.map((p) => p.first)).toEqual(Array.from({ length: 20 }, (_, i) => `k${String((i * 100 + 1) * 10).padStart(5, '0')}`));
  });

  it('a second release rewrites only the parts whose rows changed and hard-links the others', async () => {
    const first = await release('first', null);
    // Change 2 rows, remove 1, add one key inside a range and one past the end.
    await conn.run(`UPDATE pub SET n = -1 WHERE id IN ('k00050', 'k12340')`);
    await conn.run(`DELETE FROM pub WHERE id = 'k19990'`);
    await conn.run(`INSERT INTO pub SELECT 'k05555', TIMESTAMP '2025-02-01', 'new', 1 UNION ALL SELECT 'k99999', TIMESTAMP '2025-03-01', 'last', 2`);
    const second = await release('second', { dir: first.dir, files: first.files });
    const whole = await release('whole', null, false);
    for (const format of ['csv', 'json'] as const) {
      const before = first.file(format).parts!;
      const after = second.file(format).parts!;
      expect(after).toHaveLength(20);
      const rewritten = after.filter((p) => p.path.includes('second-'));
      // k00050 (part 0), k05555 (part 5), k12340 (part 12), k19990 and k99999 (part 19).
      expect(rewritten.map((p) => after.indexOf(p))).toEqual([0, 5, 12, 19]);
      for (const [i, p] of after.entries()) {
        if (rewritten.includes(p)) continue;
        expect(p).toEqual(before[i]);
        expect(await inode(path.join(second.dir, p.path))).toBe(await inode(path.join(first.dir, before[i].path)));
      }
    }
    expect((await readBulk(second.dir, second.file('csv'))).equals(await readFile(path.join(whole.dir, whole.file('csv').path)))).toBe(true);
    expect(JSON.parse((await readBulk(second.dir, second.file('json'))).toString('utf8')))
      .toEqual(JSON.parse(await readFile(path.join(whole.dir, whole.file('json').path), 'utf8')));
  });

  it('keeps the JSON valid when the first part empties and cuts a range that grew past twice the part size', async () => {
    const first = await release('first', null);
    await conn.run(`DELETE FROM pub WHERE id < 'k01010'`); // all of part 0
    await conn.run(`INSERT INTO pub SELECT printf('k9%05d', i), TIMESTAMP '2025-04-01', 'tail', i FROM range(250) r(i)`);
    const second = await release('second', { dir: first.dir, files: first.files });
    const json = second.file('json');
    const rows = JSON.parse((await readBulk(second.dir, json)).toString('utf8')) as { id: string }[];
    expect(rows).toHaveLength(1900 + 250);
    expect(rows[0].id).toBe('k01010');
    // Part 0 is gone; part 1 now opens the file (rewritten without its comma); the last range
    // (100 + 250 rows) was cut into pieces of 100.
    expect(json.parts!.length).toBe(19 + 3);
    expect(json.parts![0].path).toContain('second-');
    expect(json.parts!.slice(1, 18).every((p) => p.path.includes('first-'))).toBe(true);
    expect(json.parts!.slice(18).map((p) => p.rows)).toEqual([100, 100, 100, 50]);
  });

  it('writes every part again when the columns change', async () => {
    const first = await release('first', null);
    const second = await exportDataset(conn, 'pub', COLUMNS.slice(0, 3), 'id', first.dir, path.join(first.dir, 'datasets', 'abcd-1234'), {
      layout: LAYOUT, rows: 2000, prefix: 'narrow', previous: { dir: first.dir, files: first.files },
    });
    const csv = second.find((f) => f.format === 'csv')!;
    expect(csv.parts!.every((p) => p.path.includes('narrow-'))).toBe(true);
    expect((await readBulk(first.dir, csv)).toString('utf8').split('\n')[0]).toBe('id,at,note');
  });

  it('writes single files at or below the threshold', async () => {
    const dir = await tempDir('parts-small');
    const files = await exportDataset(conn, 'pub', COLUMNS, 'id', dir, dir, { layout: { above: 2000, rows: 100 }, rows: 2000, prefix: 'x', previous: null });
    expect(files.every((f) => !f.parts && f.sha256)).toBe(true);
  });

  it('numbers rewritten pieces past 2^31 (a change in range 2,200 of 2,200 one-row parts)', async () => {
    await conn.run(`CREATE OR REPLACE TABLE pub AS SELECT printf('k%05d', i) AS id, TIMESTAMP '2025-01-01' AS at, 'x' AS note, i AS n FROM range(2200) r(i)`);
    const dir = await tempDir('parts-many');
    const datasetDir = path.join(dir, 'datasets', 'abcd-1234');
    await mkdir(datasetDir, { recursive: true });
    const opts = (prefix: string, previous: PartsOptions['previous']): PartsOptions => ({ layout: { above: 0, rows: 1 }, rows: 2200, prefix, previous });
    const first = await exportDataset(conn, 'pub', COLUMNS, 'id', dir, datasetDir, opts('a', null));
    await conn.run(`UPDATE pub SET n = -1 WHERE id = 'k02199'`);
    const second = await exportDataset(conn, 'pub', COLUMNS, 'id', dir, datasetDir, opts('b', { dir, files: first }));
    const parts = second.find((f) => f.format === 'csv')!.parts!;
    expect(parts).toHaveLength(2200);
    expect(parts.filter((p) => p.path.includes('/b-')).map((p) => p.path)).toEqual(['datasets/abcd-1234/parts/b-2199000000.csv']);
    expect((await readBulk(dir, second.find((f) => f.format === 'csv')!)).toString('utf8').trimEnd().split('\n').at(-1)).toBe('k02199,2025-01-01T00:00:00,x,-1');
  });
});
