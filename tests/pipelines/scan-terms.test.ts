// The persistent X3 term table on its own: a run adds exactly the terms of loads it has not seen,
// a full run, missing bookkeeping or a new selection version rebuild it, and neither a failed
// update nor a clock that went back can leave staged values out of it.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { beforeEach, describe, expect, it } from 'vitest';
import { tableSpec } from '../../pipelines/contract.ts';
import { buildScanTerms, SCAN_TERMS_VERSION } from '../../pipelines/scan-terms.ts';
import { ensureStaging } from '../../pipelines/sources/stage.ts';

let conn: DuckDBConnection;

/** Stages use-of-force rows (id, officer name) as one load of `batch` at `at`. */
async function stage(batch: string, at: string, rows: [string, string][]): Promise<void> {
  const values = rows.map(([id, name]) => `('${id}', 'INC-${id}', 'S${id}', '${name}', '${batch}', TIMESTAMPTZ '${at}')`).join(', ');
  await conn.run(`INSERT INTO stg_use_of_force (uof_id, incident_number, officer_serial, officer_name, _batch, _loaded_at) VALUES ${values}`);
}

async function terms(): Promise<string[]> {
  return (await conn.runAndReadAll('SELECT term FROM scan_terms ORDER BY term')).getRows().map((r) => String(r[0]));
}

/** What a rebuild from all of staging gives, computed in a scratch copy of the term table. */
async function rebuiltTerms(): Promise<string[]> {
  await conn.run('CREATE TABLE saved_terms AS SELECT * FROM scan_terms; CREATE TABLE saved_loads AS SELECT * FROM _scan_terms_loads');
  await buildScanTerms(conn, ['use_of_force'], true);
  const out = await terms();
  await conn.run('CREATE OR REPLACE TABLE scan_terms AS SELECT * FROM saved_terms; CREATE OR REPLACE TABLE _scan_terms_loads AS SELECT * FROM saved_loads');
  await conn.run('DROP TABLE saved_terms; DROP TABLE saved_loads');
  return out;
}

beforeEach(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  await ensureStaging(conn, tableSpec('use_of_force'));
  await stage('20261101T020000Z', '2026-11-01T03:00:00Z', [['1001', 'ANNA BELL'], ['1002', 'CARL DORN']]);
});

describe('the persistent scan term table', () => {
  it('is built from scratch the first time, with the selection rules of the gate', async () => {
    const first = await buildScanTerms(conn, ['use_of_force']);
    expect(first.rebuilt).toBe('no term table yet');
    // Multi-word names and values with digits of 5+ characters; "S1001" qualifies, "1001" does not (4 characters).
    expect(await terms()).toEqual(['ANNA BELL', 'CARL DORN', 'INC 1001', 'INC 1002', 'S1001', 'S1002']);
    expect(first).toMatchObject({ terms: 6, added: 6 });
  });

  it('adds exactly the terms of a new load, and a full run rebuilds', async () => {
    await buildScanTerms(conn, ['use_of_force']);
    await stage('20261102T020000Z', '2026-11-02T03:00:00Z', [['1003', 'ERIN FOX'], ['1004', 'ANNA BELL']]);
    const second = await buildScanTerms(conn, ['use_of_force']);
    expect(second).toEqual({ terms: 11, added: 5, rebuilt: null });
    expect(await terms()).toEqual(await rebuiltTerms());
    // Nothing new: nothing added.
    expect(await buildScanTerms(conn, ['use_of_force'])).toEqual({ terms: 11, added: 0, rebuilt: null });
    // A full run starts over: terms of rows no longer staged go.
    await conn.run(`DELETE FROM stg_use_of_force WHERE uof_id = '1003'`);
    const full = await buildScanTerms(conn, ['use_of_force'], true);
    expect(full).toMatchObject({ terms: 8, rebuilt: 'full run' });
    expect(await terms()).not.toContain('ERIN FOX');
  });

  it('keeps terms of replaced rows until the next rebuild (stricter, never fewer)', async () => {
    await buildScanTerms(conn, ['use_of_force']);
    await conn.run(`DELETE FROM stg_use_of_force WHERE uof_id = '1002'`);
    await stage('20261102T020000Z', '2026-11-02T03:00:00Z', [['1002', 'CARLA DORN']]);
    expect(await buildScanTerms(conn, ['use_of_force'])).toMatchObject({ added: 1, rebuilt: null });
    expect(await terms()).toEqual(expect.arrayContaining(['CARL DORN', 'CARLA DORN']));
  });

  it('picks up a load stamped earlier than the last one (clock set back) and a load that gained rows', async () => {
    await buildScanTerms(conn, ['use_of_force']);
    await stage('20261103T020000Z', '2026-10-01T00:00:00Z', [['1005', 'GIL HART']]);
    await stage('20261101T020000Z', '2026-11-01T03:00:00Z', [['1006', 'IDA JONES']]);
    expect(await buildScanTerms(conn, ['use_of_force'])).toMatchObject({ added: 6, rebuilt: null });
    expect(await terms()).toEqual(await rebuiltTerms());
  });

  it('rebuilds without bookkeeping or when the selection version changed', async () => {
    await buildScanTerms(conn, ['use_of_force']);
    await conn.run(`UPDATE _scan_terms_meta SET version = 'v1-old'`);
    expect((await buildScanTerms(conn, ['use_of_force'])).rebuilt).toBe(`term selection changed (v1-old → ${SCAN_TERMS_VERSION})`);
    await conn.run('DROP TABLE _scan_terms_loads');
    expect((await buildScanTerms(conn, ['use_of_force'])).rebuilt).toBe('no bookkeeping');
    expect(await buildScanTerms(conn, ['use_of_force'])).toMatchObject({ terms: 6, added: 0, rebuilt: null });
  });

  it('records nothing when an update fails, so the next run adds the load after all', async () => {
    await buildScanTerms(conn, ['use_of_force']);
    await stage('20261102T020000Z', '2026-11-02T03:00:00Z', [['1007', 'KAI LUND']]);
    // A second column makes the INSERT of new terms fail inside the update's transaction.
    await conn.run('ALTER TABLE scan_terms ADD COLUMN broken INTEGER');
    await expect(buildScanTerms(conn, ['use_of_force'])).rejects.toThrow();
    await conn.run('ALTER TABLE scan_terms DROP COLUMN broken');
    expect(await terms()).not.toContain('KAI LUND');
    expect(await buildScanTerms(conn, ['use_of_force'])).toMatchObject({ added: 3, rebuilt: null });
    expect(await terms()).toContain('KAI LUND');
  });
});
