// Planning parts from the changed keys (what the changelog found) must choose exactly the ranges,
// pieces and fingerprints that hashing every row chooses, and must fall back to hashing when the
// keys it is given do not add up. Seeded random edits over a chain of releases.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { datasetChanges } from '../../publisher/changes.ts';
import { exportDataset, exportSteps } from '../../publisher/export.ts';
import type { ColumnManifest, DatasetManifest, FileManifest } from '../../publisher/manifest.ts';
import { dropPlanTables, planPieces, type PlanInput } from '../../publisher/parts-plan.ts';
import { literal } from '../../rules/sql.ts';
import { readBulk } from '../helpers/bulk.ts';
import { tempDir } from '../helpers/pipeline.ts';

const COLUMNS: ColumnManifest[] = [
  { name: 'id', title: 'Id', type: 'text', description: '', rules: [] },
  { name: 'note', title: 'Note', type: 'text', description: '', rules: [] },
  { name: 'n', title: 'N', type: 'number', description: '', rules: [] },
];
const LAYOUT = { above: 0, rows: 50 };

let conn: DuckDBConnection;

beforeEach(async () => {
  conn = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  await conn.run(`CREATE TABLE pub AS SELECT printf('k%05d', i * 10) AS id, CASE WHEN i % 7 = 0 THEN 'two
lines' ELSE 'note ' || i END AS note, i / 3 AS n FROM range(1, 1001) r(i) ORDER BY hash(i)`);
});

/** A seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function writeRelease(name: string, previous: { dir: string; files: FileManifest[] } | null, changes: string | null) {
  const dir = await tempDir(`plan-${name}`);
  const datasetDir = path.join(dir, 'datasets', 'abcd-1234');
  await mkdir(datasetDir, { recursive: true });
  const rows = Number((await conn.runAndReadAll('SELECT count(*) FROM pub')).getRows()[0][0]);
  const files = await exportDataset(conn, 'pub', COLUMNS, 'id', dir, datasetDir, { layout: LAYOUT, rows, prefix: name, previous, changes });
  return { dir, files };
}

/** The plan both ways for table `pub` against `previous`; the changed keys come from the changelog. */
async function plansAgainst(previous: { dir: string; files: FileManifest[] }, keys: string | null = '__keys') {
  const dir = await tempDir('plan-now');
  const [parquet] = exportSteps('pub', COLUMNS, 'id', dir);
  await conn.run(parquet.sql);
  const dataset = { columns: COLUMNS, files: previous.files } as DatasetManifest;
  if (keys === '__keys') await datasetChanges(conn, 'pub', COLUMNS, 'id', { dir: previous.dir, dataset }, '__keys');
  const src = `read_parquet(${literal(parquet.file)}, file_row_number = true)`;
  const csv = previous.files.find((f) => f.format === 'csv')!;
  const json = previous.files.find((f) => f.format === 'json')!;
  const input: PlanInput = { conn, columns: COLUMNS, rowKey: 'id', layout: LAYOUT, previous: { dir: previous.dir, csv, json } };
  const summary = (p: Awaited<ReturnType<typeof planPieces>>) => ({ how: p.how, pieces: p.pieces, keep: [...p.keep].sort((a, b) => a - b) });
  const byChanges = summary(await planPieces({ ...input, changes: keys }, src));
  await conn.run(dropPlanTables);
  const byFingerprints = summary(await planPieces(input, src));
  await conn.run(dropPlanTables);
  return { byChanges, byFingerprints };
}

/** Random updates, deletions and insertions (keys inside ranges, before the first and past the last). */
async function edit(next: () => number, round: number): Promise<void> {
  const ids = (await conn.runAndReadAll('SELECT id FROM pub ORDER BY id')).getRowObjects().map((r) => String(r.id));
  const pick = () => ids[Math.floor(next() * ids.length)];
  const updates = Array.from({ length: 1 + Math.floor(next() * 4) }, pick);
  const deletes = Array.from({ length: Math.floor(next() * 4) }, pick);
  // Now and then many keys into one range, so that it grows past twice the part size and is cut.
  const crowd = next() < 0.3 ? pick() : null;
  const inserts = [
    ...Array.from({ length: Math.floor(next() * 6) }, (_, j) => `k${String(Math.floor(next() * 10_100)).padStart(5, '0')}-${round}-${j}`),
    ...(crowd ? Array.from({ length: 120 }, (_, j) => `${crowd}-${round}-${String(j).padStart(3, '0')}`) : []),
  ];
  if (next() < 0.3) inserts.push(`a-before-all-${round}`);
  await conn.run(`UPDATE pub SET n = n + 1000 WHERE id IN (${updates.map(literal).join(', ')})`);
  if (deletes.length) await conn.run(`DELETE FROM pub WHERE id IN (${deletes.map(literal).join(', ')})`);
  for (const id of inserts) await conn.run(`INSERT INTO pub VALUES (${literal(id)}, 'new', ${round})`);
}

describe('planning parts from changed keys', () => {
  it('chooses the same ranges, pieces and fingerprints as hashing every row, over ten seeded releases', async () => {
    const next = random(20261203);
    let previous = await writeRelease('r0', null, null);
    let cut = 0;
    for (let round = 1; round <= 10; round++) {
      await edit(next, round);
      const { byChanges, byFingerprints } = await plansAgainst(previous);
      expect(byChanges.how).toBe('changes');
      expect(byFingerprints.how).toBe('fingerprints');
      expect(byChanges.pieces.length).toBeGreaterThan(0);
      expect(byChanges.keep.length).toBeGreaterThan(0);
      expect({ ...byChanges, how: '' }).toEqual({ ...byFingerprints, how: '' });
      cut += byChanges.pieces.filter((p) => p.piece % 1_000_000 > 0).length;
      // The release written with the changed keys is the whole file, byte for byte.
      await datasetChanges(conn, 'pub', COLUMNS, 'id', { dir: previous.dir, dataset: { columns: COLUMNS, files: previous.files } as DatasetManifest }, '__keys');
      const release = await writeRelease(`r${round}`, previous, '__keys');
      const whole = await tempDir('plan-whole');
      const wholeFiles = await exportDataset(conn, 'pub', COLUMNS, 'id', whole, whole);
      for (const format of ['csv', 'json'] as const) {
        const inParts = await readBulk(release.dir, release.files.find((f) => f.format === format)!);
        const single = await readFile(path.join(whole, wholeFiles.find((f) => f.format === format)!.path));
        if (format === 'csv') expect(inParts.equals(single)).toBe(true);
        else expect(JSON.parse(inParts.toString('utf8'))).toEqual(JSON.parse(single.toString('utf8')));
      }
      previous = release;
    }
    // Some range grew past twice the part size and was cut in pieces.
    expect(cut).toBeGreaterThan(0);
  });

  it('rewrites the range that now opens the file when every range before it emptied', async () => {
    const previous = await writeRelease('r0', null, null);
    await conn.run(`DELETE FROM pub WHERE id < 'k01010'`); // the first two ranges of 50 rows
    const { byChanges, byFingerprints } = await plansAgainst(previous);
    expect(byChanges.how).toBe('changes');
    expect(byChanges.pieces.map((p) => p.piece)).toEqual([2_000_000]);
    expect({ ...byChanges, how: '' }).toEqual({ ...byFingerprints, how: '' });
  });

  it('falls back to hashing every row when the changed keys leave a change out', async () => {
    const previous = await writeRelease('r0', null, null);
    await conn.run(`UPDATE pub SET n = -1 WHERE id IN ('k00050', 'k07770')`);
    await conn.run(`INSERT INTO pub VALUES ('k03335', 'new', 1)`);
    // Told only of the update: the insertion shifts every later range by one row, which the check finds.
    await conn.run(`CREATE OR REPLACE TEMP TABLE __partial AS SELECT 'k00050' AS k, 'changed' AS kind`);
    const { byChanges, byFingerprints } = await plansAgainst(previous, '__partial');
    expect(byChanges.how).toBe('fingerprints');
    expect(byChanges).toEqual(byFingerprints);
    expect(byFingerprints.pieces.map((p) => Math.floor(p.piece / 1_000_000))).toEqual([0, 6, 15]);
  });

  it('falls back when the changed keys add up to the right count but name the wrong ranges', async () => {
    const previous = await writeRelease('r0', null, null);
    await conn.run(`DELETE FROM pub WHERE id = 'k00100'`);
    await conn.run(`INSERT INTO pub VALUES ('k03335', 'new', 1)`);
    // The insertion is named, the deletion is placed in range 17 instead of range 0: range 6 is
    // then planned one row too late, and holds the first key of range 7.
    await conn.run(`CREATE OR REPLACE TEMP TABLE __wrong AS SELECT * FROM (VALUES ('k03335', 'added'), ('k09000', 'removed')) t(k, kind)`);
    const { byChanges, byFingerprints } = await plansAgainst(previous, '__wrong');
    expect(byChanges.how).toBe('fingerprints');
    expect(byChanges).toEqual(byFingerprints);
    expect(byFingerprints.pieces.map((p) => Math.floor(p.piece / 1_000_000))).toEqual([0, 6]);
  });
});
