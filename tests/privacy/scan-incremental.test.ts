// The scan gate (X3) on an incremental run: the term table is not rebuilt, yet a source value
// first seen in the run's new batch is hunted for, and blocks the release that would publish it.
// A full run rebuilds the term table; either way it ends up holding what a rebuild would.
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../pipelines/io.ts';
import { buildScanTerms } from '../../pipelines/scan-terms.ts';
import { CURRENT_LINK } from '../../publisher/manifest.ts';
import { csvFile } from '../pipelines/sources/csv-drop-helpers.ts';
import { demoDrop, runOnce, tempDir } from '../helpers/pipeline.ts';

const CALLER = 'Zebulon Canaryfirst';
const AT = '2026-10-20T14:23:11-07:00';

/** A batch with one new call whose street is named like its caller: the block address then spells a staged name. */
async function addCanaryBatch(source: string): Promise<void> {
  const dir = path.join(source, '20261101T020000Z');
  await mkdir(dir);
  await writeFile(path.join(dir, 'cad_events.csv'), csvFile('cad_events', [{
    event_id: '2026-99995555', received_at: AT, dispatched_at: AT, arrived_at: AT, cleared_at: AT, call_source: '911',
    initial_call_type: 'THEFT - SHOPLIFT', final_call_type: 'THEFT - SHOPLIFT', priority: '2', precinct: 'NORTH', sector: 'B', beat: 'B2',
    address: `1200 ${CALLER.toUpperCase()} AVE`, latitude: '47.61', longitude: '-122.33', caller_name: CALLER, caller_phone: '(971) 555-0123',
    remarks: 'none', officer_serials: 'S990001', report_number: null, updated_at: AT, record_status: 'ACTIVE',
  }]));
}

async function stagedTerms(dataDir: string): Promise<{ kept: string[]; rebuilt: string[] }> {
  const db = await DuckDBInstance.create(path.join(dataDir, 'staging', 'staging.duckdb'));
  const conn = await db.connect();
  const read = async () => (await conn.runAndReadAll('SELECT term FROM scan_terms ORDER BY term')).getRows().map((r) => String(r[0]));
  const kept = await read();
  await buildScanTerms(conn, ['cad_events', 'rms_offenses', 'use_of_force'], true);
  const rebuilt = await read();
  conn.closeSync();
  db.closeSync();
  return { kept, rebuilt };
}

describe('the scan gate on an incremental run', () => {
  it('hunts for a source value first seen in the new batch, without rebuilding the term table', async () => {
    const source = await demoDrop({ scale: 0.001 });
    const data = await tempDir('scan-incremental');
    const first = await runOnce(source, data);
    expect(first.log.lines.join('\n')).toMatch(/scan gate: \d+ source values to hunt for \(rebuilt: no term table yet\)/);
    expect((await stagedTerms(data)).kept).not.toContain(CALLER.toUpperCase());

    await addCanaryBatch(source);
    const log = memoryLogger();
    await expect(runOnce(source, data, { log, clock: () => new Date('2026-11-15T00:00:00Z') }))
      .rejects.toThrow(/source value in datasets\/c911-call\/rows\.\{csv,json,parquet\} at rows\.csv line \d+, column block_address/);
    expect(log.lines.join('\n')).toMatch(/scan gate: \d+ source values to hunt for \([1-9]\d* new\)/);
    const current = JSON.parse(await readFile(path.join(data, CURRENT_LINK, 'manifest.json'), 'utf8'));
    expect(current.releaseId).toBe(first.releaseId);
    const { kept, rebuilt } = await stagedTerms(data);
    expect(kept).toContain(CALLER.toUpperCase());
    expect(kept).toEqual(rebuilt);

    const full = memoryLogger();
    await expect(runOnce(source, data, { log: full, full: true, clock: () => new Date('2026-11-16T00:00:00Z') })).rejects.toThrow(/source value/);
    expect(full.lines.join('\n')).toMatch(/scan gate: \d+ source values to hunt for \(rebuilt: full run\)/);
  });
});
