// Bad input (#8.3): a CSV batch full of what a records system really sends — bad timestamps,
// unknown codes, wrong column counts, invalid UTF-8, duplicate keys, huge fields, an over-long
// line and formula-injection text in published columns — goes through a whole run. Each bad row
// is quarantined with a reason or handled safely; no published CSV cell (bulk files, SODA CSV,
// SQL CSV) starts with = + - @ taken from source text; counts reconcile per dataset.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCurrentRelease, type OpenRelease } from '../../publisher/release-reader.ts';
import { demoDrop, runOnce, tempDir } from '../helpers/pipeline.ts';
import { runApp, type Running } from '../site/helpers.ts';
import { columnNames, csvRow } from '../pipelines/sources/csv-drop-helpers.ts';

const BATCH = '20261101T020000Z';
const FORMULAS = ["=cmd|' /C calc'!A0", '+SUM(1)', '-2+3', '@SUM(A1:A9)', '=HYPERLINK("http://evil.example","x")', '\t=1+1'];
/** Published free-form text columns of c911-call (datasets/calls-for-service.yaml) that take source text as is. */
const TARGETS = ['initial_call_type', 'final_call_type', 'disposition', 'precinct', 'sector', 'beat'] as const;

let data: string;
let release: OpenRelease;
let run: Awaited<ReturnType<typeof runOnce>>;
let staging: { rows(sql: string): Promise<Record<string, unknown>[]>; close(): void };
let app: Running;

const id = (n: number) => `2026-9${String(n).padStart(7, '0')}`;
const ok = (n: number, extra: Record<string, string> = {}) => csvRow('cad_events', { event_id: id(n), record_status: 'ACTIVE', ...extra });

beforeAll(async () => {
  const drop = await demoDrop({ scale: 0.001 });
  const dir = path.join(drop, BATCH);
  await mkdir(dir);
  const header = columnNames('cad_events').join(',');
  const cols = columnNames('cad_events').length;
  const lines: (string | Buffer)[] = [header];
  // 1-6. Bad timestamps and unknown codes.
  lines.push(ok(1, { received_at: 'yesterday at noon' }));
  lines.push(ok(2, { received_at: '2026-13-45T25:61:00-08:00' }));
  lines.push(ok(3, { updated_at: '' }));
  lines.push(ok(4, { call_source: 'CARRIER_PIGEON' }));
  lines.push(ok(5, { record_status: 'DELETED' }));
  lines.push(ok(6, { priority: '12' }));
  // 7-8. Wrong column counts.
  lines.push(`${id(7)},too,few,columns`);
  lines.push(`${ok(8)},one,two,extra`);
  // 9. Invalid UTF-8 inside a published text field.
  lines.push(ok(9, { precinct: 'PREC\u0001' }));
  const [pre, post] = ok(10, { disposition: 'REP@@@' }).split('@@@');
  lines.push(Buffer.concat([Buffer.from(pre), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(post)]));
  // 11-12. Duplicate keys within the batch: the newer updated_at wins, the older is superseded.
  lines.push(ok(11, { disposition: 'OLDER VERSION', updated_at: '2026-03-05T10:00:00-08:00' }));
  lines.push(ok(11, { disposition: 'NEWER VERSION', updated_at: '2026-03-06T10:00:00-08:00' }));
  // 13. A 5 MB remarks field (free text: read, never published). 14. A line over the 8 MiB limit.
  lines.push(ok(13, { remarks: 'R'.repeat(5 * 1024 * 1024) }));
  lines.push(ok(14, { remarks: 'L'.repeat(9 * 1024 * 1024) }));
  // 20+. Formula injection in every published text column.
  let n = 20;
  for (const col of TARGETS) for (const f of FORMULAS) lines.push(ok(n++, { [col]: f }));
  // A valid row last, after every kind of damage.
  lines.push(ok(99));
  const body = Buffer.concat(lines.flatMap((l) => [typeof l === 'string' ? Buffer.from(l) : l, Buffer.from('\n')]));
  await writeFile(path.join(dir, 'cad_events.csv'), body);
  expect(cols).toBeGreaterThan(10);

  data = await tempDir('bad-input');
  run = await runOnce(drop, data);
  release = (await openCurrentRelease(data))!;
  const db = await DuckDBInstance.create(path.join(data, 'staging', 'staging.duckdb'), { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  staging = {
    rows: async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[],
    close: () => { conn.closeSync(); db.closeSync(); },
  };
  app = await runApp(data);
}, 300_000);

afterAll(async () => {
  staging?.close();
  await app?.close();
});

describe('bad rows are quarantined with a reason', () => {
  const reasonOf = async (line: number) => {
    const rows = await staging.rows(`SELECT line, reason FROM quarantine WHERE batch = '${BATCH}' ORDER BY line`);
    return rows.find((r) => Number(r.line) === line)?.reason as string | undefined;
  };

  it('each damaged record has its own quarantine row and reason', async () => {
    // Line numbers: header = 1, the n-th record = n + 1.
    expect(await reasonOf(2)).toMatch(/received_at/);
    expect(await reasonOf(3)).toMatch(/received_at/);
    expect(await reasonOf(4)).toMatch(/updated_at/);
    expect(await reasonOf(5)).toMatch(/call_source/);
    expect(await reasonOf(6)).toMatch(/record_status/);
    expect(await reasonOf(7)).toMatch(/priority/);
    expect(await reasonOf(8)).toMatch(/column|too few|missing/i);
    expect(await reasonOf(9)).toMatch(/column|too many/i);
    expect(await reasonOf(11)).toMatch(/utf-?8|unicode|encoding/i);
    expect(await reasonOf(15)).toMatch(/line size over maximum/i);
    const all = await staging.rows(`SELECT reason FROM quarantine WHERE batch = '${BATCH}'`);
    for (const r of all) expect(String(r.reason).length).toBeGreaterThan(5);
  });

  it('a control character in a code field is stored as given but never breaks a published file', async () => {
    const row = (await staging.rows(`SELECT precinct FROM stg_cad_events WHERE event_id = '${id(9)}'`))[0];
    // Either quarantined or staged; when staged, it is published verbatim in JSON (escaped).
    if (row) expect(row.precinct).toBe('PREC\u0001');
    else expect(await reasonOf(10)).toBeTruthy();
  });

  it('keeps the newest version of a key duplicated within one batch', async () => {
    const rows = await staging.rows(`SELECT disposition FROM stg_cad_events WHERE event_id = '${id(11)}'`);
    expect(rows).toEqual([{ disposition: 'NEWER VERSION' }]);
  });

  it('reads a 5 MB free-text field without publishing it', async () => {
    const rows = await staging.rows(`SELECT length(remarks) AS n FROM stg_cad_events WHERE event_id = '${id(13)}'`);
    expect(rows.map((r) => Number(r.n))).toEqual([5 * 1024 * 1024]);
    const ds = release.manifest.datasets.find((d) => d.id === 'c911-call')!;
    expect(ds.columns.map((c) => c.name)).not.toContain('remarks');
  });

  it('rows read = published + withheld by rule + quarantined, for every dataset', () => {
    for (const d of release.manifest.datasets) {
      const r = d.report;
      const withheld = Object.values(r.withheldByRule).reduce((a, b) => a + b, 0);
      expect(r.rowsRead, d.id).toBe(r.published + withheld + r.quarantined);
      expect(d.rowCount, d.id).toBe(r.published);
    }
    // This batch: 10 damaged records quarantined (the duplicate is superseded, not quarantined).
    expect(run.reports['c911-call'].quarantined).toBeGreaterThanOrEqual(10);
  });
});

describe('formula injection', () => {
  /** Every CSV of the release, parsed by DuckDB: text columns never start with a formula character. */
  it('no cell of any published bulk CSV starts with = + - @ (or tab, CR) from source text', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    let guarded = 0;
    try {
      for (const d of release.manifest.datasets) {
        const csv = d.files.find((f) => f.format === 'csv')!;
        const file = path.join(release.dir, csv.path).replace(/'/g, "''");
        for (const c of d.columns.filter((x) => x.type === 'text')) {
          const col = `"${c.name.replace(/"/g, '""')}"`;
          const read = `read_csv('${file}', header = true, all_varchar = true, max_line_size = 20000000)`;
          const [bad] = (await conn.runAndReadAll(`SELECT count(*) AS n FROM ${read} WHERE regexp_matches(${col}, '^[=+\\-@\\t\\r]')`)).getRowObjectsJson();
          expect(Number(bad.n), `${d.id}.${c.name}`).toBe(0);
          const [g] = (await conn.runAndReadAll(`SELECT count(*) AS n FROM ${read} WHERE regexp_matches(${col}, '^''[=+\\-@\\t\\r]')`)).getRowObjectsJson();
          guarded += Number(g.n);
        }
      }
    } finally {
      conn.closeSync();
      db.closeSync();
    }
    // The planted values did reach the release (defused), so this test proves something.
    expect(guarded).toBeGreaterThanOrEqual(TARGETS.length * FORMULAS.length - 6);
  });

  it('the JSON export keeps the exact source text (it is not a spreadsheet format)', async () => {
    const r = await app.get(`/resource/c911-call.json?$where=${encodeURIComponent("starts_with(disposition, '=cmd')")}`);
    expect(r.status).toBe(200);
  });

  /** Parses a CSV answer with DuckDB; counts text cells that start with a formula character, bare and defused. */
  async function csvCells(text: string, columns: readonly string[]) {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const file = path.join(data, `answer-${Date.now()}.csv`);
      await writeFile(file, text);
      const read = `read_csv('${file}', header = true, all_varchar = true)`;
      const any = (re: string) => columns.map((c) => `regexp_matches(${c}, '${re}')`).join(' OR ');
      const [row] = (await conn.runAndReadAll(`SELECT count(*) FILTER (WHERE ${any('^[=+\\-@\\t\\r]')}) AS bare,
        count(*) FILTER (WHERE ${any("^''[=+\\-@\\t\\r]")}) AS defused FROM ${read}`)).getRowObjectsJson();
      return { bare: Number(row.bare), defused: Number(row.defused) };
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }

  it('SODA CSV answers defuse formula text too', async () => {
    const r = await app.get('/resource/c911-call.csv?$limit=50000');
    expect(r.status).toBe(200);
    const cells = await csvCells(await r.text(), TARGETS);
    expect(cells.bare).toBe(0);
    expect(cells.defused).toBeGreaterThanOrEqual(TARGETS.length * FORMULAS.length - 6);
  });

  it('SQL endpoint CSV answers defuse formula text too', async () => {
    const sql = encodeURIComponent(`SELECT ${TARGETS.join(', ')} FROM calls_for_service`);
    const r = await app.get(`/api/sql?sql=${sql}&format=csv`);
    expect(r.status).toBe(200);
    const cells = await csvCells(await r.text(), TARGETS);
    expect(cells.bare).toBe(0);
    expect(cells.defused).toBeGreaterThanOrEqual(TARGETS.length * FORMULAS.length - 6);
  });
});
