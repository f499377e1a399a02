// Baseline attack 5 and X6 across releases: records sealed after publication vanish from the
// next release and from every retained one (files and manifests rewritten), so differencing
// consecutive releases cannot tell which records were sealed; only a count is published.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createHmac } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { caseLookupHash } from '../../publisher/case-lookup.ts';
import { sha256File } from '../../publisher/files.ts';
import { readManifest } from '../../publisher/release-reader.ts';
import { demoDrop, runOnce, tempDir, TEST_KEY } from '../helpers/pipeline.ts';

const pseudonym = (ns: string, v: string) => createHmac('sha256', Buffer.from(TEST_KEY, 'hex')).update(`${ns}\x1f${v}`).digest('hex').slice(0, 16);

let conn: DuckDBConnection;
async function keys(releaseDir: string, id: string, column: string): Promise<Set<string>> {
  const rows = (await conn.runAndReadAll(`SELECT ${column} AS k FROM read_parquet('${releaseDir}/datasets/${id}/rows.parquet')`)).getRowObjects();
  return new Set(rows.map((r) => String(r.k)));
}

describe('sealing across releases (attack 5)', () => {
  let first: { releaseId: string; releaseDir: string };
  let second: { releaseId: string; releaseDir: string };
  let sealedCalls: string[];
  let sealedOffenses: string[];
  let presentBefore: boolean;
  let lookupBefore: boolean;
  let source: string;

  beforeAll(async () => {
    conn = await (await DuckDBInstance.create(':memory:')).connect();
    source = await demoDrop({ scale: 0.002 });
    const data = await tempDir('sealing');
    first = await runOnce(source, data);
    const [b1, b2] = ['20261030T020000Z', '20261031T020000Z'].map((b) => path.join(source, b));
    // Rows published in release 1 and untouched by batch 2: seal three of each.
    const pick = async (file: string, key: string) => (await conn.runAndReadAll(
      `SELECT ${key} AS k FROM read_csv('${b1}/${file}', all_varchar = true) WHERE record_status = 'ACTIVE' AND ${key} NOT IN (SELECT ${key} FROM read_csv('${b2}/${file}', all_varchar = true)) ORDER BY ${key} LIMIT 3`,
    )).getRowObjects().map((r) => String(r.k));
    sealedCalls = await pick('cad_events.csv', 'event_id');
    const candidates = await pick('rms_offenses.csv', 'offense_id');
    const published = await keys(first.releaseDir, 'nibr-offs', 'offense_id');
    sealedOffenses = candidates.filter((id) => published.has(pseudonym('offense_id', id)));
    const callsBefore = await keys(first.releaseDir, "c911-call", "event_id");
    presentBefore = sealedCalls.every((id) => callsBefore.has(pseudonym("event_id", id)));

    const lookupKey = (await readFile(path.join(data, 'lookup.key'), 'utf8')).trim();
    const firstLookup = new Set((await conn.runAndReadAll(`SELECT lookup FROM read_parquet('${first.releaseDir}/datasets/nibr-offs/case-lookup.parquet')`)).getRowObjects().map((r) => String(r.lookup)));
    const sealedReports = (await conn.runAndReadAll(`SELECT DISTINCT report_number AS r FROM read_csv('${b1}/rms_offenses.csv', all_varchar = true) WHERE offense_id IN (${sealedOffenses.map((i) => `'${i}'`).join(', ')})`)).getRowObjects();
    lookupBefore = sealedReports.some((r) => firstLookup.has(caseLookupHash(lookupKey, String(r.r))));
    const b3 = path.join(source, '20261101T020000Z');
    await mkdir(b3);
    const seal = (file: string, key: string, ids: string[]) => conn.run(
      `COPY (SELECT * REPLACE ('SEALED' AS record_status, '2026-11-01T01:00:00Z' AS updated_at) FROM read_csv('${b1}/${file}', all_varchar = true)
        WHERE ${key} IN (${ids.map((i) => `'${i}'`).join(', ')})) TO '${b3}/${file}' (HEADER)`,
    );
    await seal('cad_events.csv', 'event_id', sealedCalls);
    await seal('rms_offenses.csv', 'offense_id', sealedOffenses);
    second = await runOnce(source, data, { clock: () => new Date('2026-11-15T12:00:00Z') });
  });

  it('the sealed rows were published before (so this test can fail)', () => {
    expect(sealedCalls).toHaveLength(3);
    expect(sealedOffenses.length).toBeGreaterThan(0);
    expect(presentBefore).toBe(true);
  });

  it('removes sealed rows from the new release and from the retained one', async () => {
    for (const dir of [first.releaseDir, second.releaseDir]) {
      const calls = await keys(dir, 'c911-call', 'event_id');
      const offenses = await keys(dir, 'nibr-offs', 'offense_id');
      for (const id of sealedCalls) expect(calls.has(pseudonym('event_id', id)), `${dir} ${id}`).toBe(false);
      for (const id of sealedOffenses) expect(offenses.has(pseudonym('offense_id', id)), `${dir} ${id}`).toBe(false);
      for (const f of ['rows.csv', 'rows.json']) {
        const text = await readFile(path.join(dir, 'datasets', 'c911-call', f), 'utf8');
        for (const id of sealedCalls) expect(text.includes(pseudonym('event_id', id))).toBe(false);
      }
    }
  });

  it('rewrites the retained release manifest: counts, hashes and a removal count', async () => {
    const manifest = await readManifest(first.releaseDir);
    const calls = manifest.datasets.find((d) => d.id === 'c911-call')!;
    expect(calls.report.sealedRemoved).toBe(3);
    const rows = (await conn.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${first.releaseDir}/datasets/c911-call/rows.parquet')`)).getRowObjects()[0];
    expect(calls.rowCount).toBe(Number(rows.n));
    for (const f of calls.files) expect(await sha256File(path.join(first.releaseDir, f.path)), f.path).toBe(f.sha256);
  });

  it('removes sealed cases from the case lookup of every release (I7)', async () => {
    const key = (await readFile(path.join(path.dirname(path.dirname(first.releaseDir)), 'lookup.key'), 'utf8')).trim();
    const reports = (await conn.runAndReadAll(`SELECT DISTINCT report_number AS r FROM read_csv('${source}/*/rms_offenses.csv', all_varchar = true)
      WHERE offense_id IN (${sealedOffenses.map((i) => `'${i}'`).join(', ')})
        AND report_number NOT IN (SELECT report_number FROM read_csv('${source}/*/rms_offenses.csv', all_varchar = true) WHERE offense_id NOT IN (${sealedOffenses.map((i) => `'${i}'`).join(', ')}))`)).getRowObjects().map((r) => String(r.r));
    expect(reports.length).toBeGreaterThan(0);
    for (const dir of [first.releaseDir, second.releaseDir]) {
      const rows = (await conn.runAndReadAll(`SELECT lookup FROM read_parquet('${dir}/datasets/nibr-offs/case-lookup.parquet')`)).getRowObjects();
      const hashes = new Set(rows.map((r) => String(r.lookup)));
      for (const r of reports) expect(hashes.has(caseLookupHash(key, r)), `${dir} ${r}`).toBe(false);
    }
    expect(lookupBefore).toBe(true);
  });

  it('differencing the two releases finds no sealed record; the changelog gives only counts', async () => {
    const a = await keys(first.releaseDir, 'c911-call', 'event_id');
    const b = await keys(second.releaseDir, 'c911-call', 'event_id');
    const vanished = [...a].filter((k) => !b.has(k));
    expect(vanished).toEqual([]);
    const report = (await readManifest(second.releaseDir)).datasets.find((d) => d.id === 'c911-call')!.report;
    expect(report.withheldByRule.X6).toBeGreaterThanOrEqual(3);
    // The changelog counts the three removals against the release as it was first published.
    expect(report.changes!.removed).toBe(3);
  });
});
