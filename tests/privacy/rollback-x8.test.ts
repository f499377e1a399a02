// X8 (k-anonymity) when a retained release serves again: `publisher rollback` removes rows sealed
// since it was published, and a sealed victim can leave four classmates alike in beat, day and
// victim; served like that, the four are a class below k. Sealing runs X8 again over what the
// release keeps, in every format it serves (single files and parts), and leaves the release as it
// was, unserved, if a class that carries values would still be below k.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readdirSync } from 'node:fs';
import { cp, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDatasets } from '../../datasets/load.ts';
import { sha256File } from '../../publisher/files.ts';
import type { FileManifest } from '../../publisher/manifest.ts';
import { openCurrentRelease } from '../../publisher/release-reader.ts';
import { loadSealList } from '../../publisher/seal-list.ts';
import { sealRelease, type SealPost } from '../../publisher/sealing.ts';
import { rollback } from '../../pipelines/rollback.ts';
import { loadCatalog } from '../../rules/catalog.ts';
import { postProcessSteps } from '../../rules/compile.ts';
import { readBulk } from '../helpers/bulk.ts';
import { demoDrop, runOnce, tempDir } from '../helpers/pipeline.ts';
import { plantClassOfFive, plantedRows, plantedRowsSql, type Planted } from '../helpers/x8-plant.ts';

let drop: string;
let conn: DuckDBConnection;
beforeAll(async () => {
  drop = await demoDrop({ scale: 0.004 });
  conn = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => conn.closeSync());

const carries = (r: Record<string, unknown>, p: Planted) => r.victim_age_band === p.ageBand && r.victim_sex === p.sex && r.victim_race === p.race;

/** The offenses of the current release as served in `format`, as a DuckDB relation (a temp copy of the bulk file). */
async function served(dataDir: string, format: FileManifest['format']): Promise<string> {
  const release = (await openCurrentRelease(dataDir))!;
  const file = release.manifest.datasets.find((d) => d.id === 'nibr-offs')!.files.find((f) => f.format === format)!;
  if (format === 'parquet') return `read_parquet('${path.join(release.dir, file.path)}')`;
  const copy = path.join(await tempDir('rollback-x8-served'), `offenses.${format}`);
  await writeFile(copy, await readBulk(release.dir, file));
  return format === 'csv' ? `read_csv('${copy}', all_varchar = true)` : `read_json('${copy}', format = 'array')`;
}

/** The smallest class, over the X8 quasi-identifiers, among rows that still carry a victim value. */
async function smallestCarryingClass(from: string): Promise<number | null> {
  const [row] = (await conn.runAndReadAll(`SELECT min(n) AS k FROM (SELECT count(*) AS n FROM ${from}
    WHERE coalesce(victim_age_band <> 'REDACTED', FALSE) OR coalesce(victim_sex <> 'REDACTED', FALSE) OR coalesce(victim_race <> 'REDACTED', FALSE)
    GROUP BY beat, CAST(occurred_hour AS DATE), victim_age_band, victim_sex, victim_race)`)).getRowObjects();
  return row.k === null ? null : Number(row.k);
}

/** SHA-256 of every file under a release directory, by relative path. */
async function treeHashes(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
  return Object.fromEntries(await Promise.all(files.map(async (f) => [f, await sha256File(path.join(dir, f))] as const)));
}

/** X8 of each dataset with its statements left out: it checks classes but suppresses nothing. */
async function checkOnlyPosts(): Promise<Map<string, (table: string) => SealPost[]>> {
  const catalog = await loadCatalog();
  return new Map((await loadDatasets()).map(({ def }) => [def.id, (table: string) => postProcessSteps(def, catalog, table)
    .map(({ rule, sql }) => ({ rule, k: sql.k, partition: sql.partition, statements: [], minKSql: sql.minKSql }))]));
}

describe.each([
  { layout: 'single files', config: {} },
  { layout: 'parts', config: { bulkParts: { above: 0, rows: 50 } } },
])('X8 in a release rolled back to, $layout', ({ config }) => {
  let p: Planted;
  let data: string;
  let first: { releaseId: string; releaseDir: string };
  let before: Awaited<ReturnType<typeof plantedRows>>;
  beforeAll(async () => {
    const root = await tempDir('rollback-x8');
    const src = path.join(root, 'src');
    const later = path.join(root, 'later');
    p = await plantClassOfFive(drop, src, later);
    // The later batch seals a call too: calls are sealed before offenses, so a refusal must undo them.
    const [b1] = (await readdir(src)).sort();
    await conn.run(`COPY (SELECT * REPLACE ('SEALED' AS record_status, '2026-11-13T00:00:00Z' AS updated_at)
        FROM read_csv('${path.join(src, b1, 'cad_events.csv')}', all_varchar = true) WHERE record_status = 'ACTIVE' ORDER BY event_id LIMIT 1)
      TO '${path.join(later, 'cad_events.csv')}' (HEADER true)`);
    data = path.join(root, 'data');
    first = await runOnce(src, data, {}, config);
    before = await plantedRows(conn, data, p);
    await cp(later, path.join(src, '20991231T000000Z'), { recursive: true });
    await runOnce(src, data, { clock: () => new Date('2026-11-15T00:00:00Z') }, config);
  });

  it('refuses, changing nothing, a release in which a class carrying values would stay below k', async () => {
    const hashes = await treeHashes(first.releaseDir);
    const posts = await checkOnlyPosts();
    // While the pass runs, its marker tells a later run to look for what a death would leave.
    const markers: string[][] = [];
    const watched = (post: ((table: string) => SealPost[]) | undefined) => post && ((table: string) => {
      markers.push(readdirSync(first.releaseDir).filter((n) => n.startsWith('.sealing-')));
      return post(table);
    });
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      const list = (await loadSealList(c, data)).map((s) => ({ ...s, post: watched(posts.get(s.datasetId)) ?? null }));
      await expect(sealRelease(c, first.releaseDir, list)).rejects.toThrow(/nibr-offs in release .*a class of 4 row\(s\) still carries values that X8 protects \(k = 5\)/);
    } finally {
      c.closeSync();
    }
    expect(await treeHashes(first.releaseDir)).toEqual(hashes);
    expect(markers.length).toBeGreaterThan(0);
    for (const m of markers) expect(m).toEqual([`.sealing-${process.pid}`]);
  });

  it('suppresses the classmates of a victim sealed since, in every format, before it serves', async () => {
    expect(before.rows.length, 'the five are published, alike').toBe(5);
    for (const r of before.rows) expect(carries(r, p)).toBe(true);
    const result = await rollback(data, first.releaseId);
    expect(result.to).toBe(first.releaseId);
    expect(result.sealed).toEqual({ 'c911-call': 1, 'nibr-offs': 1 });

    for (const format of ['parquet', 'csv', 'json'] as const) {
      const from = await served(data, format);
      const rows = (await conn.runAndReadAll(plantedRowsSql(from, p))).getRowObjects();
      expect(rows.length, format).toBe(4);
      for (const r of rows) expect(carries(r, p), `${format}: a class of four keeps none of its values`).toBe(false);
      expect((await smallestCarryingClass(from)) ?? Infinity, format).toBeGreaterThanOrEqual(5);
    }
    const after = await plantedRows(conn, data, p);
    expect(after.report.k ?? Infinity).toBeGreaterThanOrEqual(5);
    expect(after.report.rowsBelowK).toBeGreaterThanOrEqual(before.report.rowsBelowK + 4);
  });
});
