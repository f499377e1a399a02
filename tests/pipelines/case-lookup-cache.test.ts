// The case lookup (I7, pipelines/case-lookup.ts) from the shaped table and a cache of lookup
// hashes in staging: a later run publishes the lookup a full run would, hashes only case numbers it
// has not seen, and starts the cache over when the lookup key changes.
import { DuckDBInstance } from '@duckdb/node-api';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCurrentRelease } from '../../publisher/release-reader.ts';
import { copyBatches, demoDrop, runOnce, tempDir, TEST_KEY } from '../helpers/pipeline.ts';

const KEY_A = 'a1'.repeat(32);
const KEY_B = 'b2'.repeat(32);
const env = (lookup: string) => ({ PUBLISHER_KEY: TEST_KEY, CASE_LOOKUP_KEY: lookup });

let drop: string;
beforeAll(async () => {
  drop = await demoDrop({ scale: 0.004 });
});

const sourceWith = (dir: string, n: number): Promise<string> => copyBatches(drop, dir, n);

/** The offenses' lookup rows in the current release, in lookup order. */
async function lookupRows(dataDir: string): Promise<unknown[]> {
  const release = (await openCurrentRelease(dataDir))!;
  const d = release.manifest.datasets.find((x) => x.id === 'nibr-offs')!;
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const rows = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${path.join(release.dir, d.caseLookup!.path)}') ORDER BY lookup`)).getRowObjectsJson();
  conn.closeSync();
  return rows;
}

/** Runs SQL on the data directory's staging file (no run may hold it). */
async function onStaging<T>(dataDir: string, fn: (run: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(path.join(dataDir, 'staging', 'staging.duckdb'));
  const conn = await db.connect();
  try {
    return await fn(async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[]);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe('case lookup from the cache', () => {
  it('publishes what a full run does, reusing the cache, and starts it over under a new key', async () => {
    const root = await tempDir('lookup-cache');
    const src = await sourceWith(path.join(root, 'src'), 1);
    const data = path.join(root, 'data');
    await runOnce(src, data, { env: env(KEY_A) });
    const first = await lookupRows(data);
    expect(first.length).toBeGreaterThan(10);
    // A row the next run cannot have made: kept if the cache is reused, never published (no such case).
    await onStaging(data, (run) => run(`INSERT INTO _case_hash_nibr_offs VALUES ('NO-SUCH-CASE', 'ffffffffffffffffffffffff')`));

    await sourceWith(src, 2);
    await runOnce(src, data, { env: env(KEY_A) });
    const full = path.join(root, 'full');
    await runOnce(src, full, { full: true, env: env(KEY_A) });
    expect(await lookupRows(data)).toEqual(await lookupRows(full));
    expect(await onStaging(data, (run) => run(`SELECT count(*) AS n FROM _case_hash_nibr_offs WHERE raw = 'NO-SUCH-CASE'`))).toEqual([{ n: '1' }]);

    // A new lookup key: every hash made again with it, the planted row gone.
    await runOnce(src, data, { env: env(KEY_B) });
    const fullB = path.join(root, 'full-b');
    await runOnce(src, fullB, { full: true, env: env(KEY_B) });
    const underB = await lookupRows(data);
    expect(underB).toEqual(await lookupRows(fullB));
    expect(underB).not.toEqual(await lookupRows(full));
    expect(await onStaging(data, (run) => run(`SELECT count(*) AS n FROM _case_hash_nibr_offs WHERE raw = 'NO-SUCH-CASE'`))).toEqual([{ n: '0' }]);
  });
});
