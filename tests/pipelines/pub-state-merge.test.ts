// writeMerged (pipelines/merge.ts): a patched release's Parquet file is the serving file minus
// dropped keys plus republished rows, in key order: by key ranges joined without a sort, or sorted
// by position (at several strides of its placement's coarse key index). Checked
// against a plain ORDER BY on the key, with new keys before the first, after the last, several
// between the same two serving rows, replacing serving rows, and dropped without replacement; and
// for seeded random days.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeMerged, type MergeOptions } from '../../pipelines/merge.ts';
import { concatParquet } from '../../publisher/parquet-concat.ts';
import { tempDir } from '../helpers/pipeline.ts';

let instance: DuckDBInstance;
let conn: DuckDBConnection;
let dir: string;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  dir = await tempDir('merge');
  // Serving rows: keys k010, k020, ..., k990 (in key order), in row groups of 16.
  await writeInGroups(`SELECT 'k' || lpad(CAST(i * 10 AS VARCHAR), 3, '0') AS id, i AS v FROM range(1, 100) t(i)`, 16, path.join(dir, 'serving.parquet'));
});

/** Writes the rows of `sql` ordered by id into `file` in row groups of `size` rows (DuckDB's own start at 2,048). */
async function writeInGroups(sql: string, size: number, file: string): Promise<void> {
  const n = Number((await conn.runAndReadAll(`SELECT count(*) FROM (${sql})`)).getRows()[0][0]);
  const pieces: string[] = [];
  for (let i = 0; i * size < n; i++) {
    pieces.push(`${file}.${i}`);
    await conn.run(`COPY (SELECT * FROM (${sql}) ORDER BY id LIMIT ${size} OFFSET ${i * size}) TO '${pieces[i]}' (FORMAT parquet)`);
  }
  await concatParquet(pieces, file);
  expect(Number((await conn.runAndReadAll(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata('${file}')`)).getRows()[0][0])).toBe(pieces.length);
}

const rowsOf = async (file: string) => (await conn.runAndReadAll(`SELECT id, v FROM read_parquet('${file}')`)).getRows().map(([id, v]) => `${id}:${v}`);

const ways: { name: string; opts: MergeOptions; took: string }[] = [
  { name: 'by ranges', opts: { strategy: 'ranges' }, took: 'ranges' },
  { name: 'by ranges, side by side', opts: { strategy: 'ranges', connect: () => instance.connect() }, took: 'ranges' },
  { name: 'auto', opts: {}, took: 'ranges' },
  ...[1, 2, 3, 64].map((stride) => ({ name: `sorted, stride ${stride}`, opts: { strategy: 'sorted' as const, stride }, took: 'sorted' })),
];

describe.each(ways)('writeMerged, $name', ({ name, opts, took }) => {
  const tag = name.replace(/\W+/g, '-');
  it('gives the file an ORDER BY on the key gives', async () => {
    const serving = path.join(dir, 'serving.parquet');
    // New keys: before all (k000, k001), after all (k999), three between k500 and k510, one
    // replacing k300 (changed value); k700 and k710 dropped without replacement.
    await conn.run(`CREATE OR REPLACE TEMP TABLE delta AS SELECT * FROM (VALUES ('k000', -1), ('k001', -2), ('k999', -3),
      ('k505', -4), ('k501', -5), ('k509', -6), ('k300', -7)) t(id, v)`);
    await conn.run(`CREATE OR REPLACE TEMP TABLE dropped AS SELECT * FROM (VALUES ('k300'), ('k700'), ('k710')) t(k)`);
    const out = path.join(dir, `merged-${tag}.parquet`);
    expect(await writeMerged(conn, serving, 'dropped', 'delta', 'id', ['id', 'v'], out, opts)).toBe(took);
    const expected = (await conn.runAndReadAll(`SELECT id, v FROM (SELECT * FROM read_parquet('${serving}') WHERE id NOT IN (SELECT k FROM dropped)
      UNION ALL SELECT * FROM delta) ORDER BY id`)).getRows().map(([id, v]) => `${id}:${v}`);
    const got = await rowsOf(out);
    expect(got).toEqual(expected);
    expect(got.slice(0, 3)).toEqual(['k000:-1', 'k001:-2', 'k010:1']);
    expect(got).toContain('k300:-7');
    expect(got).not.toContain('k700:70');
    expect(got.at(-1)).toBe('k999:-3');
    // The work tables are gone.
    expect((await conn.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '\\_pub\\_%' ESCAPE '\\'`)).getRows()[0][0]).toBe(0n);
  });

  it.each([11, 29, 47])('places a random day (seed %i) as an ORDER BY on the key does', async (seed) => {
    let x = seed;
    const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const key = () => Math.floor(next() * 1e6).toString(16).padStart(5, '0');
    const serving = path.join(dir, `serving-${seed}.parquet`);
    const keys = [...new Set(Array.from({ length: 600 }, key))].sort();
    await writeInGroups(`SELECT unnest(${JSON.stringify(keys).replace(/"/g, "'")}) AS id, 0 AS v`, 50, serving);
    // About 80 replaced, 80 new (some between the same two serving keys, some beyond either end), 40 dropped.
    const replaced = keys.filter(() => next() < 0.13);
    const added = Array.from({ length: 80 }, () => (next() < 0.05 ? 'z' : next() < 0.05 ? '/' : '') + key()).filter((k) => !keys.includes(k));
    const dropped = keys.filter((k) => !replaced.includes(k) && next() < 0.07);
    const values = [...new Set([...replaced, ...added])].map((k, i) => `('${k}', ${i + 1})`).join(', ');
    await conn.run(`CREATE OR REPLACE TEMP TABLE delta AS SELECT * FROM (VALUES ${values}) t(id, v)`);
    await conn.run(`CREATE OR REPLACE TEMP TABLE dropped AS SELECT * FROM (VALUES ${[...replaced, ...dropped].map((k) => `('${k}')`).join(', ')}) t(k)`);
    const out = path.join(dir, `merged-${seed}-${tag}.parquet`);
    expect(await writeMerged(conn, serving, 'dropped', 'delta', 'id', ['id', 'v'], out, opts)).toBe(took);
    const expected = (await conn.runAndReadAll(`SELECT id, v FROM (SELECT * FROM read_parquet('${serving}') WHERE id NOT IN (SELECT k FROM dropped)
      UNION ALL SELECT * FROM delta) ORDER BY id`)).getRows().map(([id, v]) => `${id}:${v}`);
    expect(expected.length).toBeGreaterThan(500);
    expect(await rowsOf(out)).toEqual(expected);
  });
});
