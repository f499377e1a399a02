// A larger published release for the API tests: `c911-call` (calls for service, 60 000 rows by
// default, so a $limit=50000 page and the page after it both exist) with latitude/longitude, nulls,
// a boolean, an integer and a double column; and a small `uofx-frce` dataset. Written the way the
// publisher lays a release out (manifest.json, data.json, rows.{csv,parquet,json}; rows in row-key
// order, sortedByRowKey).
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Manifest, type DatasetManifest } from '../../../publisher/manifest.ts';

export const CALLS_ID = 'c911-call';
export const FORCE_ID = 'uofx-frce';
export const CALL_ROWS = 60_000;
export const CREATED_AT = '2026-11-23T15:00:09Z';

export const CALLS_SQL = (n: number) => `
SELECT md5('call' || i::VARCHAR)[1:16] AS event_id,
       TIMESTAMP '2025-01-01 00:00:00' + to_milliseconds((i * 7919 % ${n}) * 600 * 1000 + (i % 1000)) AS received_hour,
       ['911', 'NON_EMERGENCY', 'ONLINE', 'OFFICER'][1 + i % 4] AS call_source,
       (1 + i % 4)::INTEGER AS priority,
       CASE WHEN i % 50 = 0 THEN NULL ELSE ['NORTH', 'SOUTH', 'EAST', 'WEST', 'SOUTHWEST'][1 + (i * 31) % 5] END AS precinct,
       CASE WHEN i % 9 = 0 THEN NULL ELSE round(47.50 + ((i * 37) % 2000) / 10000.0, 4) END::DOUBLE AS latitude,
       CASE WHEN i % 9 = 0 THEN NULL ELSE round(-122.40 + ((i * 53) % 2000) / 10000.0, 4) END::DOUBLE AS longitude,
       CASE WHEN i % 13 = 0 THEN NULL ELSE ((i * 17) % 1200) / 10.0 END::DOUBLE AS response_minutes,
       (i % 3 = 0) AS arrest_made,
       CASE WHEN i % 1000 = 7 THEN 'Caller said "help", then hung up; it''s <b>odd</b>' WHEN i % 100 = 1 THEN 'Noise complaint' END AS note
FROM range(${n}) t(i)`;

export const FORCE_SQL = `SELECT 'f' || lpad(i::VARCHAR, 3, '0') AS uof_id, TIMESTAMP '2025-02-01 00:00:00' + INTERVAL (i) HOUR AS occurred_hour,
  ['Level 1', 'Level 2', 'Level 3'][1 + i % 3] AS force_level, (i % 4 = 0) AS injury FROM range(40) t(i)`;

async function fileEntry(releaseDir: string, rel: string, format: 'csv' | 'parquet' | 'json') {
  const buf = await readFile(path.join(releaseDir, rel));
  return { format, path: rel, bytes: (await stat(path.join(releaseDir, rel))).size, sha256: createHash('sha256').update(buf).digest('hex') };
}

/** Rows in row-key order, as the publisher writes them (sortedByRowKey); row groups of DuckDB's size unless given. */
async function copyAll(c: DuckDBConnection, sql: string, rowKey: string, dir: string, rowGroup?: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const q = (f: string) => `'${path.join(dir, f).replace(/'/g, "''")}'`;
  const sorted = `SELECT * FROM (${sql}) ORDER BY ${rowKey}`;
  await c.run(`COPY (${sorted}) TO ${q('rows.parquet')} (FORMAT parquet${rowGroup ? `, ROW_GROUP_SIZE ${rowGroup}` : ''})`);
  await c.run(`COPY (${sorted}) TO ${q('rows.csv')} (FORMAT csv, HEADER true)`);
  await c.run(`COPY (${sorted}) TO ${q('rows.json')} (FORMAT json, ARRAY true)`);
}


const report = (n: number) => ({ rowsRead: n, quarantined: 0, withheldByRule: {}, published: n, touchedByRule: {}, unknownColumns: [] });

/**
 * Write releases/<id>/ (does not switch `current`); returns the manifest. `rowGroup`: rows per
 * Parquet row group of the calls (one group by default, so aggregates over it are deterministic).
 */
export async function buildLargeRelease(dataDir: string, releaseId: string, rows = CALL_ROWS, rowGroup?: number): Promise<Manifest> {
  const dir = path.join(dataDir, 'releases', releaseId);
  await rm(dir, { recursive: true, force: true });
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    await copyAll(c, CALLS_SQL(rows), 'event_id', path.join(dir, 'datasets', CALLS_ID), rowGroup);
    await copyAll(c, FORCE_SQL, 'uof_id', path.join(dir, 'datasets', FORCE_ID));
  } finally {
    c.closeSync();
    db.closeSync();
  }
  const files = (id: string) => Promise.all((['csv', 'parquet', 'json'] as const).map((f) => fileEntry(dir, `datasets/${id}/rows.${f}`, f)));
  const col = (name: string, type: DatasetManifest['columns'][number]['type'], description: string) => ({ name, title: name.replace(/_/g, ' '), type, description, rules: [] });
  const calls: DatasetManifest = {
    id: CALLS_ID, slug: 'calls-for-service', name: 'Calls for service', description: 'Calls for police service.',
    category: 'Public safety', keywords: ['calls', '911'], schedule: '0 6 * * *', sourceTable: 'cad', rowKey: 'event_id', sortedByRowKey: true,
    columns: [
      col('event_id', 'text', 'Keyed pseudonym of the call.'),
      col('received_hour', 'timestamp', 'When the call was received.'),
      col('call_source', 'text', 'How the call came in.'),
      col('priority', 'integer', 'Priority, 1 (highest) to 4.'),
      col('precinct', 'text', 'Precinct.'),
      col('latitude', 'number', 'Latitude, generalized.'),
      col('longitude', 'number', 'Longitude, generalized.'),
      col('response_minutes', 'number', 'Minutes to arrival.'),
      col('arrest_made', 'boolean', 'Whether an arrest was made.'),
      col('note', 'text', 'Free text note.'),
    ],
    files: await files(CALLS_ID), rowCount: rows, rulesApplied: [], report: report(rows), charts: [],
    temporal: { start: '2025-01-01', end: '2026-01-01' }, updatedAt: '2026-11-23T06:00:00Z',
  };
  const force: DatasetManifest = {
    id: FORCE_ID, slug: 'use-of-force', name: 'Use of force', description: 'Use of force reports.',
    category: 'Accountability', keywords: ['force'], schedule: '0 7 * * 1', sourceTable: 'uof', rowKey: 'uof_id', sortedByRowKey: true,
    columns: [col('uof_id', 'text', 'Pseudonym.'), col('occurred_hour', 'timestamp', 'When.'), col('force_level', 'text', 'Level.'), col('injury', 'boolean', 'Injury.')],
    files: await files(FORCE_ID), rowCount: 40, rulesApplied: [], report: report(40), charts: [],
    temporal: { start: null, end: null }, updatedAt: '2026-11-20T07:00:00Z',
  };
  const manifest = Manifest.parse({
    releaseId, createdAt: CREATED_AT, publisher: { name: 'test', version: '0.0.0' },
    agency: { name: 'Springfield Police Department', timezone: 'America/Chicago', contactEmail: 'data@example.org' },
    datasets: [calls, force],
  });
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  await writeFile(path.join(dir, 'data.json'), '{}');
  return manifest;
}
