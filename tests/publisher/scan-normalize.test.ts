// The scan gate's normalizer (publisher/scan-patterns.ts) takes a cheaper path for ASCII words
// joined by single spaces or hyphens. On and off that path it must give what the full expression
// gives, or a planted value could slip past the gate.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeSql, normalizeSqlReference } from '../../publisher/scan-patterns.ts';

const VALUES = [
  'E2011-000123', 'Kyle Sandoval', 'kyle sandoval', 'S23299', '2026-00412345', 'abc', 'A1 b2-C3',
  // Off the cheap path: leading, trailing or doubled separators, other punctuation, non-ASCII.
  '-abc', 'abc-', 'a--b', 'a  b', 'a - b', ' a', 'a ', '(206) 555-0134', 'kyle.sandoval@mail.example',
  "O'Brien, Pat", 'José García', 'x_y', 'a\tb', 'line\nbreak', '', '---', 'ñ', 'straße',
];

let conn: DuckDBConnection;
beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run('CREATE TABLE v (i INTEGER, s VARCHAR)');
  const appender = await conn.createAppender('v');
  VALUES.forEach((s, i) => { appender.appendInteger(i); appender.appendVarchar(s); appender.endRow(); });
  appender.closeSync();
});

const normalized = async (sql: (e: string) => string) =>
  (await conn.runAndReadAll(`SELECT ${sql('s')} AS n FROM v ORDER BY i`)).getRowObjects().map((r) => r.n);

describe('normalizeSql', () => {
  it('gives what the full expression gives, on and off its cheap path', async () => {
    expect(await normalized(normalizeSql)).toEqual(await normalized(normalizeSqlReference));
  });

  it('upper-cases and turns every run of other characters into one space', async () => {
    const got = await normalized(normalizeSql);
    expect(got.slice(0, 7)).toEqual(['E2011 000123', 'KYLE SANDOVAL', 'KYLE SANDOVAL', 'S23299', '2026 00412345', 'ABC', 'A1 B2 C3']);
    expect(got.slice(7, 16)).toEqual(['ABC', 'ABC', 'A B', 'A B', 'A B', 'A', 'A', '206 555 0134', 'KYLE SANDOVAL MAIL EXAMPLE']);
    expect((await conn.runAndReadAll(`SELECT ${normalizeSql('CAST(NULL AS VARCHAR)')} AS n`)).getRowObjects()[0].n).toBeNull();
  });
});
