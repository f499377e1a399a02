// Whole runs against a real PostgreSQL records database (Debian's server, run as the postgres
// user): an incremental pull, a reclassified offense, a sealed call removed from the new release
// and (by `publisher seal`) from the retained one, and the source going down (the last release keeps serving; the failure is
// recorded).
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createHmac } from 'node:crypto';
import { readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Config } from '../../pipelines/config.ts';
import { readRuns } from '../../pipelines/history.ts';
import { memoryLogger, noProgress } from '../../pipelines/io.ts';
import { sealRetained } from '../../pipelines/rollback.ts';
import { runPipelines } from '../../pipelines/run.ts';
import { contractDdl, openToServer, startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { demoDrop, tempDir, TEST_KEY } from '../helpers/pipeline.ts';

const pseudonym = (ns: string, v: string) => createHmac('sha256', Buffer.from(TEST_KEY, 'hex')).update(`${ns}\x1f${v}`).digest('hex').slice(0, 16);

let pg: TestPostgres;
let duck: DuckDBConnection;
let data: string;
const schema = `run_${process.pid}`;

function run(clock: string) {
  const config: Config = { ...Config.parse({}), source: 'postgres', postgresSchema: schema, dataDir: data, sourceDir: '/nonexistent' };
  return runPipelines({
    config, log: memoryLogger(), progress: noProgress, clock: () => new Date(clock),
    env: { PUBLISHER_KEY: TEST_KEY, RECORDS_DATABASE_URL: pg.url },
  });
}

async function published(releaseDir: string, id: string, key: string): Promise<Map<string, Record<string, unknown>>> {
  const rows = (await duck.runAndReadAll(`SELECT * FROM read_parquet('${releaseDir}/datasets/${id}/rows.parquet')`)).getRowObjectsJson();
  return new Map(rows.map((r) => [String(r[key]), r as Record<string, unknown>]));
}

beforeAll(async () => {
  pg = await startPostgres();
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  data = await tempDir('pg-run');
  const drop = await demoDrop({ scale: 0.002 });
  const batch = path.join(drop, (await readdir(drop)).sort()[0]);
  // The server reads the CSVs itself (COPY FROM file), as the postgres user.
  await openToServer(batch);
  await pg.query(contractDdl(schema));
  for (const table of ['cad_events', 'rms_offenses', 'use_of_force']) {
    await pg.query(`COPY "${schema}"."${table}" FROM '${batch}/${table}.csv' WITH (FORMAT csv, HEADER true)`);
  }
});
afterAll(async () => pg?.stop());

describe('runs against PostgreSQL', () => {
  it('pulls incrementally, reclassifies, seals across releases, and survives the source going down', async () => {
    const first = await run('2026-11-14T12:00:00Z');
    const [{ n: calls }] = (await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".cad_events WHERE record_status = 'ACTIVE'`));
    expect(first.reports['c911-call'].published).toBe(calls);

    // A published offense is reclassified; a published call is sealed by court order.
    const offense = (await pg.query(`SELECT offense_id FROM "${schema}".rms_offenses WHERE approval_status = 'APPROVED' AND record_status = 'ACTIVE' AND nibrs_code = '23F' ORDER BY offense_id LIMIT 1`))[0].offense_id as string;
    const call = (await pg.query(`SELECT event_id FROM "${schema}".cad_events WHERE record_status = 'ACTIVE' ORDER BY event_id LIMIT 1`))[0].event_id as string;
    expect((await published(first.releaseDir, 'nibr-offs', 'offense_id')).get(pseudonym('offense_id', offense))?.nibrs_code).toBe('23F');
    expect((await published(first.releaseDir, 'c911-call', 'event_id')).has(pseudonym('event_id', call))).toBe(true);
    await pg.query(`UPDATE "${schema}".rms_offenses SET nibrs_code = '23H', offense_description = 'ALL OTHER LARCENY', updated_at = now() WHERE offense_id = $1`, [offense]);
    await pg.query(`UPDATE "${schema}".cad_events SET record_status = 'SEALED', updated_at = now() WHERE event_id = $1`, [call]);

    const second = await run('2026-11-15T12:00:00Z');
    const runs = await readRuns(data);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect((await published(second.releaseDir, 'nibr-offs', 'offense_id')).get(pseudonym('offense_id', offense))?.nibrs_code).toBe('23H');
    expect((await published(second.releaseDir, 'c911-call', 'event_id')).has(pseudonym('event_id', call))).toBe(false);
    // The retained release keeps it, unserved, until it would serve again or `publisher seal` runs.
    expect((await published(first.releaseDir, 'c911-call', 'event_id')).has(pseudonym('event_id', call))).toBe(true);
    expect(await sealRetained(data)).toEqual([{ releaseId: first.releaseId, datasetId: 'c911-call', removed: 1 }]);
    expect((await published(first.releaseDir, 'c911-call', 'event_id')).has(pseudonym('event_id', call))).toBe(false);
    expect(second.reports['c911-call'].withheldByRule.X6).toBe(first.reports['c911-call'].withheldByRule.X6 + 1);

    // The records database goes down: the run fails clearly, the last release keeps serving.
    await pg.stop();
    await expect(run('2026-11-16T12:00:00Z')).rejects.toThrow(/records database unreachable/);
    expect(path.basename(await readlink(path.join(data, 'current')))).toBe(second.releaseId);
    const last = (await readRuns(data)).at(-1)!;
    expect(last.status).toBe('failed');
    expect(last.error).toMatch(/unreachable/);
  });
});
