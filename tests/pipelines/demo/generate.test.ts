// Tests of the seeded demo records generator: determinism, drop layout, headers, PII fill,
// sealed/pending rows, batch-2 updates, realistic shares and a DuckDB parse-back of every file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { TABLES, type TableSpec } from '../../../pipelines/contract.ts';
import { generateDemoRecords, type DemoSummary } from '../../../pipelines/demo/generate.ts';

const END = new Date('2026-03-04T00:00:00Z');
const BOM = '\uFEFF';
let root: string;
let small: { dir: string; summary: DemoSummary };
let larger: { dir: string; summary: DemoSummary };
let db: DuckDBInstance;
let conn: DuckDBConnection;

async function run(name: string, seed: number, scale: number): Promise<{ dir: string; summary: DemoSummary }> {
  const dir = path.join(root, name);
  const summary = await generateDemoRecords({ outDir: dir, years: 1, seed, end: END, scale });
  return { dir, summary };
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.csv')).sort();
}

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

function csv(dir: string, batch: string, table: string): string {
  return `read_csv('${path.join(dir, batch, table + '.csv')}', header=true, all_varchar=true, delim=',', quote='"', escape='"')`;
}

/** Both batches of a table with the file each row came from. */
function both(dir: string, summary: DemoSummary, t: TableSpec): string {
  const cols = t.fields.map((f) => f.name).join(', ');
  return `(select ${cols}, 1 as batch from ${csv(dir, summary.batches[0], t.name)}
           union all select ${cols}, 2 as batch from ${csv(dir, summary.batches[1], t.name)})`;
}

beforeAll(async () => {
  root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'demo-gen-'));
  small = await run('a', 1, 0.002);
  larger = await run('large', 1, 0.02);
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
});

afterAll(async () => {
  conn?.closeSync();
  await fs.promises.rm(root, { recursive: true, force: true });
});

describe('demo generator', () => {
  it('is deterministic: same options give byte-identical files, another seed differs', async () => {
    const again = await run('b', 1, 0.002);
    const other = await run('c', 2, 0.002);
    expect(again.summary).toEqual(small.summary);
    const files = listFiles(small.dir);
    expect(files).toEqual(listFiles(again.dir));
    expect(files.length).toBe(6);
    for (const f of files) {
      expect(fs.readFileSync(path.join(again.dir, f)).equals(fs.readFileSync(path.join(small.dir, f))), f).toBe(true);
    }
    const a = fs.readFileSync(path.join(small.dir, small.summary.batches[0], 'cad_events.csv'));
    const c = fs.readFileSync(path.join(other.dir, other.summary.batches[0], 'cad_events.csv'));
    expect(a.equals(c)).toBe(false);
  });

  it('writes two batch folders named by UTC time, a night apart', () => {
    const names = fs.readdirSync(small.dir).sort();
    expect(names).toEqual(small.summary.batches);
    expect(names).toEqual(['20260303T020000Z', '20260304T020000Z']);
    for (const n of names) expect(n).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('batch 1 has contract headers without BOM; batch 2 has a BOM, shuffled headers and legacy_flag', () => {
    for (const t of TABLES) {
      const names = t.fields.map((f) => f.name);
      const first = fs.readFileSync(path.join(small.dir, small.summary.batches[0], t.name + '.csv'), 'utf8');
      expect(first.startsWith(BOM)).toBe(false);
      expect(first.slice(0, first.indexOf('\n'))).toBe(names.join(','));
      const second = fs.readFileSync(path.join(small.dir, small.summary.batches[1], t.name + '.csv'), 'utf8');
      expect(second.startsWith(BOM)).toBe(true);
      const header = second.slice(1, second.indexOf('\n')).split(',');
      expect([...header].sort()).toEqual([...names, 'legacy_flag'].sort());
      expect(header.filter((h) => h !== 'legacy_flag')).not.toEqual(names);
    }
  });

  it('parses back with DuckDB, row counts equal the summary, typed values parse', async () => {
    for (const { dir, summary } of [small, larger]) {
      for (const t of TABLES) {
        const [{ n }] = await rows(`select count(*)::int as n from ${both(dir, summary, t)}`);
        expect(n, t.name).toBe(summary.rows[t.name]);
      }
    }
    let bytes = 0;
    for (const f of listFiles(larger.dir)) bytes += fs.statSync(path.join(larger.dir, f)).size;
    expect(bytes).toBe(larger.summary.bytes);
    for (const t of TABLES) {
      const checks = t.fields.map((f) => {
        const v = `"${f.name}"`;
        let bad = 'false';
        if (f.type === 'timestamp') bad = `not regexp_full_match(${v}, '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(-0[78]:00|Z)') or try_cast(${v} as timestamptz) is null`;
        if (f.type === 'date') bad = `not regexp_full_match(${v}, '\\d{4}-\\d\\d-\\d\\d') or try_cast(${v} as date) is null`;
        if (f.type === 'integer') bad = `try_cast(${v} as integer) is null`;
        if (f.type === 'double') bad = `try_cast(${v} as double) is null`;
        if (f.type === 'boolean') bad = `${v} not in ('true', 'false', 'Y', 'N')`;
        if (f.codes) bad += ` or ${v} not in (${f.codes.map((c) => `'${c}'`).join(', ')})`;
        if (f.range) bad += ` or try_cast(${v} as integer) not between ${f.range[0]} and ${f.range[1]}`;
        const nullBad = f.nullable ? 'false' : `${v} is null`;
        return `count(*) filter (where ${nullBad} or (${v} is not null and (${bad})))::int as "${f.name}"`;
      });
      const [res] = await rows(`select ${checks.join(', ')} from ${both(larger.dir, larger.summary, t)}`);
      for (const [field, n] of Object.entries(res)) expect(n, `${t.name}.${field}`).toBe(0);
    }
  });

  it('fills every PII column on most rows, and free text holds commas, quotes and newlines', async () => {
    for (const t of TABLES) {
      // Every direct identifier and the main free text; injury descriptions exist only for injuries.
      const pii = t.fields.filter((f) => f.sensitivity === 'direct' || f.name === 'narrative' || f.name === 'remarks');
      const sql = pii.map((f) => `avg(("${f.name}" is not null)::int) as "${f.name}"`).join(', ');
      const [res] = await rows(`select ${sql} from ${both(larger.dir, larger.summary, t)}`);
      for (const [field, share] of Object.entries(res)) expect(Number(share), `${t.name}.${field}`).toBeGreaterThan(0.5);
    }
    const [text] = await rows(`select
        count(*) filter (where narrative like '%' || chr(10) || '%')::int as newlines,
        count(*) filter (where narrative like '%"%')::int as quotes,
        count(*) filter (where narrative like '%,%')::int as commas,
        count(*) filter (where regexp_matches(narrative, '\\(\\d{3}\\) 555-01\\d\\d|\\d{3}-555-01\\d\\d'))::int as phones
      from ${both(larger.dir, larger.summary, TABLES[1])}`);
    for (const [k, n] of Object.entries(text)) expect(n as number, k).toBeGreaterThan(0);
    const [plates] = await rows(`select count(*)::int as n from ${both(larger.dir, larger.summary, TABLES[0])}
      where regexp_matches(remarks, '(PLATE|LIC|VEH) [A-Z]{3}\\d{4}')`);
    expect(plates.n as number).toBeGreaterThan(0);
  });

  it('has sealed and pending rows', async () => {
    for (const t of TABLES) {
      const [r] = await rows(`select count(*) filter (where record_status = 'SEALED')::int as n from ${both(small.dir, small.summary, t)}`);
      expect(r.n as number, t.name).toBeGreaterThan(0);
    }
    const [p] = await rows(`select count(*) filter (where approval_status = 'PENDING')::int as n
      from ${both(larger.dir, larger.summary, TABLES[1])}`);
    expect(p.n as number).toBeGreaterThan(0);
    const [u] = await rows(`select count(*) filter (where review_status = 'PENDING')::int as n
      from ${both(larger.dir, larger.summary, TABLES[2])}`);
    expect(u.n as number).toBeGreaterThan(0);
  });

  it('batch 2 updates batch-1 rows with a newer updated_at, and adds new rows', async () => {
    for (const { dir, summary } of [small, larger]) {
      for (const t of TABLES) {
        const pk = t.primaryKey;
        const [r] = await rows(`with b as ${both(dir, summary, t)},
            one as (select * from b where batch = 1), two as (select * from b where batch = 2)
          select count(*)::int as updated,
                 count(*) filter (where two.updated_at::timestamptz <= one.updated_at::timestamptz)::int as stale,
                 count(*) filter (where two.record_status = 'SEALED' and one.record_status = 'ACTIVE')::int as sealed,
                 (select count(*) from two)::int as total
          from two join one using (${pk})`);
        expect(r.updated as number, t.name).toBeGreaterThan(0);
        expect(r.stale, t.name).toBe(0);
        expect(r.sealed as number, t.name).toBeGreaterThan(0);
        // New rows of the last night (a tiny run may have no new offense or force row that day).
        if (t.name === 'cad_events' || (summary === larger.summary && t.name === 'rms_offenses')) {
          expect(r.total as number, t.name).toBeGreaterThan(r.updated as number);
        }
      }
      const [dup] = await rows(`select count(*)::int as n from (select event_id from ${csv(dir, summary.batches[0], 'cad_events')}
        group by 1 having count(*) > 1)`);
      expect(dup.n).toBe(0);
    }
    const [changed] = await rows(`with b as ${both(larger.dir, larger.summary, TABLES[1])},
        one as (select * from b where batch = 1), two as (select * from b where batch = 2)
      select count(*) filter (where one.nibrs_code <> two.nibrs_code or one.case_status <> two.case_status)::int as n
      from two join one using (offense_id)`);
    expect(changed.n as number).toBeGreaterThan(0);
  });

  it('follows the city shares roughly', async () => {
    const [cad] = await rows(`select
        avg((call_source = '911')::int) as s911, avg((call_source = 'ONVIEW')::int) as onview,
        avg((beat = 'K3')::int) as k3, avg((precinct = 'NORTH')::int) as north,
        count(*) filter (where beat = '99')::int as junk,
        avg((report_number is not null)::int) as reported
      from ${both(larger.dir, larger.summary, TABLES[0])} where batch = 1`);
    expect(Number(cad.s911)).toBeGreaterThan(0.3);
    expect(Number(cad.s911)).toBeLessThan(0.5);
    expect(Number(cad.onview)).toBeGreaterThan(0.25);
    expect(Number(cad.k3)).toBeGreaterThan(0.028);
    expect(Number(cad.north)).toBeGreaterThan(0.25);
    expect(cad.junk as number).toBeGreaterThan(0);
    const [rms] = await rows(`select avg((report_channel = 'ONLINE')::int) as online,
        count(*) filter (where report_channel = 'ONLINE' and crime_against = 'PERSON')::int as violent_online,
        avg((domestic_violence = 'true')::int) as dv, avg((crime_against = 'PROPERTY')::int) as property
      from ${both(larger.dir, larger.summary, TABLES[1])} where batch = 1`);
    expect(Number(rms.online)).toBeGreaterThan(0.1);
    expect(Number(rms.online)).toBeLessThan(0.35);
    expect(rms.violent_online).toBe(0);
    expect(Number(rms.dv)).toBeGreaterThan(0.03);
    expect(Number(rms.property)).toBeGreaterThan(0.6);
    const perYear = larger.summary.rows.cad_events / 0.02;
    expect(perYear).toBeGreaterThan(650_000);
    expect(perYear).toBeLessThan(850_000);
  });
});
