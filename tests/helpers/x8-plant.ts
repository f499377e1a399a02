// Test helper for X8 (k-anonymity) across runs: a source folder with a class of exactly five
// offense victims alike in every quasi-identifier, and a later batch that seals one of them, so a
// release that keeps the other four without X8 run again over them serves a class of four.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { openCurrentRelease } from '../../publisher/release-reader.ts';
import { copyBatches } from './pipeline.ts';

export interface Planted { nibrs: string; beat: string; ageBand: string; sex: string; race: string }

/**
 * Source folder `src`: the first batch of demo drop `drop` with four copies of one published,
 * non-sensitive offense (new offense ids, same report, time, place and victim), so their class
 * holds exactly five; and a second batch, in folder `later`, that seals the original.
 */
export async function plantClassOfFive(drop: string, src: string, later: string): Promise<Planted> {
  await copyBatches(drop, src, 1);
  const [first] = await readdir(src);
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

/** SQL over a relation of published offenses: the rows of the planted report (its pseudonym shared by the five). */
export function plantedRowsSql(from: string, p: Planted): string {
  return `SELECT * FROM ${from} WHERE report_id IN (
      SELECT report_id FROM ${from} WHERE nibrs_code = '${p.nibrs}' AND beat = '${p.beat}'
      GROUP BY report_id, occurred_hour HAVING count(*) >= 4) ORDER BY offense_id`;
}

/** The planted rows in the current release's Parquet file, and the release's X8 report. */
export async function plantedRows(conn: DuckDBConnection, dataDir: string, p: Planted) {
  const release = (await openCurrentRelease(dataDir))!;
  const d = release.manifest.datasets.find((x) => x.id === 'nibr-offs')!;
  const file = path.join(release.dir, d.files.find((f) => f.format === 'parquet')!.path);
  const rows = (await conn.runAndReadAll(plantedRowsSql(`read_parquet('${file}')`, p))).getRowObjects();
  return { rows, report: d.report.kAnonymity! };
}
