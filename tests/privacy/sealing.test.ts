// Baseline attack 5 and X6 across releases: records sealed after publication vanish from the
// next release, and from a retained one before it serves again (a rollback applies the seal list
// to it: files and manifest rewritten), so differencing consecutive releases cannot tell which
// records were sealed; only a count is published.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { caseLookupHash } from '../../publisher/case-lookup.ts';
import { sha256File } from '../../publisher/files.ts';
import { readManifest } from '../../publisher/release-reader.ts';
import { cleanTemporary } from '../../publisher/release-writer.ts';
import { rollback } from '../../pipelines/rollback.ts';
import { readBulk } from '../helpers/bulk.ts';
import { demoDrop, runOnce, tempDir, TEST_KEY } from '../helpers/pipeline.ts';

const pseudonym = (ns: string, v: string) => createHmac('sha256', Buffer.from(TEST_KEY, 'hex')).update(`${ns}\x1f${v}`).digest('hex').slice(0, 16);

let conn: DuckDBConnection;
async function keys(releaseDir: string, id: string, column: string): Promise<Set<string>> {
  const rows = (await conn.runAndReadAll(`SELECT ${column} AS k FROM read_parquet('${releaseDir}/datasets/${id}/rows.parquet')`)).getRowObjects();
  return new Set(rows.map((r) => String(r.k)));
}

// As single files, and with every CSV/JSON in parts of 50 rows (the layout of large datasets).
describe.each([
  { layout: 'single files', config: {} },
  { layout: 'parts', config: { bulkParts: { above: 0, rows: 50 } } },
])('sealing across releases (attack 5), $layout', ({ config }) => {
  let first: { releaseId: string; releaseDir: string };
  let second: { releaseId: string; releaseDir: string };
  let sealedCalls: string[];
  let sealedOffenses: string[];
  let presentBefore: boolean;
  let callsBeforeCount: number;
  let lookupBefore: boolean;
  let source: string;
  let retainedUntilRollback: boolean;
  let rolledBack: Awaited<ReturnType<typeof rollback>>;

  beforeAll(async () => {
    conn = await (await DuckDBInstance.create(':memory:')).connect();
    source = await demoDrop({ scale: 0.002 });
    const data = await tempDir('sealing');
    first = await runOnce(source, data, {}, config);
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
    callsBeforeCount = callsBefore.size;

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
    second = await runOnce(source, data, { clock: () => new Date('2026-11-15T12:00:00Z') }, config);
    // The retained release is not served, so it keeps its rows until it would serve again.
    const retained = await keys(first.releaseDir, 'c911-call', 'event_id');
    retainedUntilRollback = sealedCalls.every((id) => retained.has(pseudonym('event_id', id)));
    rolledBack = await rollback(data, first.releaseId);
  });

  it('a rollback removes the sealed rows from the retained release before it serves it', async () => {
    expect(retainedUntilRollback).toBe(true);
    expect(rolledBack.to).toBe(first.releaseId);
    // The pass finished: no marker asks the next run to look for leftovers.
    expect((await readdir(first.releaseDir)).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(rolledBack.sealed['c911-call']).toBe(3);
    expect(rolledBack.sealed['nibr-offs']).toBe(sealedOffenses.length);
  });

  it('the sealed rows were published before (so this test can fail)', () => {
    expect(sealedCalls).toHaveLength(3);
    expect(sealedOffenses.length).toBeGreaterThan(0);
    expect(presentBefore).toBe(true);
  });

  it('removes sealed rows from the new release and from the retained one it rolled back to', async () => {
    for (const dir of [first.releaseDir, second.releaseDir]) {
      const calls = await keys(dir, 'c911-call', 'event_id');
      const offenses = await keys(dir, 'nibr-offs', 'offense_id');
      for (const id of sealedCalls) expect(calls.has(pseudonym('event_id', id)), `${dir} ${id}`).toBe(false);
      for (const id of sealedOffenses) expect(offenses.has(pseudonym('offense_id', id)), `${dir} ${id}`).toBe(false);
      const files = (await readManifest(dir)).datasets.find((d) => d.id === 'c911-call')!.files;
      expect(files.some((f) => f.parts)).toBe('bulkParts' in config);
      for (const f of files.filter((x) => x.format !== 'parquet')) {
        const text = (await readBulk(dir, f)).toString('utf8');
        expect(text.length).toBeGreaterThan(1000);
        for (const id of sealedCalls) expect(text.includes(pseudonym('event_id', id))).toBe(false);
      }
      // No part file left on disk holds a sealed row either (replaced parts are deleted).
      const partsDir = path.join(dir, 'datasets', 'c911-call', 'parts');
      for (const name of await readdir(partsDir).catch(() => [] as string[])) {
        const text = await readFile(path.join(partsDir, name), 'utf8');
        for (const id of sealedCalls) expect(text.includes(pseudonym('event_id', id)), name).toBe(false);
      }
    }
  });

  it('keeps the retained release\'s Parquet file in row-key order, without exactly the sealed rows', async () => {
    const [row] = (await conn.runAndReadAll(`SELECT count(*) AS n, count(*) FILTER (WHERE before >= k) AS unordered FROM (
        SELECT event_id AS k, lag(event_id) OVER (ORDER BY file_row_number) AS before
        FROM read_parquet('${first.releaseDir}/datasets/c911-call/rows.parquet', file_row_number = true))`)).getRowObjects();
    expect(Number(row.n)).toBe(callsBeforeCount - sealedCalls.length);
    expect(Number(row.unordered)).toBe(0);
  });

  it('rewrites the retained release manifest: counts, hashes and a removal count', async () => {
    const manifest = await readManifest(first.releaseDir);
    const calls = manifest.datasets.find((d) => d.id === 'c911-call')!;
    expect(calls.report.sealedRemoved).toBe(3);
    expect(calls.sortedByRowKey).toBe(true);
    const rows = (await conn.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${first.releaseDir}/datasets/c911-call/rows.parquet')`)).getRowObjects()[0];
    expect(calls.rowCount).toBe(Number(rows.n));
    for (const f of calls.files) {
      for (const p of f.parts ?? [f]) expect(await sha256File(path.join(first.releaseDir, p.path)), p.path).toBe(p.sha256);
    }
    if ('bulkParts' in config) {
      // Only the parts that held the three sealed rows were written again.
      const csv = calls.files.find((f) => f.format === 'csv')!;
      const rewritten = csv.parts!.filter((p) => p.path.includes('-sealed-'));
      expect(rewritten.length).toBeGreaterThan(0);
      expect(rewritten.length).toBeLessThanOrEqual(3);
      expect(csv.parts!.length).toBeGreaterThan(10);
      expect(csv.parts!.reduce((a, p) => a + p.rows, 0)).toBe(calls.rowCount);
    }
  });

  it('removes part files the manifest does not list (left by a sealing pass that died) at the next start', async () => {
    const partsDir = path.join(first.releaseDir, 'datasets', 'c911-call', 'parts');
    const listed = (await readManifest(first.releaseDir)).datasets.find((d) => d.id === 'c911-call')!.files.flatMap((f) => f.parts ?? []);
    expect(listed.length > 0).toBe('bulkParts' in config);
    if (!listed.length) return;
    // A pass that died leaves its marker in the release directory, and the parts it replaced.
    const orphan = path.join(partsDir, 'replaced-by-sealing.csv');
    const marker = path.join(first.releaseDir, '.sealing-99999');
    await writeFile(orphan, `${pseudonym('event_id', sealedCalls[0])},sealed row\n`);
    await writeFile(marker, '99999\n');
    await cleanTemporary(path.dirname(path.dirname(first.releaseDir)));
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(marker)).toBe(false);
    for (const p of listed) expect(existsSync(path.join(first.releaseDir, p.path)), p.path).toBe(true);
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
