// Staging clean CSV files by identity (csv-stream.ts) gives exactly what staging through a raw copy
// gives; anything it cannot stage exactly goes through the raw copy, saying why; a file changed
// between its two reads is refused.

import { appendFile, mkdir, mkdtemp, readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { CAD_EVENTS, type TableName } from '../../../pipelines/contract.ts';
import { Rng } from '../../../pipelines/demo/rng.ts';
import { memoryLogger } from '../../../pipelines/io.ts';
import { loadCsvDrop, type LoadOptions } from '../../../pipelines/sources/csv-drop.ts';
import { mapHeader } from '../../../pipelines/sources/csv-header.ts';
import { readCsvFiles } from '../../../pipelines/sources/csv-stage.ts';
import { prepareStreamed } from '../../../pipelines/sources/csv-stream.ts';
import { ensureStaging } from '../../../pipelines/sources/stage.ts';
import { applyPrepared } from '../../../pipelines/sources/stage-upsert.ts';
import { B1, B2, B3, columnNames, csvFile, csvRow, writeDrop, type Row } from './csv-drop-helpers.ts';

const ts = (day: number, sec: number) => `2026-03-${String(day).padStart(2, '0')}T10:00:${String(sec).padStart(2, '0')}-08:00`;

/** Batches of calls over a small key pool: updates newer, older and equal across batches, quoted text, one torn record. */
function seededDrop(seed: number): Record<string, Record<string, string>> {
  const rng = new Rng(seed);
  const rnd = () => rng.next();
  const cols = columnNames('cad_events');
  const shuffled = [...cols].sort(() => rnd() - 0.5);
  const batches: Record<string, Record<string, string>> = {};
  for (const [b, batch] of [B1, B2, B3].entries()) {
    const used = new Set<string>();
    const rows: Row[] = [];
    for (let i = 0; i < 60; i++) {
      const key = `E${Math.floor(rnd() * 80)}`;
      if (used.has(key)) continue;
      used.add(key);
      rows.push({
        event_id: key,
        remarks: rnd() < 0.3 ? `caller said "hi",\nthen left ${i}` : `r${b}-${i}`,
        priority: String(1 + Math.floor(rnd() * 9)),
        updated_at: ts(10 + Math.floor(rnd() * 3), Math.floor(rnd() * 3)),
        caller_name: rnd() < 0.5 ? null : `Name ${i}`,
      });
    }
    const header = b === 1 ? shuffled : cols;
    const lines = csvFile('cad_events', rows, header).split('\n');
    if (b === 2) lines.splice(5, 0, 'too,few,columns');
    batches[batch] = { 'cad_events.csv': lines.join('\n') };
  }
  return batches;
}

/** Loads into a staging file reopened per load (as runs do); returns what staging holds after each. */
async function stagingFile() {
  const file = join(await mkdtemp(join(tmpdir(), 'staging-stream-')), 'staging.duckdb');
  return async (sourceDir: string, opts: Partial<LoadOptions> = {}) => {
    const db = await DuckDBInstance.create(file);
    const conn = await db.connect();
    const log = memoryLogger();
    try {
      const reports = await loadCsvDrop(conn, { sourceDir, log, tables: ['cad_events'], clock: () => new Date('2026-03-20T00:00:00Z'), ...opts });
      const read = async (sql: string) => JSON.stringify((await conn.runAndReadAll(sql)).getRowObjectsJson());
      return {
        report: reports.cad_events,
        lines: log.lines,
        staged: await read('SELECT * FROM stg_cad_events ORDER BY event_id'),
        quarantine: await read('SELECT * FROM quarantine ORDER BY batch, line'),
      };
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  };
}

describe('CSV staging by identity', () => {
  it('stages a seeded drop exactly as the raw copy does, in one full load and batch by batch', async () => {
    for (const seed of [1, 2, 3]) {
      const batches = seededDrop(seed);
      const all = await writeDrop(batches);
      const [streamed, copied] = [await (await stagingFile())(all), await (await stagingFile())(all, { rawCopy: true })];
      expect(streamed.lines.join('\n')).not.toMatch(/raw copy/);
      expect(streamed.report).toEqual(copied.report);
      expect(streamed.staged).toBe(copied.staged);
      expect(streamed.quarantine).toBe(copied.quarantine);
      expect(streamed.report.applied.superseded).toBeGreaterThan(0);
      expect(streamed.report.applied.quarantined).toBe(1);

      // Batch by batch: the second and third loads meet a non-empty staging table.
      const [load, loadRaw] = [await stagingFile(), await stagingFile()];
      const dir = await writeDrop({});
      for (const batch of [B1, B2, B3]) {
        await mkdir(join(dir, batch));
        await writeFile(join(dir, batch, 'cad_events.csv'), batches[batch]['cad_events.csv']);
        const [a, b] = [await load(dir), await loadRaw(dir, { rawCopy: true })];
        expect(a.report).toEqual(b.report);
        expect(a.staged).toBe(b.staged);
        expect(a.quarantine).toBe(b.quarantine);
      }
      const last = await load(dir, { full: true });
      expect(last.staged).toBe(streamed.staged);
    }
  });

  it('goes through the raw copy, saying why, when records fail a value check, repeat, or tie', async () => {
    const cases: [Row[], RegExp][] = [
      [[{ event_id: 'E1' }, { event_id: 'E2', priority: '0' }], /1 record\(s\) fail a value check; staging through a raw copy/],
      [[{ event_id: 'E1' }, { event_id: 'E1' }], /1 record\(s\) repeated within a batch; staging through a raw copy/],
      [[{ event_id: 'E1', remarks: 'a' }, { event_id: 'E1', remarks: 'b' }], /1 key\(s\) with two versions of the same updated_at in one batch/],
    ];
    for (const [rows, why] of cases) {
      const dir = await writeDrop({ [B1]: { 'cad_events.csv': csvFile('cad_events', rows) } });
      const [a, b] = [await (await stagingFile())(dir), await (await stagingFile())(dir, { rawCopy: true })];
      expect(a.lines.join('\n')).toMatch(why);
      expect(a.report).toEqual(b.report);
      expect(a.staged).toBe(b.staged);
      expect(a.quarantine).toBe(b.quarantine);
    }
  });

  it('stages by identity when only records that lose tie', async () => {
    const rows: Row[] = [
      { event_id: 'E1', remarks: 'newest', updated_at: ts(12, 0) },
      { event_id: 'E1', remarks: 'older a', updated_at: ts(11, 0) },
      { event_id: 'E1', remarks: 'older b', updated_at: ts(11, 0) },
    ];
    const dir = await writeDrop({ [B1]: { 'cad_events.csv': csvFile('cad_events', rows) } });
    const [a, b] = [await (await stagingFile())(dir), await (await stagingFile())(dir, { rawCopy: true })];
    expect(a.lines.join('\n')).not.toMatch(/raw copy/);
    expect(a.report).toEqual(b.report);
    expect(a.staged).toBe(b.staged);
    expect(a.staged).toMatch(/"remarks":"newest"/);
  });

  it('refuses a file that changed between its two reads, and leaves staging empty', async () => {
    for (const change of ['append', 'same size and mtime'] as const) {
      const dir = await writeDrop({ [B1]: { 'cad_events.csv': csvFile('cad_events', [{ event_id: 'E1', remarks: 'aa' }, { event_id: 'E2' }]) } });
      const path = join(dir, B1, 'cad_events.csv');
      const text = await readFile(path, 'utf8');
      await utimes(path, 1_700_000_000, 1_700_000_000);
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      const mapping = mapHeader(path, text.split('\n')[0].split(','), CAD_EVENTS);
      const raw = await readCsvFiles(conn, CAD_EVENTS, [{ batch: B1, ordinal: 0, path, mapping }], {}, () => {}, undefined, 'check');
      const prep = await prepareStreamed(conn, raw);
      if ('fallback' in prep) throw new Error(prep.fallback);
      if (change === 'append') {
        await appendFile(path, `${csvRow('cad_events' as TableName, { event_id: 'E3' })}\n`);
      } else {
        await writeFile(path, text.replace('aa', 'bb'));
        await utimes(path, 1_700_000_000, 1_700_000_000);
      }
      await ensureStaging(conn, CAD_EVENTS);
      await conn.run('BEGIN TRANSACTION');
      await expect(applyPrepared(conn, prep, new Date())).rejects.toThrow(change === 'append' ? /changed while this run was staging it/ : /second read of the source files gave 1 rows to stage, the first 2/);
      await conn.run('ROLLBACK');
      expect((await conn.runAndReadAll('SELECT count(*) FROM stg_cad_events')).getRows()[0][0]).toBe(0n);
      conn.closeSync();
      db.closeSync();
    }
  });
});
