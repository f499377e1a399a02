// Baseline attack 1, tested like security: plant unique canary values in every PII and free-text
// field of the source, publish, then look for them in every release file (Parquet read back
// through DuckDB), every page and every API answer of the served portal.
import { DuckDBInstance } from '@duckdb/node-api';
import { createHmac } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_LINK } from '../../publisher/manifest.ts';
import { csvFile } from '../pipelines/sources/csv-drop-helpers.ts';
import { demoDrop, runOnce, tempDir, TEST_KEY } from '../helpers/pipeline.ts';
import { runApp, type Running } from '../site/helpers.ts';
import { renderReleasePages } from '../../site/render-pages.ts';

const C = {
  names: ['Quillon Canarywhistle', 'Persephone Zanzibarova', 'Octavius Nightjarson', 'Ysolde Marchpane', 'Thaddeus Wrenfeather', 'Barnaby Quetzalcoatl'],
  phones: ['(971) 555-0199', '503-555-0147'],
  emails: ['q.canarywhistle@canarymail.example', 'persephone.z@canarymail.example'],
  dobs: ['1961-07-14', '1987-02-28', '1990-12-03'],
  addresses: ['8765 ZEBRAWOOD CANARY AVE', '4321 CANARYQUILL ST', '2468 CANARYSONG WAY', '1357 CANARYFORCE PL'],
  coords: ['47.6123457', '-122.3345671'],
  plate: 'QZX9876',
  serial: 'S990001',
  personId: 'P-CANARY-0001',
  injury: 'fractured left tibia zygomorph',
  freeText: 'ZEPHYRINE LOITERING NEAR MAILBOX',
  ids: ['2026-99990001', '2026-99990002', 'OFF-CANARY-1', 'OFF-CANARY-2', 'RPT-CANARY-1', 'RPT-CANARY-2', 'UOF-CANARY-1', 'INC-CANARY-1'],
};
const remarks = `RP ${C.names[0]} ${C.phones[0]}, says "${C.freeText}"\nVEH PLATE ${C.plate}, email ${C.emails[0]}`;
const AT = '2026-10-20T14:23:11-07:00';
const LATER = '2026-10-20T15:01:00-07:00';

/** Literal canaries, plus phone digits in any punctuation, plus the pseudonym key. */
const needles: { label: string; test: (text: string) => boolean }[] = [
  ...[...C.names, ...C.names.flatMap((n) => n.split(' ')), ...C.emails, ...C.dobs, ...C.addresses, ...C.coords, C.plate, C.serial,
    C.personId, C.injury, C.freeText, ...C.ids, 'CANARYQUILL', 'CANARYSONG', 'CANARYFORCE', TEST_KEY, '8765 ZEBRAWOOD']
    .map((s) => ({ label: s, test: (t: string) => t.toLowerCase().includes(s.toLowerCase()) })),
  { label: 'phone 971-555-0199', test: (t) => /971\D{0,3}555\D{0,3}0199/.test(t) },
  { label: 'phone 503-555-0147', test: (t) => /503\D{0,3}555\D{0,3}0147/.test(t) },
];

function leaks(where: string, text: string): string[] {
  return needles.filter((n) => n.test(text)).map((n) => `${n.label} in ${where}`);
}

function canaryBatch() {
  const cad = (id: string, callType: string, address: string) => ({
    event_id: id, received_at: AT, dispatched_at: AT, arrived_at: LATER, cleared_at: LATER, call_source: '911',
    initial_call_type: callType, final_call_type: callType, priority: '2', precinct: 'NORTH', sector: 'B', beat: 'B2',
    address, latitude: C.coords[0], longitude: C.coords[1], caller_name: C.names[0], caller_phone: C.phones[0],
    remarks, officer_serials: `${C.serial};S990002`, report_number: C.ids[4], updated_at: LATER, record_status: 'ACTIVE',
  });
  const offense = (id: string, report: string, code: string, desc: string, address: string, victimAge: string) => ({
    offense_id: id, report_number: report, reported_at: AT, occurred_from: AT, occurred_to: LATER, nibrs_code: code,
    offense_description: desc, nibrs_group: 'A', crime_against: 'PERSON', report_channel: 'OFFICER', precinct: 'NORTH',
    sector: 'B', beat: 'B2', neighborhood: 'CANARY HEIGHTS', address, latitude: C.coords[0], longitude: C.coords[1],
    location_type: `APT 12B AT ${C.names[5]} TOWERS`, domestic_violence: 'false', victim_name: C.names[1], suspect_name: C.names[2],
    victim_dob: C.dobs[0], suspect_dob: C.dobs[1], victim_age: victimAge, suspect_age: '38', victim_sex: 'F', suspect_sex: 'M',
    victim_race: 'WHITE', suspect_race: 'WHITE', victim_phone: C.phones[1], victim_email: C.emails[1],
    narrative: `${C.names[1]} (${C.phones[1]}) reported ${C.names[2]}, plate ${C.plate}.\n${C.freeText}`,
    case_status: 'OPEN', approval_status: 'APPROVED', assigned_unit: 'CANARY UNIT', updated_at: LATER, record_status: 'ACTIVE',
  });
  return {
    'cad_events.csv': csvFile('cad_events', [
      cad(C.ids[0], 'THEFT - SHOPLIFT', C.addresses[0]),
      cad(C.ids[1], 'DV - ASSAULT', C.addresses[1]),
    ]),
    'rms_offenses.csv': csvFile('rms_offenses', [
      offense(C.ids[2], C.ids[4], '23C', 'SHOPLIFTING', C.addresses[0], '41'),
      offense(C.ids[3], C.ids[5], '11A', 'RAPE', C.addresses[2], '19'),
    ]),
    'use_of_force.csv': csvFile('use_of_force', [{
      uof_id: C.ids[6], incident_number: C.ids[7], occurred_at: AT, force_level: 'LEVEL_2', force_types: 'TAKEDOWN;TASER',
      precinct: 'NORTH', sector: 'B', beat: 'B2', address: C.addresses[3], latitude: C.coords[0], longitude: C.coords[1],
      officer_serial: C.serial, officer_name: C.names[3], officer_race: 'WHITE', officer_sex: 'M', officer_birth_year: '1980',
      officer_hire_date: '2010-05-01', subject_person_id: C.personId, subject_name: C.names[4], subject_dob: C.dobs[2],
      subject_race: 'BLACK', subject_sex: 'M', subject_injured: 'Y', officer_injured: 'N', subject_injury_description: C.injury,
      narrative: `${C.names[4]} resisted; ${C.names[3]} used taser. ${C.freeText}`, review_status: 'IN_POLICY', updated_at: LATER, record_status: 'ACTIVE',
    }]),
  };
}

const pseudonym = (namespace: string, value: string) =>
  createHmac('sha256', Buffer.from(TEST_KEY, 'hex')).update(`${namespace}\x1f${value}`).digest('hex').slice(0, 16);

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

// As single files, and with every CSV/JSON in parts (the layout of large datasets).
describe.each([
  { layout: 'single files', config: {} },
  { layout: 'parts', config: { bulkParts: { above: 0, rows: 500 } } },
])('canary PII never leaves staging ($layout)', ({ config }) => {
  let dataDir: string;
  let releaseDir: string;
  let app: Running;
  const found: string[] = [];

  beforeAll(async () => {
    const source = await demoDrop();
    const batch = path.join(source, '20261101T020000Z');
    await mkdir(batch);
    for (const [name, content] of Object.entries(canaryBatch())) await writeFile(path.join(batch, name), content);
    dataDir = await tempDir('canary-data');
    const run = await runOnce(source, dataDir, {}, config);
    releaseDir = run.releaseDir;
    app = await runApp(dataDir);
  });
  afterAll(async () => app?.close());

  it('publishes the canary rows, transformed (so the scan below is not vacuous)', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const q = async (sql: string) => (await c.runAndReadAll(sql)).getRowObjectsJson();
    const calls = await q(`SELECT * FROM read_parquet('${releaseDir}/datasets/c911-call/rows.parquet') WHERE event_id IN ('${pseudonym('event_id', C.ids[0])}', '${pseudonym('event_id', C.ids[1])}') ORDER BY initial_call_type`);
    expect(calls.map((r) => r.block_address)).toEqual(['REDACTED', '87XX BLOCK OF ZEBRAWOOD CANARY AVE']);
    const offenses = await q(`SELECT * FROM read_parquet('${releaseDir}/datasets/nibr-offs/rows.parquet') WHERE offense_id IN ('${pseudonym('offense_id', C.ids[2])}', '${pseudonym('offense_id', C.ids[3])}') ORDER BY nibrs_code`);
    expect(offenses.map((r) => [r.nibrs_code, r.block_address])).toEqual([
      ['11A', 'REDACTED'],
      ['23C', '87XX BLOCK OF ZEBRAWOOD CANARY AVE'],
    ]);
    expect(offenses[0].victim_age_band).toBe('REDACTED');
    // A victim alone on that beat and day: X8 widens the band or withholds it, never the raw age.
    expect(['40-49', '40-64', 'REDACTED']).toContain(offenses[1].victim_age_band);
    const force = await q(`SELECT * FROM read_parquet('${releaseDir}/datasets/uofx-frce/rows.parquet') WHERE uof_id = '${pseudonym('uof_id', C.ids[6])}'`);
    expect(force).toHaveLength(1);
    expect(force[0].officer_id).toBe(pseudonym('officer', C.serial));
    expect(force[0].subject_injured).toBe(true);
    c.closeSync();
    db.closeSync();
  });

  it('leaves no canary in any file of the release (Parquet read back through DuckDB)', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const files = await filesUnder(releaseDir);
    expect(files.length).toBeGreaterThan(10);
    expect(files.some((f) => f.includes(`${path.sep}parts${path.sep}`))).toBe('bulkParts' in config);
    for (const file of files) {
      const rel = path.relative(releaseDir, file);
      if (file.endsWith('.parquet')) {
        const rows = (await c.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson();
        expect(rows.length).toBeGreaterThan(0);
        found.push(...leaks(rel, JSON.stringify(rows)));
      } else {
        found.push(...leaks(rel, await readFile(file, 'utf8')));
      }
    }
    c.closeSync();
    db.closeSync();
    expect(found).toEqual([]);
  });

  it('leaves no canary in any page or API answer of the served portal', async () => {
    const manifest = JSON.parse(await readFile(path.join(dataDir, CURRENT_LINK, 'manifest.json'), 'utf8'));
    const paths = ['/', '/data.json', '/health'];
    for (const d of manifest.datasets) {
      paths.push(`/datasets/${d.id}`, `/datasets/${d.id}/rows.csv`, `/datasets/${d.id}/rows.json`);
      for (const ch of d.charts) paths.push(`/datasets/${d.id}/charts/${ch.id}.svg`);
      for (let offset = 0; offset < d.rowCount + 1; offset += 50000) paths.push(`/resource/${d.id}.json?$limit=50000&$offset=${offset}`);
    }
    const leaked: string[] = [];
    for (const p of paths) {
      const res = await app.get(p);
      expect(res.status, p).toBe(200);
      const body = await res.text();
      if (/rows\.(csv|json)$/.test(p)) expect(body.length, p).toBeGreaterThan(1000);
      leaked.push(...leaks(p, body));
    }
    expect(leaked).toEqual([]);
  });

  it('never serves staging, quarantine, the key or the run history', async () => {
    const probes = ['/staging/staging.duckdb', '/publisher.key', '/runs/history.jsonl', '/datasets/..%2F..%2Fpublisher.key',
      '/datasets/c911-call/..%2F..%2F..%2Fstaging%2Fstaging.duckdb', '/resource/..%2Fstaging.json', '/current/manifest.json'];
    for (const p of probes) {
      const res = await app.get(p);
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect(leaks(p, await res.text())).toEqual([]);
    }
  });
});

async function canaryDrop(): Promise<string> {
  const source = await demoDrop({ scale: 0.001 });
  const batch = path.join(source, '20261101T020000Z');
  await mkdir(batch);
  for (const [name, content] of Object.entries(canaryBatch())) await writeFile(path.join(batch, name), content);
  return source;
}

describe('the canary scan fails when a defence is removed (scan gate X3 off too)', () => {
  it.each([
    [['C2', 'I1'], '8765 ZEBRAWOOD'],
    [['C4'], 'CANARYQUILL'],
    [['X4'], '2026-99990001'],
    [['I2'], 'CANARYSONG'],
  ])('without %j the release leaks %s', async (disabled, canary) => {
    const run = await runOnce(await canaryDrop(), await tempDir('canary-off'), { disabledRules: [...disabled, 'X3'] });
    const csv = await Promise.all(['c911-call', 'nibr-offs'].map((id) => readFile(path.join(run.releaseDir, 'datasets', id, 'rows.csv'), 'utf8')));
    expect(leaks('rows.csv', csv.join('\n'))).toContain(`${canary} in rows.csv`);
  });
});

describe('the scan gate (X3) blocks a release that would leak, naming the artifact and offset', () => {
  it.each([
    [['C2', 'I1'], /exact address in datasets\/c911-call\/rows\.\{csv,json,parquet\} at rows\.csv line \d+, column block_address/],
    [['X4'], /source value in datasets\/\S+\/rows\.\{csv,json,parquet\} at rows\.csv line \d+, column \w+_id/],
  ])('without %j the run fails and the last release keeps serving', async (disabled, message) => {
    const source = await canaryDrop();
    const data = await tempDir('canary-gate');
    const first = await runOnce(source, data);
    await expect(runOnce(source, data, { disabledRules: disabled, clock: () => new Date('2026-11-15T00:00:00Z') })).rejects.toThrow(message);
    const current = JSON.parse(await readFile(path.join(data, CURRENT_LINK, 'manifest.json'), 'utf8'));
    expect(current.releaseId).toBe(first.releaseId);
  });

  it('scans the rendered pages too, and publishes a privacy report with the scan result', async () => {
    const drop = await canaryDrop();
    const without = await runOnce(drop, await tempDir('canary-report-files'));
    const run = await runOnce(drop, await tempDir('canary-report'), { renderPages: renderReleasePages });
    const report = JSON.parse(await readFile(path.join(run.releaseDir, 'privacy-report.json'), 'utf8'));
    const filesOnly = JSON.parse(await readFile(path.join(without.releaseDir, 'privacy-report.json'), 'utf8'));
    expect(report.scan.artifacts - filesOnly.scan.artifacts).toBeGreaterThanOrEqual(15);
    expect(report.scan).toMatchObject({ passed: true, hits: 0 });
    expect(report.scan.terms).toBeGreaterThan(100);
    expect(report.scan.units).toBeGreaterThan(1000);
  });
});
