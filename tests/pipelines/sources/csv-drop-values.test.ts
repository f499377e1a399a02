// The records contract's "Value formats" rules (timestamps, dates, booleans, numbers, codes,
// ranges, required fields) and the quarantine they feed, plus the loader's progress reporting.

import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { memoryLogger } from '../../../pipelines/io.ts';
import { loadCsvDrop } from '../../../pipelines/sources/csv-drop.ts';
import { B1, B2, B3, csvFile, csvRow, loadDrop, writeDrop } from './csv-drop-helpers.ts';

const cad = (rows: Parameters<typeof csvFile>[1], cols?: string[]) => ({ 'cad_events.csv': csvFile('cad_events', rows, cols) });

describe('CSV drop: value formats', () => {
  it('parses timestamps with an offset or Z to the right instant; one without an offset is quarantined', async () => {
    const dir = await writeDrop({ [B1]: cad([
      { event_id: 'OFF', received_at: '2026-03-04T21:07:55-08:00' },
      { event_id: 'Z', received_at: '2026-03-05T05:07:55.250Z' },
      { event_id: 'NOOFF', received_at: '2026-03-04T21:07:55' },
      { event_id: 'SPACE', received_at: '2026-03-04 21:07:55-08:00' },
      { event_id: 'BADDAY', received_at: '2026-02-30T21:07:55Z' },
    ]) });
    const { rows } = await loadDrop(dir);
    const got = await rows('SELECT event_id, epoch_ms(received_at)::BIGINT AS ms FROM stg_cad_events ORDER BY 1');
    expect(got).toEqual([
      { event_id: 'OFF', ms: String(Date.parse('2026-03-05T05:07:55Z')) },
      { event_id: 'Z', ms: String(Date.parse('2026-03-05T05:07:55.250Z')) },
    ]);
    const q = await rows('SELECT line, reason FROM quarantine ORDER BY line');
    expect(q).toEqual(['4', '5', '6'].map((line) => ({ line, reason: 'received_at: not an ISO 8601 timestamp with offset' })));
  });

  it.each([
    ['rms_offenses', 'victim_dob', '1980-13-01', 'victim_dob: not a YYYY-MM-DD date'],
    ['rms_offenses', 'victim_dob', '01/02/1980', 'victim_dob: not a YYYY-MM-DD date'],
    ['rms_offenses', 'domestic_violence', 'maybe', 'domestic_violence: not a boolean'],
    ['rms_offenses', 'victim_age', '12.5', 'victim_age: not an integer'],
    ['cad_events', 'priority', 'high', 'priority: not an integer'],
    ['cad_events', 'latitude', '47,61', 'latitude: not a plain decimal number'],
    ['cad_events', 'longitude', '1e5', 'longitude: not a plain decimal number'],
    ['cad_events', 'call_source', 'PIGEON', 'call_source: not one of the allowed codes'],
    ['cad_events', 'priority', '12', 'priority: out of range 1..9'],
    ['use_of_force', 'officer_birth_year', '1850', 'officer_birth_year: out of range 1900..2100'],
    ['use_of_force', 'officer_name', '  ', 'officer_name: required value is empty'],
  ] as const)('quarantines %s.%s = %j with a reason naming the field', async (table, field, value, reason) => {
    const dir = await writeDrop({ [B1]: { [`${table}.csv`]: csvFile(table, [{}, { [field]: value }]) } });
    const { reports, rows } = await loadDrop(dir, { tables: [table] });
    expect(reports[table]).toMatchObject({ staged: 1, quarantined: 1, applied: { rowsRead: 2, quarantined: 1 } });
    const [q] = await rows('SELECT table_name, line, reason, raw FROM quarantine');
    expect(q).toMatchObject({ table_name: table, line: '3' });
    expect(String(q.reason).startsWith(reason)).toBe(true);
    expect(String(q.raw)).toContain(value.trim() ? value : ',');
  });

  it('accepts true/false, Y/N and 1/0 booleans in any case', async () => {
    const vals = ['true', 'FALSE', 'Y', 'n', '1', '0', 'True'];
    const dir = await writeDrop({ [B1]: { 'rms_offenses.csv': csvFile('rms_offenses', vals.map((v, i) => ({ offense_id: `O${i}`, domestic_violence: v }))) } });
    const { reports, rows } = await loadDrop(dir);
    expect(reports.rms_offenses.quarantined).toBe(0);
    const got = await rows('SELECT domestic_violence AS d FROM stg_rms_offenses ORDER BY offense_id');
    expect(got.map((r) => r.d)).toEqual([true, false, true, false, true, false, true]);
  });

  it('never echoes the bad value in the reason, and joins all failures', async () => {
    const secret = '555-0199 John Q Secret';
    const dir = await writeDrop({ [B1]: cad([{ event_id: 'E1', received_at: secret, priority: secret, call_source: secret }]) });
    const { rows } = await loadDrop(dir);
    const [q] = await rows('SELECT reason, raw FROM quarantine');
    expect(q.reason).toBe('received_at: not an ISO 8601 timestamp with offset; call_source: not one of the allowed codes (911, NON_EMERGENCY, ONLINE, ONVIEW, ALARM, TEXT); priority: not an integer');
    expect(String(q.reason)).not.toContain('555');
    expect(String(q.raw)).toContain(secret);
  });

  it('reports the record number of a bad value after rejected and multi-line records, and leaves the quarantine alone on a reload with nothing new', async () => {
    const content = csvFile('cad_events', [{ event_id: 'E1', remarks: 'a\nb' }]) + 'x,y\n' + csvRow('cad_events', { event_id: 'E3', priority: '99' }) + '\n';
    const dir = await writeDrop({ [B1]: { 'cad_events.csv': content } });
    const { conn, rows } = await loadDrop(dir);
    expect(await rows('SELECT line, left(reason, 8) r FROM quarantine ORDER BY line')).toEqual([{ line: '3', r: 'missing ' }, { line: '4', r: 'priority' }]);
    await loadCsvDrop(conn, { sourceDir: dir, log: memoryLogger(), tables: ['cad_events'] });
    expect(await rows('SELECT count(*)::INTEGER n FROM quarantine')).toEqual([{ n: 2 }]);
  });
});

describe('CSV drop: options', () => {
  it('reports progress per file', async () => {
    const dir = await writeDrop({ [B1]: cad([{}]), [B2]: cad([{}]) });
    const calls: string[] = [];
    const db = await DuckDBInstance.create(':memory:');
    await mkdir(join(dir, B3));
    await loadCsvDrop(await db.connect(), { sourceDir: dir, log: memoryLogger(), tables: ['cad_events'], progress: (s, d, t) => calls.push(`${s} ${d}/${t}`) });
    expect(calls).toEqual(['load cad_events 0/2', 'load cad_events 1/2', 'load cad_events 2/2', 'upsert cad_events 0/1', 'upsert cad_events 1/1']);
  });
});
