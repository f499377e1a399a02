// Incremental shaping (pipelines/shape.ts): a run after a new batch reshapes only what changed,
// yet publishes byte for byte what a full run over the same records publishes — updates, seals
// and embargoes that lifted in between included. Different rules, or a clock that went back,
// cannot make it publish stale rows.
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { fileHashes } from '../helpers/release-hashes.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCurrentRelease } from '../../publisher/release-reader.ts';
import { copyBatches, demoDrop, RUN_CLOCK, runOnce, tempDir } from '../helpers/pipeline.ts';

/** Two days after the records end: the newest offenses are still under embargo (X5). */
const EARLY_CLOCK = () => new Date('2026-11-02T00:00:00Z');

let drop: string;
let batches: string[];
beforeAll(async () => {
  drop = await demoDrop({ scale: 0.004 });
  batches = (await readdir(drop)).sort();
});

const sourceWith = (dir: string, n: number): Promise<string> => copyBatches(drop, dir, n);

/** "N shaped this run" per dataset slug, from the run's log. */
function shapedCounts(lines: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lines) {
    const m = /^(\S+): \d+ read.*\((\d+) shaped this run\)$/.exec(l);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** The current release of `data` holds byte for byte what one full run over `src` publishes. */
async function expectAsFullRun(src: string, root: string, data: string): Promise<void> {
  const fullData = path.join(root, 'full');
  await runOnce(src, fullData, { full: true });
  expect(await fileHashes(data)).toEqual(await fileHashes(fullData));
}

const messages = (log: { lines: string[] }): string[] => log.lines.map((l) => l.replace(/^info: /, ''));

/** Per dataset of the current release: rows of its Parquet file whose key is not above the one before. */
async function outOfOrder(dataDir: string): Promise<Record<string, number>> {
  const release = (await openCurrentRelease(dataDir))!;
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const out: Record<string, number> = {};
  for (const d of release.manifest.datasets) {
    const file = path.join(release.dir, d.files.find((f) => f.format === 'parquet')!.path);
    const [row] = (await conn.runAndReadAll(`SELECT count(*) AS n FROM (
        SELECT k, lag(k) OVER (ORDER BY rn) AS before FROM (SELECT "${d.rowKey}" AS k, file_row_number AS rn FROM read_parquet('${file}', file_row_number = true)))
      WHERE before >= k`)).getRowObjects();
    out[d.id] = Number(row.n);
  }
  conn.closeSync();
  return out;
}

describe('incremental shaping', () => {
  it.each([
    { layout: 'single files', config: {} },
    { layout: 'parts', config: { bulkParts: { above: 0, rows: 200 } } },
  ])('reshapes only new, changed and withheld rows and publishes what a full run publishes ($layout)', async ({ config }) => {
    expect(batches.length).toBe(2);
    const root = await tempDir('incr');
    const src = await sourceWith(path.join(root, 'src'), 1);
    const data = path.join(root, 'data');
    const first = await runOnce(src, data, { clock: EARLY_CLOCK }, config);
    const total = shapedCounts(messages(first.log));
    await sourceWith(src, 2);
    const second = await runOnce(src, data, {}, config);
    const shaped = shapedCounts(messages(second.log));
    // Every dataset patched the first release instead of publishing every row again (offenses and
    // use of force with X8 run over the partitions their changed rows touch).
    const patched = messages(second.log).filter((l) => / row\(s\) published again, the rest kept from release /.test(l));
    expect(patched.map((l) => l.split(':')[0])).toEqual(['calls-for-service', 'offenses', 'use-of-force']);

    // The reference: one full run over both batches at the second run's clock.
    const fullData = path.join(root, 'full');
    await runOnce(src, fullData, { full: true }, config);
    expect(await fileHashes(data)).toEqual(await fileHashes(fullData));
    // The run report counts the same rows, rule touches and k-anonymity (a patched dataset counts from its state).
    const counts = async (dir: string) => (await openCurrentRelease(dir))!.manifest.datasets.map((d) =>
      [d.id, d.rowCount, d.report.published, d.report.touchedByRule, d.report.kAnonymity]);
    expect(await counts(data)).toEqual(await counts(fullData));
    // Every Parquet file is in strict row-key order (some tables come out of the rules sorted,
    // others are sorted by the writer; parts are cut on that order).
    expect(await outOfOrder(data)).toEqual({ 'c911-call': 0, 'nibr-offs': 0, 'uofx-frce': 0 });
    // ...and the manifest says so, which lets the API find pages by position.
    expect((await openCurrentRelease(data))!.manifest.datasets.map((d) => d.sortedByRowKey)).toEqual([true, true, true]);
    if ('bulkParts' in config) {
      // The second release kept some parts of the first one and wrote others again.
      const parts = (await openCurrentRelease(data))!.manifest.datasets.find((d) => d.id === 'c911-call')!.files.find((f) => f.format === 'csv')!.parts!;
      const kept = parts.filter((p) => p.path.includes(first.releaseId));
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThan(parts.length);
    }

    const reports = (await openCurrentRelease(data))!.manifest.datasets;
    const offenses = reports.find((d) => d.id === 'nibr-offs')!;
    expect(offenses.report.withheldByRule.X6).toBeGreaterThan(0);
    for (const slug of ['calls-for-service', 'offenses', 'use-of-force']) {
      expect(total[slug], slug).toBeGreaterThan(0);
      expect(shaped[slug], slug).toBeGreaterThan(0);
      expect(shaped[slug], `${slug}: reshaped ${shaped[slug]} of ${total[slug]}`).toBeLessThan(total[slug] / 2);
    }
  });

  /**
   * Plants a second batch: 30 new calls at the busiest address, 0.01° north-east of it, which moves
   * its block's mean by more than one 0.002° grid cell, and so the point of every call on the block.
   */
  async function plantBusyBlock(src: string): Promise<{ address: string; calls: number }> {
    const first = path.join(src, batches[0], 'cad_events.csv');
    await mkdir(path.join(src, batches[1]), { recursive: true });
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    await conn.run(`CREATE TABLE c AS SELECT * FROM read_csv('${first}', all_varchar = true)`);
    const [busiest] = (await conn.runAndReadAll(`SELECT address, count(*) AS n FROM c GROUP BY address ORDER BY n DESC, address LIMIT 1`)).getRowObjects();
    await conn.run(`COPY (SELECT c.* REPLACE (c.event_id || '-B' || i AS event_id, CAST(CAST(c.latitude AS DOUBLE) + 0.01 AS VARCHAR) AS latitude,
        CAST(CAST(c.longitude AS DOUBLE) + 0.01 AS VARCHAR) AS longitude, '2026-11-13T00:00:00Z' AS updated_at)
      FROM (SELECT * FROM c WHERE address = '${String(busiest.address)}' AND record_status = (SELECT mode(record_status) FROM c) LIMIT 1) c, range(30) r(i))
      TO '${path.join(src, batches[1], 'cad_events.csv')}' (HEADER true)`);
    conn.closeSync();
    return { address: String(busiest.address), calls: Number(busiest.n) };
  }

  const publishedAgain = (lines: string[]): number => Number(/^calls-for-service: (\d+) row\(s\) published again/m.exec(lines.join('\n'))?.[1]);

  it('publishes again the rows of a block whose point moved (C3), as a full run does', async () => {
    const root = await tempDir('incr-block');
    const src = await sourceWith(path.join(root, 'src'), 1);
    const data = path.join(root, 'data');
    await runOnce(src, data);
    const busiest = await plantBusyBlock(src);
    const second = messages((await runOnce(src, data)).log);
    const again = publishedAgain(second);
    // Shaped: the 30 new calls (calls have no rule that reads the clock, so no withheld call is shaped again).
    const shaped = shapedCounts(second)['calls-for-service'];
    expect(shaped).toBeGreaterThanOrEqual(30);
    expect(shaped).toBeLessThan(40);
    expect(again, 'the new calls and the calls already on the block').toBeGreaterThanOrEqual(shaped + busiest.calls - 5);
    expect(again).toBeLessThan(shaped + 100);
    await expectAsFullRun(src, root, data);
  });

  it('publishes again the rows of the block calls moved away from, as a full run does', async () => {
    const root = await tempDir('incr-block-left');
    const src = await sourceWith(path.join(root, 'src'), 1);
    const data = path.join(root, 'data');
    await runOnce(src, data);
    const busiest = await plantBusyBlock(src);
    await runOnce(src, data);
    // A third batch moves the 30 planted calls to the quietest address: the busiest block's point
    // moves back, though no call shaped this run is on that block any more.
    const third = path.join(src, '20991231T000000Z');
    await mkdir(third, { recursive: true });
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    await conn.run(`CREATE TABLE c AS SELECT * FROM read_csv('${path.join(src, batches[0], 'cad_events.csv')}', all_varchar = true)`);
    await conn.run(`COPY (SELECT p.* REPLACE (q.address AS address, q.latitude AS latitude, q.longitude AS longitude, '2026-11-14T00:00:00Z' AS updated_at)
      FROM read_csv('${path.join(src, batches[1], 'cad_events.csv')}', all_varchar = true) p,
        (SELECT address, any_value(latitude) AS latitude, any_value(longitude) AS longitude FROM c WHERE address IS NOT NULL
         GROUP BY address ORDER BY count(*), address LIMIT 1) q) TO '${path.join(third, 'cad_events.csv')}' (HEADER true)`);
    conn.closeSync();
    const log = messages((await runOnce(src, data)).log);
    expect(shapedCounts(log)['calls-for-service']).toBeLessThan(40);
    expect(publishedAgain(log), 'the moved calls and the calls left on the block').toBeGreaterThanOrEqual(30 + busiest.calls - 5);
    await expectAsFullRun(src, root, data);
  });

  it('a run that died after shaping leaves its rows to the next run, which publishes what a full run does', async () => {
    const root = await tempDir('incr-died');
    const src = await sourceWith(path.join(root, 'src'), 1);
    const data = path.join(root, 'data');
    const first = await runOnce(src, data);
    await sourceWith(src, 2);
    await plantBusyBlock(src);
    // The second run shapes the new batch, then fails merging it (the serving Parquet file is gone).
    const serving = path.join(first.releaseDir, 'datasets', 'c911-call', 'rows.parquet');
    await rename(serving, `${serving}.away`);
    await expect(runOnce(src, data)).rejects.toThrow();
    await rename(`${serving}.away`, serving);
    // The third run has nothing new to load, yet must publish the second batch's rows.
    const third = messages((await runOnce(src, data)).log);
    expect(publishedAgain(third)).toBeGreaterThan(30);
    await expectAsFullRun(src, root, data);
  });

  it('reshapes everything when the rules differ from the ones the rows were shaped with', async () => {
    const root = await tempDir('incr-rules');
    const src = await sourceWith(path.join(root, 'src'), 2);
    const data = path.join(root, 'data');
    const first = shapedCounts(messages((await runOnce(src, data)).log));
    // Without C2 the block address is not generalized (X3 off, or the scan would rightly block it):
    // every row must be shaped again, and again when C2 is back.
    const second = shapedCounts(messages((await runOnce(src, data, { disabledRules: ['C2', 'C4', 'X3'] })).log));
    expect(second['calls-for-service']).toBe(first['calls-for-service']);
    const third = shapedCounts(messages((await runOnce(src, data)).log));
    expect(third['calls-for-service']).toBe(first['calls-for-service']);
    const fourth = shapedCounts(messages((await runOnce(src, data)).log));
    expect(fourth['calls-for-service']).toBeLessThan(first['calls-for-service'] / 2);
  });

  it('shapes again only the rows withheld by a rule that reads the clock (X5), not sealed ones (X6)', async () => {
    const root = await tempDir('incr-withheld');
    const src = await sourceWith(path.join(root, 'src'), 1);
    const data = path.join(root, 'data');
    await runOnce(src, data, { clock: EARLY_CLOCK });
    const withheld = Object.fromEntries((await openCurrentRelease(data))!.manifest.datasets.map((d) => [d.id, d.report.withheldByRule]));
    // Nothing new to load: the next run shapes the offenses under embargo and nothing else.
    const again = shapedCounts(messages((await runOnce(src, data, { clock: EARLY_CLOCK })).log));
    expect(withheld['c911-call'].X6).toBeGreaterThan(0);
    expect(withheld['nibr-offs'].X5).toBeGreaterThan(0);
    expect(again).toEqual({ 'calls-for-service': 0, offenses: withheld['nibr-offs'].X5, 'use-of-force': 0 });
  });

  it('still picks up a new batch when the clock went back between runs', async () => {
    const root = await tempDir('incr-clock');
    const src = await sourceWith(path.join(root, 'src'), 1);
    const data = path.join(root, 'data');
    await runOnce(src, data);
    await sourceWith(src, 2);
    await runOnce(src, data, { clock: () => new Date(RUN_CLOCK().getTime() - 86_400_000) });
    const fullData = path.join(root, 'full');
    await runOnce(src, fullData, { full: true });
    const [incremental, full] = [await fileHashes(data), await fileHashes(fullData)];
    // Calls for service have no time-dependent rule, so the two agree exactly.
    const calls = (h: Record<string, string>) => Object.entries(h).filter(([p]) => p.includes('c911-call'));
    expect(calls(incremental)).toEqual(calls(full));
    expect(calls(incremental).length).toBe(3);
  });

  it('removes a published table an earlier version left in the staging file, publishing the same', async () => {
    const root = await tempDir('incr-upgrade');
    const src = await sourceWith(path.join(root, 'src'), 2);
    const data = path.join(root, 'data');
    const before = await fileHashes((await runOnce(src, data), data));
    const db = await DuckDBInstance.create(path.join(data, 'staging', 'staging.duckdb'));
    const conn = await db.connect();
    await conn.run(`CREATE TABLE pub_c911_call AS SELECT 'stale' AS event_id`);
    conn.closeSync();
    db.closeSync();
    await runOnce(src, data);
    expect(await fileHashes(data)).toEqual(before);
    const after = await (await DuckDBInstance.create(path.join(data, 'staging', 'staging.duckdb'))).connect();
    const left = await after.runAndReadAll(`SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE 'pub_%'`);
    expect(Number(left.getRowObjects()[0].n), 'published tables left in the staging file').toBe(0);
    after.closeSync();
  });
});
