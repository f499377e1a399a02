// X3 over pseudonym columns (X4): their values are format-checked instead of n-grammed. A value
// off the format names the column and its first line; a numeric value in the format is still
// hunted for as a source value; and a value in the strict hex format cannot match any pattern.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { caseLookupHash, caseLookupScanTarget } from '../../publisher/case-lookup.ts';
import { scanRelease } from '../../publisher/scan.ts';
import { jsPatterns, SCAN_PATTERNS } from '../../publisher/scan-patterns.ts';
import { literal } from '../../rules/sql.ts';
import { pseudonymFormat } from '../../rules/techniques/hmac-pseudonym.ts';
import { tempDir } from '../helpers/pipeline.ts';

let conn: DuckDBConnection;
let dir: string;
const FORMAT = pseudonymFormat(16);
// Seeded: the same values every run (a random one without a hex letter, 0.05 % of them, is scanned as text).
let seed = 0;
const hex = (n: number) => createHash('sha256').update(`scan-pseudonyms ${seed++}`).digest('hex').slice(0, n);

beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run(`CREATE TABLE terms AS SELECT * FROM (VALUES ('KYLE SANDOVAL'), ('2026 00412345'), ('2026000412345678')) t(term)`);
  dir = await tempDir('scan-pseudonyms');
});

/** A published table (id, event_id, block) with these event_id values, scanned with event_id as a pseudonym column. */
async function scanIds(ids: (string | null)[]) {
  const rows = ids.map((v, i) => `('a${String(i).padStart(3, '0')}', ${v === null ? 'NULL' : literal(v)}, 'THEFT')`);
  await conn.run(`CREATE OR REPLACE TABLE pub AS SELECT * FROM (VALUES ${rows.join(', ')}) t(id, event_id, block)`);
  return scanRelease(conn, {
    releaseDir: dir,
    termsTable: 'terms',
    datasets: [{ id: 'x', table: 'pub', rowKey: 'id', textColumns: ['event_id', 'block'], pseudonymColumns: [{ column: 'event_id', format: FORMAT }] }],
  });
}

describe('scanRelease over pseudonym columns', () => {
  it('passes pseudonyms without scanning them as text', async () => {
    const r = await scanIds([hex(16), hex(16), null, hex(16)]);
    expect(r.hits).toEqual([]);
    // Only the one distinct value of "block" became a unit.
    expect(r.units).toBe(1);
  });

  it('reports a value that is not a pseudonym at the first line it occurs on', async () => {
    const r = await scanIds([hex(16), hex(16), 'E-2026-00412345', hex(16), 'E-2026-00412346']);
    expect(r.passed).toBe(false);
    expect(r.hits).toEqual([{ artifact: 'datasets/x/rows.{csv,json,parquet}', offset: 'rows.csv line 4, column event_id', kind: 'not a pseudonym' }]);
  });

  it.each([
    ['upper case', hex(16).toUpperCase().replace(/^./, 'A')],
    ['too short', hex(15)],
    ['too long', hex(17)],
    ['surrounded by text', ` ${hex(16)}`],
  ])('rejects a value off the exact format (%s)', async (_what, value) => {
    const r = await scanIds([hex(16), value]);
    expect(r.hits).toEqual([{ artifact: 'datasets/x/rows.{csv,json,parquet}', offset: 'rows.csv line 3, column event_id', kind: 'not a pseudonym' }]);
  });

  it('still hunts for a numeric value in the format: it could be a raw id of the same length', async () => {
    const r = await scanIds([hex(16), '2026000412345678', '1234567890123456']);
    expect(r.hits).toEqual([{ artifact: 'datasets/x/rows.{csv,json,parquet}', offset: 'rows.csv line 3, column event_id', kind: 'source value' }]);
    expect(r.units).toBe(3);
  });
});

describe('scanRelease over a case lookup table', () => {
  const key = 'c'.repeat(64);
  async function scanLookups(lookups: string[]) {
    const rows = lookups.map((v) => `(${literal(v)}, ['OPEN'])`);
    await conn.run(`CREATE OR REPLACE TABLE lookups AS SELECT * FROM (VALUES ${rows.join(', ')}) t(lookup, statuses)`);
    return scanRelease(conn, { releaseDir: dir, termsTable: 'terms', datasets: [caseLookupScanTarget('x', 'lookups')] });
  }

  it('format-checks the lookup hashes instead of scanning them as text', async () => {
    const r = await scanLookups(['2026-00412345', '2026-00412346', 'RPT-1'].map((n) => caseLookupHash(key, n)));
    expect(r.hits).toEqual([]);
    // The statuses' one distinct value is a unit; the hashes are not.
    expect(r.units).toBe(1);
  });

  it('blocks a lookup that is not a hash: a raw case number', async () => {
    const r = await scanLookups([caseLookupHash(key, 'RPT-1'), '2026-00412345']);
    expect(r.passed).toBe(false);
    expect(r.hits).toEqual([{ artifact: 'datasets/x/case-lookup.parquet', offset: 'column lookup', kind: 'not a pseudonym' }]);
  });
});

describe('a value in the strict pseudonym format', () => {
  const values = [
    ...Array.from({ length: 2000 }, () => hex(16)),
    ...Array.from({ length: 200 }, (_, i) => hex(12 + (i % 53))),
    '1234567890123456', '2065550143000000', '0000000000000000', '123456789012', 'deadbeefdeadbeef', 'abcdef0123456789',
  ];

  it('matches none of the patterns (JavaScript)', () => {
    for (const v of values) for (const { kind, re } of jsPatterns()) expect(re.test(v), `${kind}: ${v}`).toBe(false);
  });

  it('matches none of the patterns (DuckDB, as the scan runs them)', async () => {
    await conn.run(`CREATE OR REPLACE TABLE hexes AS SELECT unnest([${values.map((v) => literal(v)).join(', ')}]) AS v`);
    for (const p of SCAN_PATTERNS) {
      const n = (await conn.runAndReadAll(`SELECT count(*) FROM hexes WHERE regexp_matches(v, ${literal(p.regex)}, 'i')`)).getRows()[0][0];
      expect(Number(n), p.kind).toBe(0);
    }
    const off = (await conn.runAndReadAll(`SELECT count(*) FROM hexes WHERE NOT regexp_full_match(v, '[0-9a-f]+')`)).getRows()[0][0];
    expect(Number(off)).toBe(0);
  });
});
