// X8 (k-anonymity) in a patched release (pipelines/post-state.ts): a run republishes every row of
// the beat-days its changed offenses touch and runs X8 over them, so a seal that leaves four
// victims alike in a beat and day suppresses the four, which no change of their own names, exactly
// as a full run does. Without that, the patch would serve a class of four: below k, a leak.
import { DuckDBInstance } from '@duckdb/node-api';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoDrop, runOnce, tempDir } from '../helpers/pipeline.ts';
import { fileHashes } from '../helpers/release-hashes.ts';
import { plantClassOfFive, plantedRows } from '../helpers/x8-plant.ts';

let drop: string;
beforeAll(async () => {
  drop = await demoDrop({ scale: 0.004 });
});

describe('X8 in a patched release', () => {
  it('suppresses the classmates a sealed offense leaves below k, as a full run does', async () => {
    const root = await tempDir('incr-x8');
    const src = path.join(root, 'src');
    const later = path.join(root, 'later');
    const p = await plantClassOfFive(drop, src, later);
    const data = path.join(root, 'data');
    await runOnce(src, data);
    const conn = await (await DuckDBInstance.create(':memory:')).connect();

    // Release 1: the five share every quasi-identifier, so X8 leaves them whole.
    const before = await plantedRows(conn, data, p);
    expect(before.rows.length).toBe(5);
    for (const r of before.rows) expect([r.victim_age_band, r.victim_sex, r.victim_race]).toEqual([p.ageBand, p.sex, p.race]);
    expect(before.report.k).toBeGreaterThanOrEqual(5);

    // Release 2, patched: the seal names only the original, yet the other four are in a class of four.
    await cp(later, path.join(src, '20991231T000000Z'), { recursive: true });
    const second = (await runOnce(src, data)).log.lines.join('\n');
    const again = Number(/offenses: (\d+) row\(s\) published again, the rest kept from release/.exec(second)?.[1]);
    expect(again, 'the sealed offense and its four classmates at least').toBeGreaterThanOrEqual(5);
    const after = await plantedRows(conn, data, p);
    expect(after.rows.length).toBe(4);
    for (const r of after.rows) {
      expect([r.victim_age_band, r.victim_sex, r.victim_race], 'a class of four keeps none of its values').not.toEqual([p.ageBand, p.sex, p.race]);
    }
    // No class that still carries victim values is below k (null: at this scale none carries any).
    expect(after.report.k ?? Infinity).toBeGreaterThanOrEqual(5);
    expect(after.report.rowsBelowK).toBeGreaterThan(before.report.rowsBelowK);
    conn.closeSync();

    // And byte for byte what one full run over both batches publishes.
    const fullData = path.join(root, 'full');
    await runOnce(src, fullData, { full: true });
    expect(await fileHashes(data)).toEqual(await fileHashes(fullData));
  });
});
