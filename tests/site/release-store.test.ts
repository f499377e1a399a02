// The per-release cache: views are created once per release and dropped when the release is
// replaced (after the last request holding it ends); a view pages by position only over rows
// stored in key order.
import { DuckDBInstance } from '@duckdb/node-api';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SiteDb } from '../../site/db.ts';
import { ReleaseStore } from '../../site/release-store.ts';
import { CALLS_ID, buildLargeRelease } from './api/fixture-large.ts';
import { INCIDENTS_ID, buildRelease, makeDataDir, pointCurrent } from './fixture-release.ts';

const LARGE_ROW_GROUP = 2048;
let dataDir: string;
let db: SiteDb;

beforeAll(async () => {
  dataDir = await makeDataDir();
  await buildRelease(dataDir, { releaseId: 'a1', incidentRows: 20 });
  await buildRelease(dataDir, { releaseId: 'b2', incidentRows: 30 });
  db = await SiteDb.create(path.join(dataDir, 'releases'));
});

afterAll(async () => {
  db?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const views = () =>
  db.withConnection(async (c) =>
    (await c.runAndReadAll('SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1')).getRows().map((r) => r[0]),
  );

it('caches per release id and drops the old release once unused', async () => {
  const store = new ReleaseStore(dataDir, db);
  await pointCurrent(dataDir, 'a1');
  const a = (await store.acquire())!;
  const ds = a.datasets.get(INCIDENTS_ID)!;
  expect(await a.view(ds)).toBe(await a.view(ds));
  expect(await a.svg(ds, 'by-month')).toBe(await a.svg(ds, 'by-month'));
  expect(await views()).toEqual([`r_a1_${INCIDENTS_ID}`]);

  await pointCurrent(dataDir, 'b2');
  const b = (await store.acquire())!;
  expect(b.id).toBe('b2');
  await b.view(b.datasets.get(INCIDENTS_ID)!);
  expect(a.stale).toBe(true);
  // a1 is still held by an in-flight request: its view must survive until released
  expect(await db.page(await a.view(ds), 100, 0)).toContain('occurred_at');
  store.release(a);
  await new Promise((r) => setTimeout(r, 50));
  expect(await views()).toEqual([`r_b2_${INCIDENTS_ID}`]);
  store.release(b);
  await store.close();
  expect(await views()).toEqual([]);
});

it('pages by position only when the manifest says the rows are in key order and the row groups agree', async () => {
  // The large fixture is written in key order and says so; here in three row groups.
  const manifest = await buildLargeRelease(dataDir, 'k1', 3 * LARGE_ROW_GROUP, LARGE_ROW_GROUP);
  const ds = manifest.datasets.find((d) => d.id === CALLS_ID)!;
  const file = path.join(dataDir, 'releases', 'k1', ds.files.find((f) => f.format === 'parquet')!.path);
  expect((await db.createView('k_flag', file, ds)).keyOrdered).toBe(true);
  expect((await db.createView('k_noflag', file, { ...ds, sortedByRowKey: undefined })).keyOrdered).toBe(false);
  // The same rows in another order: the manifest's word is not enough when the row groups' keys overlap.
  const shuffled = path.join(dataDir, 'releases', 'k1', 'shuffled.parquet');
  const other = await DuckDBInstance.create(':memory:');
  const c = await other.connect();
  try {
    await c.run(`COPY (SELECT * FROM read_parquet('${file}') ORDER BY hash(event_id)) TO '${shuffled}' (FORMAT parquet, ROW_GROUP_SIZE ${LARGE_ROW_GROUP})`);
  } finally {
    c.closeSync();
    other.closeSync();
  }
  expect((await db.createView('k_shuffled', shuffled, ds)).keyOrdered).toBe(false);
});
