// One test per rule of the records contract's "CSV drop folder" section (batches, upsert,
// encoding, quoting, headers, structural errors), each on a tiny hand-written drop folder in a
// temp dir loaded into an in-memory DuckDB. Value formats: csv-drop-values.test.ts.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../../pipelines/io.ts';
import { listBatches } from '../../../pipelines/sources/csv-drop.ts';
import { B1, B2, B3, columnNames, csvFile, csvRow, loadDrop, writeDrop } from './csv-drop-helpers.ts';

const cad = (rows: Parameters<typeof csvFile>[1], cols?: string[]) => ({ 'cad_events.csv': csvFile('cad_events', rows, cols) });

describe('CSV drop: batches', () => {
  it('applies batches in name order, not creation order', async () => {
    const dir = await writeDrop({
      [B3]: cad([{ event_id: 'E1', remarks: 'third' }]),
      [B1]: cad([{ event_id: 'E1', remarks: 'first' }]),
      [B2]: cad([{ event_id: 'E1', remarks: 'second' }]),
    });
    const { reports, rows } = await loadDrop(dir);
    expect(reports.cad_events.applied.units).toEqual([B1, B2, B3]);
    expect(await rows('SELECT remarks, _batch FROM stg_cad_events')).toEqual([{ remarks: 'third', _batch: B3 }]);
  });

  it('upserts: newer updated_at wins, older loses, equal in a later batch or later line wins', async () => {
    const dir = await writeDrop({
      [B1]: cad([
        { event_id: 'NEWER', updated_at: '2026-01-01T00:00:00Z', remarks: 'old' },
        { event_id: 'OLDER', updated_at: '2026-01-05T00:00:00Z', remarks: 'kept' },
        { event_id: 'EQUAL', updated_at: '2026-01-01T00:00:00Z', remarks: 'b1' },
        { event_id: 'LINE', updated_at: '2026-01-01T00:00:00Z', remarks: 'line 1' },
        { event_id: 'LINE', updated_at: '2026-01-01T00:00:00Z', remarks: 'line 2' },
      ]),
      [B2]: cad([
        { event_id: 'NEWER', updated_at: '2026-01-02T00:00:00Z', remarks: 'new' },
        { event_id: 'OLDER', updated_at: '2026-01-04T23:59:59Z', remarks: 'stale' },
        // same instant written with another offset
        { event_id: 'EQUAL', updated_at: '2025-12-31T16:00:00-08:00', remarks: 'b2' },
      ]),
    });
    const { reports, rows } = await loadDrop(dir);
    expect(await rows('SELECT event_id, remarks FROM stg_cad_events ORDER BY event_id')).toEqual([
      { event_id: 'EQUAL', remarks: 'b2' },
      { event_id: 'LINE', remarks: 'line 2' },
      { event_id: 'NEWER', remarks: 'new' },
      { event_id: 'OLDER', remarks: 'kept' },
    ]);
    expect(reports.cad_events).toMatchObject({ staged: 4, quarantined: 0, applied: { rowsRead: 8, inserted: 4, updated: 0, superseded: 4, quarantined: 0 } });
  });

  it('skips non-batch entries with a warning, and fails clearly with no batches', async () => {
    const dir = await writeDrop({ [B1]: cad([{}]), 'latest': cad([{}]), '2026-01-01': cad([{}]) });
    await writeFile(join(dir, 'README.txt'), 'x');
    const log = memoryLogger();
    expect(await listBatches(dir, log)).toEqual([B1]);
    expect(log.lines.filter((l) => l.startsWith('warn:')).length).toBe(3);
    const { lines } = await loadDrop(dir);
    expect(lines.some((l) => l.startsWith('warn:') && l.includes('latest') && l.includes('not a batch folder'))).toBe(true);

    const empty = await writeDrop({ 'other': {} });
    await expect(loadDrop(empty)).rejects.toThrow(/no batches in .*YYYYMMDDTHHMMSSZ/);
    await expect(loadDrop(join(empty, 'missing'))).rejects.toThrow(/no batches in .*does not exist/);
  });

  it('creates an empty, typed staging table for a table no batch holds', async () => {
    const dir = await writeDrop({ [B1]: cad([{}]) });
    const { reports, rows } = await loadDrop(dir);
    expect(reports.use_of_force).toMatchObject({ staged: 0, quarantined: 0, applied: { source: 'csv', units: [], rowsRead: 0, inserted: 0, updated: 0, superseded: 0, quarantined: 0 } });
    const cols = await rows(`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'stg_use_of_force'`);
    expect(cols.map((c) => c.column_name)).toEqual([...columnNames('use_of_force'), '_batch', '_loaded_at']);
    expect(cols.find((c) => c.column_name === 'officer_hire_date')?.data_type).toBe('DATE');
    expect(cols.find((c) => c.column_name === 'subject_injured')?.data_type).toBe('BOOLEAN');
  });

  it('loads only the requested tables', async () => {
    const dir = await writeDrop({ [B1]: { ...cad([{}]), 'use_of_force.csv': csvFile('use_of_force', [{}]) } });
    const { reports, rows } = await loadDrop(dir, { tables: ['use_of_force'] });
    expect(Object.keys(reports)).toEqual(['use_of_force']);
    expect(await rows(`SELECT count(*)::INTEGER n FROM duckdb_tables() WHERE table_name = 'stg_cad_events'`)).toEqual([{ n: 0 }]);
  });
});

describe('CSV drop: file format', () => {
  it('reads UTF-8 with a BOM', async () => {
    const dir = await writeDrop({ [B1]: { 'cad_events.csv': '\uFEFF' + csvFile('cad_events', [{ event_id: 'E1', remarks: 'café' }]) } });
    const { reports, rows } = await loadDrop(dir);
    expect(reports.cad_events.unknownColumns).toEqual([]);
    expect(await rows('SELECT event_id, remarks FROM stg_cad_events')).toEqual([{ event_id: 'E1', remarks: 'café' }]);
  });

  it('preserves quoted commas, quotes and embedded newlines (LF and CRLF)', async () => {
    const text = 'He said "stop", then ran,\nplate ABC123\r\nend';
    const dir = await writeDrop({ [B1]: cad([{ event_id: 'E1', remarks: text }, { event_id: 'E2' }]) });
    const { reports, rows } = await loadDrop(dir);
    expect(reports.cad_events).toMatchObject({ staged: 2, applied: { rowsRead: 2 } });
    expect(await rows(`SELECT remarks FROM stg_cad_events WHERE event_id = 'E1'`)).toEqual([{ remarks: text }]);
  });

  it('reads CRLF files', async () => {
    const dir = await writeDrop({ [B1]: { 'cad_events.csv': csvFile('cad_events', [{ event_id: 'E1' }, { event_id: 'E2' }]).replace(/\n/g, '\r\n') } });
    const { rows } = await loadDrop(dir);
    expect(await rows('SELECT event_id, record_status FROM stg_cad_events ORDER BY 1')).toEqual([
      { event_id: 'E1', record_status: 'ACTIVE' }, { event_id: 'E2', record_status: 'ACTIVE' }]);
  });

  it('treats an empty field (quoted or not) as null', async () => {
    const cols = columnNames('cad_events');
    const line = csvRow('cad_events', { event_id: 'E1', remarks: null }, cols).replace(/,,/, ',"",');
    const dir = await writeDrop({ [B1]: { 'cad_events.csv': `${cols.join(',')}\n${csvRow('cad_events', { event_id: 'E0', caller_name: null, latitude: null }, cols)}\n${line}\n` } });
    const { rows } = await loadDrop(dir);
    expect(await rows('SELECT event_id, caller_name, latitude, remarks FROM stg_cad_events ORDER BY 1')).toEqual([
      { event_id: 'E0', caller_name: null, latitude: null, remarks: 'remarks-x' },
      { event_id: 'E1', caller_name: 'caller_name-x', latitude: 47.5, remarks: null },
    ]);
  });

  it('maps columns by name whatever the header order', async () => {
    const reversed = [...columnNames('cad_events')].reverse();
    const dir = await writeDrop({
      [B1]: cad([{ event_id: 'E1', beat: 'B1', priority: '2' }]),
      [B2]: cad([{ event_id: 'E2', beat: 'B9', priority: '7' }], reversed),
    });
    const { rows } = await loadDrop(dir);
    expect(await rows('SELECT event_id, beat, priority FROM stg_cad_events ORDER BY 1')).toEqual([
      { event_id: 'E1', beat: 'B1', priority: 2 }, { event_id: 'E2', beat: 'B9', priority: 7 }]);
  });

  it('ignores and reports unknown columns', async () => {
    const cols = [...columnNames('cad_events'), 'legacy_code', 'officer_badge'];
    const dir = await writeDrop({ [B1]: cad([{ event_id: 'E1', legacy_code: 'zz' }], cols) });
    const { reports, lines, rows } = await loadDrop(dir);
    expect(reports.cad_events.unknownColumns).toEqual(['legacy_code', 'officer_badge']);
    expect(lines.some((l) => l.startsWith('warn:') && l.includes(join(B1, 'cad_events.csv')) && l.includes('"legacy_code"'))).toBe(true);
    expect(reports.cad_events.staged).toBe(1);
    expect((await rows('SELECT * FROM stg_cad_events'))[0]).not.toHaveProperty('legacy_code');
  });

  it('errors naming the file and columns when a required column is missing; a missing nullable column is null', async () => {
    const noRequired = columnNames('cad_events').filter((c) => c !== 'received_at' && c !== 'beat');
    const bad = await writeDrop({ [B1]: cad([{}]), [B2]: cad([{}], noRequired) });
    await expect(loadDrop(bad)).rejects.toThrow(new RegExp(`${B2}/cad_events\\.csv: missing required columns received_at, beat`));

    const noNullable = columnNames('cad_events').filter((c) => c !== 'remarks');
    const ok = await writeDrop({ [B1]: cad([{ event_id: 'E1' }], noNullable) });
    const { rows } = await loadDrop(ok);
    expect(await rows('SELECT event_id, remarks FROM stg_cad_events')).toEqual([{ event_id: 'E1', remarks: null }]);
  });

  it('quarantines a row with the wrong number of columns, with line number and raw line', async () => {
    const cols = columnNames('cad_events');
    const content = csvFile('cad_events', [{ event_id: 'E1', remarks: 'two\nlines' }]) + 'E2,too,few\n' + csvRow('cad_events', { event_id: 'E3' }) + ',extra\n' + csvRow('cad_events', { event_id: 'E4' }) + '\n';
    const dir = await writeDrop({ [B1]: { 'cad_events.csv': content } });
    const { reports, rows } = await loadDrop(dir);
    expect(reports.cad_events).toMatchObject({ staged: 2, quarantined: 2, applied: { rowsRead: 4, quarantined: 2 } });
    const q = await rows(`SELECT table_name, batch, line, reason, raw FROM quarantine ORDER BY line`);
    expect(q.map((r) => [r.table_name, r.batch, r.line])).toEqual([['cad_events', B1, '3'], ['cad_events', B1, '4']]);
    expect(q[0].reason).toMatch(/missing columns: Expected Number of Columns: 23 Found: 3/i);
    expect(q[0].raw).toBe('E2,too,few');
    expect(q[1].reason).toMatch(/too many columns/i);
    expect(cols.length).toBe(23);
  });

  it('quarantines a row holding invalid UTF-8 bytes and keeps the rest', async () => {
    const head = csvFile('cad_events', [{ event_id: 'E1' }]);
    const [before, after] = csvRow('cad_events', { event_id: 'E2', remarks: 'XX' }).split('XX');
    const bad = Buffer.concat([Buffer.from(before), Buffer.from([0x41, 0xff, 0xfe, 0x41]), Buffer.from(after + '\n')]);
    const file = Buffer.concat([Buffer.from(head), bad, Buffer.from(csvRow('cad_events', { event_id: 'E3' }) + '\n')]);
    const dir = await writeDrop({ [B1]: { 'cad_events.csv': file } });
    const { reports, rows } = await loadDrop(dir);
    expect(reports.cad_events).toMatchObject({ staged: 2, quarantined: 1, applied: { rowsRead: 3, quarantined: 1 } });
    const q = await rows('SELECT line, reason FROM quarantine');
    expect(q).toEqual([{ line: '3', reason: expect.stringMatching(/invalid encoding: .*not utf-8/i) }]);
  });

  it('quarantines an over-long record and an unterminated quote without failing the load', async () => {
    const content = csvFile('cad_events', [{ event_id: 'E1' }, { event_id: 'E2', remarks: 'r'.repeat(2000) }, { event_id: 'E3' }])
      + csvRow('cad_events', { event_id: 'E4' }).replace('remarks-x', '"never closed') + '\n';
    const dir = await writeDrop({ [B1]: { 'cad_events.csv': content } });
    const { reports, rows } = await loadDrop(dir, { maxLineBytes: 1000 });
    expect(reports.cad_events).toMatchObject({ staged: 2, quarantined: 2, applied: { rowsRead: 4, quarantined: 2 } });
    const q = await rows('SELECT line, reason FROM quarantine ORDER BY line');
    expect(q.map((r) => r.line)).toEqual(['3', '5']);
    expect(q[0].reason).toMatch(/line size over maximum/i);
    expect(q[1].reason).toMatch(/unterminated quote/i);
  });

  it('keeps rowsRead = inserted + updated + superseded + quarantined for a load', async () => {
    const dir = await writeDrop({
      [B1]: cad([{ event_id: 'E1' }, { event_id: 'E2' }, { event_id: 'E3', priority: '0' }]),
      [B2]: { 'cad_events.csv': csvFile('cad_events', [{ event_id: 'E1' }, { event_id: 'E4' }]) + 'short,row\n' },
    });
    const { reports } = await loadDrop(dir);
    const r = reports.cad_events;
    expect(r).toMatchObject({ staged: 3, quarantined: 2, applied: { rowsRead: 6, inserted: 3, updated: 0, superseded: 1, quarantined: 2 } });
    const a = r.applied;
    expect(a.rowsRead).toBe(a.inserted + a.updated + a.superseded + a.quarantined);
  });
});
