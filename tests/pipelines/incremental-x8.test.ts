// X8 (k-anonymity) in a patched release (pipelines/post-state.ts): a run republishes every row of
// the beat-days its changed offenses touch and runs X8 over them, so a seal that leaves four
// victims alike in a beat and day suppresses the four, which no change of their own names, exactly
// as a full run does. Without that, the patch would serve a class of four: below k, a leak.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { cp, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCurrentRelease } from '../../publisher/release-reader.ts';
import { demoDrop, runOnce, tempDir } from '../helpers/pipeline.ts';
import { fileHashes } from '../helpers/release-hashes.ts';

let drop: string;
beforeAll(async () => {
  drop = await demoDrop({ scale: 0.004 });
});

interface Planted { nibrs: string; beat: string; ageBand: string; sex: string; race: string }

/**
 * Source folder: the demo's first batch with four copies of one published, non-sensitive offense
 * (new offense ids, same report, time, place and victim), so their class holds exactly five; and
 * a second batch, in folder `later`, that seals the original.
 */
async function plantClassOfFive(src: string, later: string): Promise<Planted> {
  const [first] = (await readdir(drop)).sort();
  await cp(path.join(drop, first), path.join(src, first), { recursive: true });
  const csv = path.join(src, first, 'rms_offenses.csv');
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run(`CREATE TABLE o AS SELECT * FROM read_csv('${csv}', all_varchar = true)`);
  // Approved, active, old enough for the embargo (X5), not redacted by I2, a victim of full age.
  await conn.run(`CREATE TABLE r AS SELECT * FROM o WHERE approval_status = 'APPROVED' AND record_status = 'ACTIVE'
      AND crime_against = 'PROPERTY' AND domestic_violence = 'false' AND CAST(victim_age AS INTEGER) BETWEEN 18 AND 29
      AND victim_sex IN ('F', 'M') AND victim_race IS NOT NULL AND reported_at < '2026-09-01'
    ORDER BY offense_id LIMIT 1`);
  await conn.run(`COPY (SELECT * FROM o UNION ALL SELECT r.* REPLACE (r.offense_id || '-K' || i AS offense_id) FROM r, range(4) t(i))
    TO '${csv}' (HEADER true)`);
  await mkdir(later, { recursive: true });
  await conn.run(`COPY (SELECT r.* REPLACE ('SEALED' AS record_status, '2026-11-13T00:00:00Z' AS updated_at) FROM r)
    TO '${path.join(later, 'rms_offenses.csv')}' (HEADER true)`);
  const [row] = (await conn.runAndReadAll('SELECT nibrs_code, beat, victim_sex, victim_race FROM r')).getRowObjects();
  conn.closeSync();
  if (!row) throw new Error('the demo drop has no offense to plant a class with');
  return { nibrs: String(row.nibrs_code), beat: String(row.beat), ageBand: '18-29', sex: String(row.victim_sex), race: String(row.victim_race) };
}

/** The planted rows in the current release: offenses of the planted report (its pseudonym shared by the five). */
async function plantedRows(conn: DuckDBConnection, dataDir: string, p: Planted) {
  const release = (await openCurrentRelease(dataDir))!;
  const d = release.manifest.datasets.find((x) => x.id === 'nibr-offs')!;
  const file = path.join(release.dir, d.files.find((f) => f.format === 'parquet')!.path);
  const rows = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${file}') WHERE report_id IN (
      SELECT report_id FROM read_parquet('${file}') WHERE nibrs_code = '${p.nibrs}' AND beat = '${p.beat}'
      GROUP BY report_id, occurred_hour HAVING count(*) >= 4) ORDER BY offense_id`)).getRowObjects();
  return { rows, report: d.report.kAnonymity! };
}

describe('X8 in a patched release', () => {
  it('suppresses the classmates a sealed offense leaves below k, as a full run does', async () => {
    const root = await tempDir('incr-x8');
    const src = path.join(root, 'src');
    const later = path.join(root, 'later');
    const p = await plantClassOfFive(src, later);
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
