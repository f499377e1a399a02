// The SoQL feature table of docs/api.md, executed: one test per row. Each request goes to
// /resource/c911-call.json of the large fixture and must equal, row for row and in order, the
// DuckDB query in the last column run on the release's Parquet file (written the SODA way).
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, pointCurrent } from '../fixture-release.ts';
import { CALLS_ID, buildLargeRelease } from '../api/fixture-large.ts';
import { Reference, runApi, type Running } from '../api/helpers.ts';

interface Row {
  feature: string;
  request: string;
  sql: string;
}

function unCode(cell: string): string {
  const t = cell.trim();
  const m = /^``\s?(.*?)\s?``$/.exec(t) ?? /^`(.*)`$/.exec(t);
  return (m ? m[1] : t).replace(/\\\|/g, '|');
}

function featureTable(): Row[] {
  const doc = readFileSync(path.join(import.meta.dirname, '../../../docs/api.md'), 'utf8');
  const section = doc.split('### SoQL features')[1].split('\n## ')[0];
  const lines = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Feature') && !l.startsWith('|---'));
  return lines.map((line) => {
    const cells = line.slice(1, -1).split(/(?<!\\)\|/);
    if (cells.length !== 3) throw new Error(`bad table row: ${line}`);
    return { feature: cells[0].trim(), request: unCode(cells[1]), sql: unCode(cells[2]) };
  });
}

/** "k=v&k2=v2" with raw values → a URL query string, encoded as HTTP clients do. */
function encode(request: string): string {
  return request
    .split('&')
    .map((pair) => {
      const i = pair.indexOf('=');
      return `${encodeURIComponent(pair.slice(0, i))}=${encodeURIComponent(pair.slice(i + 1))}`;
    })
    .join('&');
}

const rows = featureTable();
let dataDir: string;
let app: Running;
let ref: Reference;

beforeAll(async () => {
  dataDir = await makeDataDir();
  await buildLargeRelease(dataDir, 'rel-soql');
  await pointCurrent(dataDir, 'rel-soql');
  app = await runApi(dataDir);
  ref = await Reference.open(path.join(dataDir, 'releases', 'rel-soql'), {
    calls_for_service: `datasets/${CALLS_ID}/rows.parquet`,
  });
});

afterAll(async () => {
  ref?.close();
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('docs/api.md SoQL feature table', () => {
  it('has the rows the issue asks for', () => {
    expect(rows.length).toBeGreaterThanOrEqual(30);
    const all = rows.map((r) => r.request).join('\n');
    for (const word of ['$select', '$where', '$order', '$group', '$having', '$limit', '$offset', '$q', '$query', 'count(*)', 'distinct',
      'date_trunc_y(', 'date_trunc_ym(', 'date_trunc_ymd(', 'date_extract_y(', 'date_extract_m(', 'date_extract_dow(', 'date_extract_hh(',
      'upper(', 'lower(', 'starts_with(', 'LIKE', 'NOT LIKE', 'IN (', 'NOT IN', 'BETWEEN', 'IS NULL', 'IS NOT NULL', 'within_box(',
      'within_circle(', 'case(', '||', ':id', '`', 'sum(', 'avg(', 'min(', 'max(', 'count(precinct)']) {
      expect(all, word).toContain(word);
    }
  });

  it.each(rows)('$feature', async ({ request, sql }) => {
    const res = await app.get(`/resource/${CALLS_ID}.json?${encode(request)}`);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    const expected = await ref.soda(sql);
    expect(expected.length, 'each example should match some rows').toBeGreaterThan(0);
    expect(body).toEqual(expected);
    // the type header lists one type per field, in the same order as the field header
    const fields = JSON.parse(res.headers.get('x-soda2-fields')!);
    expect(JSON.parse(res.headers.get('x-soda2-types')!)).toHaveLength(fields.length);
    if (expected.length) expect(Object.keys(expected[0]).every((k) => fields.includes(k))).toBe(true);
  });
});
