// Monthly parts: CSV and JSON joined in order are byte for byte the whole files a single-file
// export writes (CSV) or the same rows (JSON), Parquet parts hold the same rows; a second release
// rewrites only the months whose rows changed and hard-links the rest; a scoped rewrite (sealing a
// retained release) touches only its months.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { exportDataset } from '../../publisher/export.ts';
import { writeParts } from '../../publisher/parts.ts';
import type { ColumnManifest, FileManifest } from '../../publisher/manifest.ts';
import { tempDir } from '../helpers/pipeline.ts';
import { readBulk } from '../helpers/bulk.ts';

const COLUMNS: ColumnManifest[] = [
  { name: 'id', title: 'Id', type: 'text', description: '', rules: [] },
  { name: 'at', title: 'At', type: 'timestamp', description: '', rules: [] },
  { name: 'note', title: 'Note', type: 'text', description: '', rules: [] },
  { name: 'n', title: 'N', type: 'number', description: '', rules: [] },
];
const LAYOUT = { above: 0 };
const ORDER = { timeColumn: 'at', rowKey: 'id' };

let conn: DuckDBConnection;

beforeEach(async () => {
  conn = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  // 2,000 rows over 14 months (every 97th undated), keys k00010, k00020, ... in hash order, so lost ordering shows.
  await conn.run(`CREATE TABLE pub AS SELECT printf('k%05d', i * 10) AS id,
      CASE WHEN i % 97 = 0 THEN NULL ELSE TIMESTAMP '2024-01-01 00:00:00' + to_hours(i * 5) END AS at,
      CASE i % 8 WHEN 0 THEN '=cmd' WHEN 1 THEN 'a, "quoted" note' WHEN 2 THEN NULL WHEN 3 THEN '' WHEN 4 THEN '#tag'
        WHEN 5 THEN 'ünïcödé ' || chr(9) || 'tab' WHEN 6 THEN 'cr' || chr(13) ELSE 'line
break' END AS note, CASE WHEN i % 9 = 0 THEN NULL ELSE i / 4 END AS n
    FROM range(1, 2001) r(i) ORDER BY hash(i)`);
});

/** Writes one release of table `pub` into a fresh directory, in parts (or whole when `parts` is false). */
async function release(name: string, previous: { dir: string; files: FileManifest[] } | null, parts = true, columns = COLUMNS) {
  const dir = await tempDir(`parts-${name}`);
  const datasetDir = path.join(dir, 'datasets', 'abcd-1234');
  await mkdir(datasetDir, { recursive: true });
  const rows = Number((await conn.runAndReadAll('SELECT count(*) FROM pub')).getRows()[0][0]);
  const files = await exportDataset(conn, 'pub', columns, ORDER, dir, datasetDir, parts ? { layout: LAYOUT, rows, prefix: name, previous } : undefined);
  return { dir, datasetDir, files, file: (format: string) => files.find((f) => f.format === format)! };
}

const inode = async (file: string) => (await stat(file)).ino;
const months = (f: FileManifest) => f.parts!.map((p) => p.month);
const list = (dir: string, f: FileManifest) => `[${f.parts!.map((p) => `'${path.join(dir, p.path)}'`).join(', ')}]`;
/** The rows of Parquet files, sorted, as text (to compare parts with a whole file). */
const parquetRows = async (files: string) =>
  (await conn.runAndReadAll(`SELECT * FROM read_parquet(${files}) ORDER BY id`)).getRowObjectsJson();

describe('bulk files in monthly parts', () => {
  it('joined in order, the parts are the whole CSV byte for byte and the same JSON and Parquet rows; each part hash is its bytes', async () => {
    const whole = await release('whole', null, false);
    const inParts = await release('first', null);
    const csv = inParts.file('csv');
    const expected = [...Array.from({ length: 12 }, (_, m) => `2024-${String(m + 1).padStart(2, '0')}`), '2025-01', '2025-02', 'undated'];
    for (const format of ['csv', 'json', 'parquet']) expect(months(inParts.file(format))).toEqual(expected);
    expect(csv.sha256).toBeUndefined();
    expect((await readBulk(inParts.dir, csv)).equals(await readFile(path.join(whole.dir, whole.file('csv').path)))).toBe(true);
    expect(csv.bytes).toBe((await readFile(path.join(whole.dir, whole.file('csv').path))).length);
    const json = JSON.parse((await readBulk(inParts.dir, inParts.file('json'))).toString('utf8'));
    expect(json).toEqual(JSON.parse(await readFile(path.join(whole.dir, whole.file('json').path), 'utf8')));
    expect(json).toHaveLength(2000);
    expect(inParts.file('json').bytes).toBe((await readBulk(inParts.dir, inParts.file('json'))).length);
    expect(await parquetRows(list(inParts.dir, inParts.file('parquet')))).toEqual(await parquetRows(`'${path.join(whole.dir, whole.file('parquet').path)}'`));
    for (const format of ['csv', 'json', 'parquet']) {
      expect(inParts.file(format).parts!.reduce((a, p) => a + p.rows, 0)).toBe(2000);
      for (const p of inParts.file(format).parts!) {
        const bytes = await readFile(path.join(inParts.dir, p.path));
        expect(p.bytes).toBe(bytes.length);
        expect(p.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      }
    }
  });

  it('a second release rewrites only the months whose rows changed and hard-links the others', async () => {
    const first = await release('first', null);
    // Change a row of 2024-03, remove one of 2024-07, add one in a new month and one undated.
    await conn.run(`UPDATE pub SET n = -1 WHERE id = (SELECT min(id) FROM pub WHERE strftime("at", '%Y-%m') = '2024-03')`);
    await conn.run(`DELETE FROM pub WHERE id = (SELECT min(id) FROM pub WHERE strftime("at", '%Y-%m') = '2024-07')`);
    await conn.run(`INSERT INTO pub SELECT 'k05555', TIMESTAMP '2026-01-01', 'new', 1 UNION ALL SELECT 'k99999', NULL, 'undated', 2`);
    const second = await release('second', { dir: first.dir, files: first.files });
    const whole = await release('whole', null, false);
    for (const format of ['csv', 'json', 'parquet'] as const) {
      const before = first.file(format).parts!;
      const after = second.file(format).parts!;
      expect(after.filter((p) => p.path.includes('second-')).map((p) => p.month)).toEqual(['2024-03', '2024-07', '2026-01', 'undated']);
      for (const p of after.filter((x) => !x.path.includes('second-'))) {
        const old = before.find((b) => b.month === p.month)!;
        expect(p).toEqual(old);
        expect(await inode(path.join(second.dir, p.path))).toBe(await inode(path.join(first.dir, old.path)));
      }
    }
    expect((await readBulk(second.dir, second.file('csv'))).equals(await readFile(path.join(whole.dir, whole.file('csv').path)))).toBe(true);
    expect(JSON.parse((await readBulk(second.dir, second.file('json'))).toString('utf8')))
      .toEqual(JSON.parse(await readFile(path.join(whole.dir, whole.file('json').path), 'utf8')));
    expect(await parquetRows(list(second.dir, second.file('parquet')))).toEqual(await parquetRows(`'${path.join(whole.dir, whole.file('parquet').path)}'`));
  });

  it('keeps the JSON valid when the first month empties, without rewriting the month that now opens the file', async () => {
    const first = await release('first', null);
    await conn.run(`DELETE FROM pub WHERE strftime("at", '%Y-%m') = '2024-01'`);
    const second = await release('second', { dir: first.dir, files: first.files });
    const json = second.file('json');
    const rows = JSON.parse((await readBulk(second.dir, json)).toString('utf8')) as { at: string }[];
    expect(rows).toHaveLength(Number((await conn.runAndReadAll('SELECT count(*) FROM pub')).getRows()[0][0]));
    expect(rows[0].at.startsWith('2024-02')).toBe(true);
    expect(months(json)[0]).toBe('2024-02');
    expect(json.parts!.every((p) => p.path.includes('first-'))).toBe(true);
  });

  it('writes every part again when the columns change', async () => {
    const first = await release('first', null);
    const second = await exportDataset(conn, 'pub', COLUMNS.slice(0, 3), ORDER, first.dir, first.datasetDir, {
      layout: LAYOUT, rows: 2000, prefix: 'narrow', previous: { dir: first.dir, files: first.files },
    });
    const csv = second.find((f) => f.format === 'csv')!;
    expect(csv.parts!.every((p) => p.path.includes('narrow-'))).toBe(true);
    expect((await readBulk(first.dir, csv)).toString('utf8').split('\n')[0]).toBe('id,at,note');
  });

  it('writes single files at or below the threshold', async () => {
    const dir = await tempDir('parts-small');
    const files = await exportDataset(conn, 'pub', COLUMNS, ORDER, dir, dir, { layout: { above: 2000 }, rows: 2000, prefix: 'x', previous: null });
    expect(files.every((f) => !f.parts && f.sha256)).toBe(true);
  });

  it('a scoped rewrite (sealing) writes only its months, and refuses rows outside them', async () => {
    const first = await release('first', null);
    await conn.run(`CREATE TABLE scoped AS SELECT * FROM pub WHERE strftime("at", '%Y-%m') = '2024-05' AND id <> (SELECT min(id) FROM pub WHERE strftime("at", '%Y-%m') = '2024-05')`);
    const common = { conn, columns: COLUMNS, rowKey: 'id', timeColumn: 'at', releaseDir: first.dir, datasetDir: first.datasetDir, previous: { dir: first.dir, files: first.files } };
    const out = await writeParts({ ...common, table: 'scoped', prefix: 'sealed', scope: ['2024-05'] });
    expect(out.written).toEqual(['2024-05']);
    for (const format of ['csv', 'json', 'parquet']) {
      const f = out.files.find((x) => x.format === format)!;
      expect(months(f)).toEqual(months(first.file(format)));
      expect(f.parts!.filter((p) => p.path.includes('sealed-')).map((p) => p.month)).toEqual(['2024-05']);
      expect(f.parts!.reduce((a, p) => a + p.rows, 0)).toBe(1999);
    }
    expect(JSON.parse((await readBulk(first.dir, out.files.find((f) => f.format === 'json')!)).toString('utf8'))).toHaveLength(1999);
    await expect(writeParts({ ...common, table: 'pub', prefix: 'wrong', scope: ['2024-05'] })).rejects.toThrow(/outside the months/);
  });
});
