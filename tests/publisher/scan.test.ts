// X3, the scan gate, on its own: each pattern, source-value n-grams, allowlisted contact
// address, bulk values reported by CSV line, files and pages by byte offset.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scanRelease } from '../../publisher/scan.ts';
import { jsPatterns } from '../../publisher/scan-patterns.ts';
import { tempDir } from '../helpers/pipeline.ts';

let conn: DuckDBConnection;
let dir: string;

beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run(`CREATE TABLE terms AS SELECT * FROM (VALUES ('KYLE SANDOVAL'), ('S23299'), ('2026 00412345')) t(term)`);
  await conn.run(`CREATE TABLE pub AS SELECT * FROM (VALUES ('a1', '12XX BLOCK OF 5TH AVE'), ('a2', '5TH AVE / PINE ST'), ('a3', 'THEFT')) t(id, block)`);
  dir = await tempDir('scan');
  await mkdir(path.join(dir, 'datasets', 'x'), { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), '{"contact": "opendata@city.example"}\n');
});

const scan = (extra: { name: string; text: string }[] = [], table = 'pub') =>
  scanRelease(conn, { releaseDir: dir, termsTable: 'terms', datasets: [{ id: 'x', table, rowKey: 'id', textColumns: ['block'] }], extra, allow: ['opendata@city.example'] });

describe('scanRelease', () => {
  it('passes a clean release, with the contact address allowed', async () => {
    const r = await scan();
    expect(r.hits).toEqual([]);
    expect(r.passed).toBe(true);
  });

  it.each([
    ['ssn', 'ref 123-45-6789'],
    ['phone', 'call (206) 555-0143 now'],
    ['phone', '206.555.0143'],
    ['email', 'mail jane.doe@example.org'],
    ['date of birth', 'DOB: 03/14/1988'],
    ['exact address', 'at 1234 5TH AVE tonight'],
    ['exact address', '45 N PINE ST'],
    ['licence plate', 'VEH PLATE ABC1234 BLK'],
    ['source value', 'seen with Kyle  Sandoval'],
    ['source value', 'unit s23299'],
  ])('finds %s in a page: %s', async (kind, text) => {
    const r = await scan([{ name: 'page /x', text: `<p>ok</p>\n<p>${text}</p>` }]);
    expect(r.passed).toBe(false);
    expect(r.hits).toContainEqual({ artifact: 'page /x', offset: 'byte 10', kind });
  });

  it('does not flag block addresses, intersections, single names or dates', () => {
    for (const text of ['12XX BLOCK OF 5TH AVE', '5TH AVE / PINE ST', 'KYLE', '2026-07-04T13:00:00', 'priority 1 to 9']) {
      for (const { kind, re } of jsPatterns()) expect(re.test(text), `${kind}: ${text}`).toBe(false);
    }
  });

  it("skips the lines of the manifest's part lists, and scans any other line inside them", async () => {
    const release = await tempDir('scan-parts');
    const part = (n: number, extra: Record<string, string> = {}) => ({
      path: `datasets/x/parts/r-${n}.csv`, bytes: 10 + n, sha256: 'ab'.repeat(32), rows: 500, first: `k${n}`, fingerprint: '500:1:0', ...extra,
    });
    const write = (parts: object[]) => writeFile(path.join(release, 'manifest.json'),
      JSON.stringify({ releaseId: 'r', datasets: [{ id: 'x', files: [{ format: 'csv', bytes: 1, parts }, { format: 'json', bytes: 2, parts }] }] }, null, 2));
    const run = () => scanRelease(conn, { releaseDir: release, termsTable: 'terms', datasets: [{ id: 'x', table: 'pub', rowKey: 'id', textColumns: ['block'] }] });
    await write([part(0), part(1)]);
    const two = await run();
    await write(Array.from({ length: 50 }, (_, n) => part(n)));
    const fifty = await run();
    expect(two.passed && fifty.passed).toBe(true);
    expect(fifty.units, 'part lines are not scan units').toBe(two.units);
    await write([part(0), part(1, { note: 'KYLE SANDOVAL' })]);
    const planted = await run();
    expect(planted.hits.map((h) => [h.artifact, h.kind])).toEqual([['manifest.json', 'source value'], ['manifest.json', 'source value']]);
  });

  it('reports a bulk value by the CSV line of its first occurrence', async () => {
    await conn.run(`CREATE TABLE leaky AS SELECT * FROM (VALUES ('a1', 'THEFT'), ('a2', '1234 5TH AVE'), ('a3', '1234 5TH AVE')) t(id, block)`);
    const r = await scan([], 'leaky');
    expect(r.hits).toEqual([{ artifact: 'datasets/x/rows.{csv,json,parquet}', offset: 'rows.csv line 3, column block', kind: 'exact address' }]);
  });
});
