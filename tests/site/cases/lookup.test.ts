// I7: the case status lookup answers the public status of a published report, by report number,
// with the lookup key only; unpublished (embargoed, pending, sealed) reports are not found.
import { DuckDBInstance } from '@duckdb/node-api';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseLookupHash } from '../../../publisher/case-lookup.ts';
import { demoDrop, runOnce, tempDir, TEST_KEY } from '../../helpers/pipeline.ts';
import { runApp, type Running } from '../helpers.ts';

let app: Running;
let data: string;
let releaseDir: string;
let source: string;
const q = async (sql: string) => (await (await (await DuckDBInstance.create(':memory:')).connect()).runAndReadAll(sql)).getRowObjectsJson();

beforeAll(async () => {
  source = await demoDrop({ scale: 0.002 });
  data = await tempDir('cases');
  releaseDir = (await runOnce(source, data)).releaseDir;
  app = await runApp(data);
});
afterAll(async () => app?.close());

/** A report number and its published statuses, found through the pseudonym key (test only). */
async function publishedReport(): Promise<{ report: string; statuses: string[] }> {
  const rows = await q(`SELECT DISTINCT report_number FROM read_csv('${source}/*/rms_offenses.csv', all_varchar = true) ORDER BY 1`);
  const pub = await q(`SELECT report_id, list(DISTINCT case_status ORDER BY case_status) AS s FROM read_parquet('${releaseDir}/datasets/nibr-offs/rows.parquet') GROUP BY 1`);
  const byId = new Map(pub.map((r) => [String(r.report_id), r.s as string[]]));
  for (const { report_number } of rows) {
    const id = createHmac('sha256', Buffer.from(TEST_KEY, 'hex')).update(`report_number\x1f${report_number}`).digest('hex').slice(0, 16);
    if (byId.has(id)) return { report: String(report_number), statuses: byId.get(id)! };
  }
  throw new Error('no published report');
}

describe('case status lookup', () => {
  it('answers the published status of a report, by its number, in any letter case', async () => {
    const { report, statuses } = await publishedReport();
    const res = await app.get(`/api/cases?report=${encodeURIComponent(` ${report.toLowerCase()} `)}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.statuses).toEqual(statuses);
    expect(Object.keys(body).sort()).toEqual(['report', 'reported', 'statuses']);
    const page = await (await app.get(`/cases?report=${encodeURIComponent(report)}`)).text();
    expect(page).toContain(statuses[0]);
  });

  it('holds, for every published report, its distinct statuses (sorted) and first report day', async () => {
    const key = (await readFile(path.join(data, 'lookup.key'), 'utf8')).trim();
    const reports = await q(`SELECT DISTINCT report_number FROM read_csv('${source}/*/rms_offenses.csv', all_varchar = true)`);
    const pub = await q(`SELECT report_id, list(DISTINCT case_status ORDER BY case_status) AS s, strftime(min(reported_hour), '%Y-%m-%d') AS d
      FROM read_parquet('${releaseDir}/datasets/nibr-offs/rows.parquet') GROUP BY 1`);
    const byId = new Map(pub.map((r) => [String(r.report_id), { statuses: r.s, reported: r.d }]));
    const expected = new Map<string, unknown>();
    for (const { report_number } of reports) {
      const id = createHmac('sha256', Buffer.from(TEST_KEY, 'hex')).update(`report_number\x1f${report_number}`).digest('hex').slice(0, 16);
      if (byId.has(id)) expected.set(caseLookupHash(key, String(report_number)), byId.get(id));
    }
    const rows = await q(`SELECT lookup, statuses, strftime(reported, '%Y-%m-%d') AS reported FROM read_parquet('${releaseDir}/datasets/nibr-offs/case-lookup.parquet')`);
    expect(new Map(rows.map((r) => [String(r.lookup), { statuses: r.statuses, reported: r.reported }]))).toEqual(expected);
    expect(expected.size).toBeGreaterThan(100);
    // Some report holds offenses of more than one status, so the list is not a trivial one.
    expect([...expected.values()].some((v) => (v as { statuses: unknown[] }).statuses.length > 1)).toBe(true);
  });

  it('does not find an unknown or unpublished report, and refuses malformed input', async () => {
    expect((await app.get('/api/cases?report=2099-99999999')).status).toBe(404);
    expect((await app.get(`/api/cases?report=${encodeURIComponent("' OR 1=1 --")}`)).status).toBe(400);
    expect((await app.get('/cases?report=%3Cscript%3E')).status).toBe(400);
  });

  it('the lookup table holds keyed hashes, statuses and days only — no report numbers', async () => {
    const { report } = await publishedReport();
    const key = (await readFile(path.join(data, 'lookup.key'), 'utf8')).trim();
    expect(key).not.toBe(TEST_KEY);
    const rows = await q(`SELECT * FROM read_parquet('${releaseDir}/datasets/nibr-offs/case-lookup.parquet')`);
    expect(Object.keys(rows[0]).sort()).toEqual(['lookup', 'reported', 'statuses']);
    expect(rows.some((r) => r.lookup === caseLookupHash(key, report))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(report);
  });

  it('limits lookups per address', async () => {
    let limited = 0;
    for (let i = 0; i < 40; i++) if ((await app.get(`/api/cases?report=2099-${String(i).padStart(8, '0')}`)).status === 429) limited++;
    expect(limited).toBeGreaterThan(0);
  });
});
