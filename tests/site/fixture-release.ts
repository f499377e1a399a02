// Test fixture: builds a small but valid published release in a temp data directory, written the
// way the publisher lays it out (manifest.json, data.json, rows.{csv,parquet,json}, chart artifacts,
// and the `current` symlink).
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ChartArtifact, Manifest, type DatasetManifest } from '../../publisher/manifest.ts';

export const INCIDENTS_ID = 'inci-2024';
export const FORCE_ID = 'uof0-0001';
export const INCIDENT_ROWS = 2500;
export const XSS = '<script>alert("x")</script> & more';

export async function makeDataDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'site-test-'));
}

/** Point DATA/current at releases/<id> atomically (symlink to a temp name, then rename). */
export async function pointCurrent(dataDir: string, releaseId: string): Promise<void> {
  const tmp = path.join(dataDir, `.current-${process.pid}-${Date.now()}`);
  await symlink(path.join('releases', releaseId), tmp);
  await rename(tmp, path.join(dataDir, 'current'));
}

async function fileEntry(releaseDir: string, rel: string, format: 'csv' | 'parquet' | 'json') {
  const buf = await readFile(path.join(releaseDir, rel));
  return { format, path: rel, bytes: (await stat(path.join(releaseDir, rel))).size, sha256: createHash('sha256').update(buf).digest('hex') };
}

const INCIDENT_SQL = (n: number, tag: string) => `
SELECT md5('${tag}' || i::VARCHAR) AS incident_key,
       TIMESTAMP '2024-01-01 00:00:00' + to_milliseconds(i * 3600 * 1000 + i % 1000) AS occurred_at,
       CASE WHEN i % 10 = 0 THEN NULL ELSE ['Burglary', 'Theft', 'Assault', 'Vandalism'][1 + i % 4] END AS category,
       CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 12) + 1 END::INTEGER AS district,
       (i % 3 = 0) AS arrest_made,
       CASE WHEN i = 5 THEN 'quote " and <b>tag</b>' ELSE NULL END AS note
FROM range(${n}) t(i)`;

async function copyAll(db: DuckDBInstance, sql: string, dir: string): Promise<void> {
  const c = await db.connect();
  try {
    await mkdir(dir, { recursive: true });
    const q = (f: string) => `'${path.join(dir, f).replace(/'/g, "''")}'`;
    await c.run(`COPY (${sql}) TO ${q('rows.parquet')} (FORMAT parquet)`);
    await c.run(`COPY (${sql}) TO ${q('rows.csv')} (FORMAT csv, HEADER true)`);
    await c.run(`COPY (${sql}) TO ${q('rows.json')} (FORMAT json, ARRAY true)`);
  } finally {
    c.closeSync();
  }
}

async function query(db: DuckDBInstance, sql: string): Promise<Record<string, string | number | null>[]> {
  const c = await db.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, string | number | null>[];
  } finally {
    c.closeSync();
  }
}

export interface ReleaseOptions {
  releaseId: string;
  incidentRows?: number;
  /** Text used in the incidents dataset's description (e.g. to test escaping). */
  description?: string;
  datasetName?: string;
}

/** Write releases/<id>/ with two datasets; returns the parsed manifest. Does not switch `current`. */
export async function buildRelease(dataDir: string, o: ReleaseOptions): Promise<Manifest> {
  const n = o.incidentRows ?? INCIDENT_ROWS;
  const dir = path.join(dataDir, 'releases', o.releaseId);
  await rm(dir, { recursive: true, force: true });
  const db = await DuckDBInstance.create(':memory:');
  try {
    const incSql = INCIDENT_SQL(n, o.releaseId);
    await copyAll(db, incSql, path.join(dir, 'datasets', INCIDENTS_ID));
    const forceSql = `SELECT 'f' || lpad(i::VARCHAR, 3, '0') AS case_key, (i * 1.5)::DOUBLE AS force_level,
      CASE WHEN i % 2 = 0 THEN 'Yes' END AS injury FROM range(30) t(i)`;
    await copyAll(db, forceSql, path.join(dir, 'datasets', FORCE_ID));

    const byCategory = await query(db, `SELECT coalesce(category, 'Unknown <none>') AS category,
      CASE WHEN count(*) < 300 THEN NULL ELSE count(*) END::INTEGER AS incidents FROM (${incSql}) GROUP BY 1 ORDER BY 1`);
    const byMonth = await query(db, `SELECT strftime(occurred_at, '%Y-%m') AS month, count(*)::INTEGER AS incidents
      FROM (${incSql}) GROUP BY 1 ORDER BY 1`);
    const charts: ChartArtifact[] = [
      {
        id: 'by-category', datasetId: INCIDENTS_ID, title: 'Incidents by category',
        description: 'Bar chart of incident counts per category; counts under 300 are suppressed.',
        spec: { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', mark: 'bar',
          encoding: { x: { field: 'category', type: 'nominal', title: 'Category' }, y: { field: 'incidents', type: 'quantitative', title: 'Incidents' } } },
        fields: [{ name: 'category', title: 'Category', type: 'nominal' }, { name: 'incidents', title: 'Incidents', type: 'quantitative' }],
        rows: byCategory, suppressedCells: byCategory.filter((r) => r.incidents === null).length,
      },
      {
        id: 'by-month', datasetId: INCIDENTS_ID, title: 'Incidents by month',
        description: 'Line chart of incidents per month.',
        spec: { mark: { type: 'line', point: true },
          encoding: { x: { field: 'month', type: 'ordinal', title: 'Month' }, y: { field: 'incidents', type: 'quantitative', title: 'Incidents' } } },
        fields: [{ name: 'month', title: 'Month', type: 'ordinal' }, { name: 'incidents', title: 'Incidents', type: 'quantitative' }],
        rows: byMonth, suppressedCells: 0,
      },
    ];
    const chartDir = path.join(dir, 'datasets', INCIDENTS_ID, 'charts');
    await mkdir(chartDir, { recursive: true });
    for (const chart of charts) {
      await writeFile(path.join(chartDir, `${chart.id}.json`), JSON.stringify(ChartArtifact.parse(chart)));
    }

    const files = async (id: string) =>
      Promise.all((['csv', 'parquet', 'json'] as const).map((f) => fileEntry(dir, `datasets/${id}/rows.${f}`, f)));
    const report = { rowsRead: n + 12, quarantined: 2, withheldByRule: { X5: 7, X6: 3 }, published: n, touchedByRule: { C2: n }, unknownColumns: [] };
    const incidents: DatasetManifest = {
      id: INCIDENTS_ID, slug: 'incidents', name: o.datasetName ?? 'Reported incidents',
      description: o.description ?? 'Incidents reported to the department.', category: 'Public safety',
      keywords: ['crime', 'incidents'], schedule: '0 6 * * *', sourceTable: 'incidents', rowKey: 'incident_key',
      columns: [
        { name: 'incident_key', title: 'Incident key', type: 'text', description: 'Keyed pseudonym of the incident.', rules: ['K1'] },
        { name: 'occurred_at', title: 'Occurred at', type: 'timestamp', description: 'When it happened, rounded.', rules: ['C2', 'T1'] },
        { name: 'category', title: 'Category', type: 'text', description: 'Offense category.', rules: [] },
        { name: 'district', title: 'District', type: 'integer', description: 'Patrol district.', rules: ['C2'] },
        { name: 'arrest_made', title: 'Arrest made', type: 'boolean', description: 'Whether an arrest was made.', rules: [] },
        { name: 'note', title: 'Note', type: 'text', description: 'Free text note.', rules: ['X9'], example: '<i>example</i>' },
      ],
      files: await files(INCIDENTS_ID), rowCount: n, rulesApplied: ['K1', 'C2', 'T1', 'X5', 'X6'], report,
      charts: charts.map((c) => ({ id: c.id, title: c.title, description: c.description, path: `datasets/${INCIDENTS_ID}/charts/${c.id}.json` })),
      temporal: { start: '2024-01-01', end: '2024-04-15' }, updatedAt: '2025-03-01T06:00:00Z',
    };
    const force: DatasetManifest = {
      id: FORCE_ID, slug: 'use-of-force', name: 'Use of force', description: 'Use of force reports.',
      category: 'Accountability', keywords: [], schedule: '0 7 * * 1', sourceTable: 'uof', rowKey: 'case_key',
      columns: [
        { name: 'case_key', title: 'Case key', type: 'text', description: 'Pseudonym.', rules: [] },
        { name: 'force_level', title: 'Force level', type: 'number', description: 'Level.', rules: [] },
        { name: 'injury', title: 'Injury', type: 'text', description: 'Injury reported.', rules: [] },
      ],
      files: await files(FORCE_ID), rowCount: 30, rulesApplied: [],
      report: { rowsRead: 30, quarantined: 0, withheldByRule: {}, published: 30, touchedByRule: {}, unknownColumns: [] },
      charts: [], temporal: { start: null, end: null }, updatedAt: '2025-02-01T07:00:00Z',
    };
    const manifest = Manifest.parse({
      releaseId: o.releaseId, createdAt: '2025-03-01T06:30:00Z', publisher: { name: 'test', version: '0.0.0' },
      agency: { name: 'Springfield Police Department', timezone: 'America/Chicago', contactEmail: 'data@example.org' },
      datasets: [incidents, force],
    });
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    await writeFile(path.join(dir, 'data.json'), JSON.stringify({
      conformsTo: 'https://project-open-data.cio.gov/v1.1/schema',
      dataset: manifest.datasets.map((d) => ({ identifier: d.id, title: d.name, description: d.description })),
    }));
    return manifest;
  } finally {
    db.closeSync();
  }
}
