// Incremental staging of a CSV drop folder: staging (a DuckDB file) persists between loads, a
// load applies only batches it has not applied yet (remembered in _applied_batches), `full`
// rebuilds, a late batch is applied with a warning, and the mapping file renames headers, file
// names and codes.

import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import type { TableName } from '../../../pipelines/contract.ts';
import { memoryLogger } from '../../../pipelines/io.ts';
import { loadCsvDrop, type LoadOptions, type TableLoadReport } from '../../../pipelines/sources/csv-drop.ts';
import { B1, B2, B3, columnNames, csvFile, writeDrop } from './csv-drop-helpers.ts';

const cad = (rows: Parameters<typeof csvFile>[1], cols?: string[]) => ({ 'cad_events.csv': csvFile('cad_events', rows, cols) });
const B0 = '20251231T020000Z';

async function addBatch(dir: string, batch: string, files: Record<string, string>): Promise<void> {
  await mkdir(join(dir, batch), { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, batch, name), content);
}

/** A staging DuckDB file reopened for every load, as successive runs would. */
async function stagingFile() {
  const file = join(await mkdtemp(join(tmpdir(), 'staging-')), 'staging.duckdb');
  const load = async (sourceDir: string, opts: Partial<LoadOptions> = {}) => {
    const db = await DuckDBInstance.create(file);
    const conn = await db.connect();
    const log = memoryLogger();
    try {
      const reports = await loadCsvDrop(conn, { sourceDir, log, tables: ['cad_events'], ...opts });
      return { reports: reports as Record<TableName, TableLoadReport>, lines: log.lines };
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  };
  const rows = async (sql: string) => {
    const db = await DuckDBInstance.create(file);
    const conn = await db.connect();
    try {
      return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  };
  return { load, rows };
}

const invariant = (r: TableLoadReport) =>
  expect(r.applied.rowsRead).toBe(r.applied.inserted + r.applied.updated + r.applied.superseded + r.applied.quarantined);

describe('CSV drop: incremental staging', () => {
  it('a second load applies only the new batch, upserting into the persisted staging', async () => {
    const dir = await writeDrop({ [B1]: cad([{ event_id: 'E1', remarks: 'v1' }, { event_id: 'E2' }, { event_id: 'BAD', priority: '0' }]) });
    const s = await stagingFile();
    const first = (await s.load(dir)).reports.cad_events;
    expect(first).toMatchObject({ staged: 2, quarantined: 1, applied: { source: 'csv', units: [B1], rowsRead: 3, inserted: 2, updated: 0, superseded: 0, quarantined: 1 } });
    invariant(first);

    await addBatch(dir, B2, cad([
      { event_id: 'E1', remarks: 'v2', updated_at: '2026-03-06T00:00:00Z' },
      { event_id: 'E2', remarks: 'stale', updated_at: '2026-01-01T00:00:00Z' },
      { event_id: 'E3' },
      { event_id: 'BAD2', call_source: 'PIGEON' },
    ]));
    const second = (await s.load(dir)).reports.cad_events;
    expect(second).toMatchObject({
      staged: 3, quarantined: 2,
      applied: { units: [B2], rowsRead: 4, inserted: 1, updated: 1, superseded: 1, quarantined: 1 },
    });
    invariant(second);
    expect(await s.rows('SELECT event_id, remarks, _batch FROM stg_cad_events ORDER BY 1')).toEqual([
      { event_id: 'E1', remarks: 'v2', _batch: B2 },
      { event_id: 'E2', remarks: 'remarks-x', _batch: B1 },
      { event_id: 'E3', remarks: 'remarks-x', _batch: B2 },
    ]);
    expect(await s.rows('SELECT batch, table_name, "rows" FROM _applied_batches ORDER BY batch')).toEqual([
      { batch: B1, table_name: 'cad_events', rows: '3' }, { batch: B2, table_name: 'cad_events', rows: '4' }]);
    expect(await s.rows('SELECT batch, line FROM quarantine ORDER BY batch')).toEqual([{ batch: B1, line: '4' }, { batch: B2, line: '5' }]);

    const third = await s.load(dir);
    expect(third.reports.cad_events).toMatchObject({ staged: 3, quarantined: 2, applied: { units: [], rowsRead: 0, inserted: 0, updated: 0 } });
    expect(third.lines).toContain('info: cad_events: no new batches; 3 staged, 2 in quarantine');
  });

  it('equal updated_at in a later load replaces the staged row; _loaded_at is the load time', async () => {
    const dir = await writeDrop({ [B1]: cad([{ event_id: 'E1', remarks: 'first' }]) });
    const s = await stagingFile();
    await s.load(dir, { clock: () => new Date('2026-11-01T00:00:00Z') });
    await addBatch(dir, B2, cad([{ event_id: 'E1', remarks: 'same instant' }]));
    const r = (await s.load(dir, { clock: () => new Date('2026-11-02T00:00:00Z') })).reports.cad_events;
    expect(r.applied).toMatchObject({ inserted: 0, updated: 1, superseded: 0 });
    expect(await s.rows(`SELECT remarks, strftime(_loaded_at AT TIME ZONE 'UTC', '%Y-%m-%d') AS d FROM stg_cad_events`))
      .toEqual([{ remarks: 'same instant', d: '2026-11-02' }]);
  });

  it('full drops staging, quarantine rows and applied-batch records of the table, and re-applies everything', async () => {
    const dir = await writeDrop({
      [B1]: { ...cad([{ event_id: 'E1' }, { event_id: 'BAD', priority: '0' }]), 'use_of_force.csv': csvFile('use_of_force', [{ uof_id: 'U1' }]) },
    });
    const s = await stagingFile();
    await s.load(dir, { tables: ['cad_events', 'use_of_force'] });
    await addBatch(dir, B2, cad([{ event_id: 'E2' }]));
    await s.load(dir);
    // A row staged by hand stands in for state the rebuild must not keep.
    await s.rows(`INSERT INTO stg_cad_events (event_id, updated_at, _batch) VALUES ('GHOST', now(), 'x')`);

    const { reports } = await s.load(dir, { full: true });
    const r = reports.cad_events;
    expect(r).toMatchObject({ staged: 2, quarantined: 1, applied: { units: [B1, B2], rowsRead: 3, inserted: 2, updated: 0, quarantined: 1 } });
    invariant(r);
    expect(await s.rows('SELECT event_id FROM stg_cad_events ORDER BY 1')).toEqual([{ event_id: 'E1' }, { event_id: 'E2' }]);
    expect(await s.rows(`SELECT table_name, count(*)::INTEGER n FROM quarantine GROUP BY 1 ORDER BY 1`)).toEqual([{ table_name: 'cad_events', n: 1 }]);
    expect(await s.rows(`SELECT table_name, batch FROM _applied_batches ORDER BY 1, 2`)).toEqual([
      { table_name: 'cad_events', batch: B1 }, { table_name: 'cad_events', batch: B2 }, { table_name: 'use_of_force', batch: B1 }]);
    // The other table is untouched.
    expect(await s.rows('SELECT count(*)::INTEGER n FROM stg_use_of_force')).toEqual([{ n: 1 }]);
  });

  it('applies a late batch (sorts before the last applied one) with a warning', async () => {
    const dir = await writeDrop({ [B1]: cad([{ event_id: 'E1', remarks: 'b1' }]), [B3]: cad([{ event_id: 'E3', updated_at: '2026-03-06T00:00:00Z' }]) });
    const s = await stagingFile();
    await s.load(dir);
    await addBatch(dir, B2, cad([
      { event_id: 'E2' },
      { event_id: 'E1', remarks: 'b2 newer', updated_at: '2026-03-07T00:00:00Z' },
      { event_id: 'E3', remarks: 'b2 older', updated_at: '2026-03-05T00:00:00Z' },
    ]));
    const { reports, lines } = await s.load(dir);
    expect(reports.cad_events.applied).toMatchObject({ units: [B2], inserted: 1, updated: 1, superseded: 1 });
    expect(lines.some((l) => l.startsWith('warn:') && l.includes(join(B2, 'cad_events.csv')) && l.includes('late delivery') && l.includes(B3))).toBe(true);
    expect(await s.rows('SELECT event_id, remarks FROM stg_cad_events ORDER BY 1')).toEqual([
      { event_id: 'E1', remarks: 'b2 newer' }, { event_id: 'E2', remarks: 'remarks-x' }, { event_id: 'E3', remarks: 'remarks-x' }]);

    // An older batch than everything applied, new this time: also applied, also warned.
    await addBatch(dir, B0, cad([{ event_id: 'E0' }]));
    const again = await s.load(dir);
    expect(again.reports.cad_events.applied.units).toEqual([B0]);
    expect(again.lines.filter((l) => l.includes('late delivery')).length).toBe(1);
  });

  it('a failing load leaves staging and the applied batches as they were', async () => {
    const dir = await writeDrop({ [B1]: cad([{ event_id: 'E1' }]) });
    const s = await stagingFile();
    await s.load(dir);
    const noRequired = columnNames('cad_events').filter((c) => c !== 'received_at');
    await addBatch(dir, B2, cad([{ event_id: 'E2' }]));
    await addBatch(dir, B3, cad([{ event_id: 'E3' }], noRequired));
    await expect(s.load(dir)).rejects.toThrow(/missing required column received_at/);
    expect(await s.rows('SELECT event_id FROM stg_cad_events')).toEqual([{ event_id: 'E1' }]);
    expect(await s.rows('SELECT batch FROM _applied_batches')).toEqual([{ batch: B1 }]);
  });

  it('reports progress only for the pending files, reading and upserting', async () => {
    const dir = await writeDrop({ [B1]: cad([{}]) });
    const s = await stagingFile();
    await s.load(dir);
    await addBatch(dir, B2, cad([{ event_id: 'E2' }]));
    const calls: string[] = [];
    await s.load(dir, { progress: (step, d, t) => calls.push(`${step} ${d}/${t}`) });
    expect(calls).toEqual(['load cad_events 0/1', 'load cad_events 1/1', 'upsert cad_events 0/1', 'upsert cad_events 1/1']);
  });
});

describe('CSV drop: mapping file', () => {
  it('renames headers and the file, and maps codes before validation', async () => {
    const cols = columnNames('cad_events').map((c) => (c === 'event_id' ? 'incident_no' : c === 'received_at' ? 'call_time' : c));
    const t = '2026-03-04T21:07:55-08:00';
    const rows = [
      { incident_no: 'E1', call_time: t, call_source: 'E911' },
      { incident_no: 'E2', call_time: t, call_source: 'NE' },
      { incident_no: 'E3', call_time: t, call_source: 'ONVIEW' },
      { incident_no: 'E4', call_time: t, call_source: 'PIGEON' },
    ];
    const dir = await writeDrop({ [B1]: { 'cad_export.csv': csvFile('cad_events', rows, cols) } });
    const mapFile = join(dir, '..', `mapping-${Date.now()}.yaml`);
    await writeFile(mapFile, [
      'tables:',
      '  cad_events:',
      '    from: cad_export',
      '    columns: { event_id: incident_no, received_at: call_time }',
      '    codes: { call_source: { "E911": "911", NE: NON_EMERGENCY } }',
    ].join('\n'));
    const s = await stagingFile();
    const { reports, lines } = await s.load(dir, { mapping: mapFile });
    expect(reports.cad_events).toMatchObject({ staged: 3, quarantined: 1, unknownColumns: [] });
    expect(lines.some((l) => l.includes('cad_export.csv') && l.includes('not a contract table file'))).toBe(false);
    expect(await s.rows('SELECT event_id, call_source FROM stg_cad_events ORDER BY 1')).toEqual([
      { event_id: 'E1', call_source: '911' }, { event_id: 'E2', call_source: 'NON_EMERGENCY' }, { event_id: 'E3', call_source: 'ONVIEW' }]);
    const [q] = await s.rows('SELECT reason FROM quarantine');
    expect(String(q.reason)).toMatch(/^call_source: not one of the allowed codes/);

    // A missing mapped column is named by both names.
    const dir2 = await writeDrop({ [B1]: { 'cad_export.csv': csvFile('cad_events', [{}], columnNames('cad_events')) } });
    await expect((await stagingFile()).load(dir2, { mapping: mapFile })).rejects.toThrow(/missing required columns event_id \(mapped from "incident_no"\), received_at \(mapped from "call_time"\)/);
  });
});
