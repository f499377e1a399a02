// Parquet files joined by copying their row groups (publisher/parquet-concat.ts), and the Thrift
// compact codec under it (publisher/thrift-compact.ts): DuckDB reads the joined file as the rows of
// the pieces in order, with every row group's statistics, bloom filters and dictionary pages
// usable (filtered reads give what a plain scan gives).
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { concatParquet } from '../../publisher/parquet-concat.ts';
import { decodeStruct, encodeStruct, T, type TStruct } from '../../publisher/thrift-compact.ts';
import { tempDir } from '../helpers/pipeline.ts';

let conn: DuckDBConnection;
let dir: string;
const OPTIONS = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 700";

// Rows lo..hi-1: text keys in order, a low-cardinality column (dictionary pages, bloom filter),
// timestamps, doubles, NULLs, lists.
const piece = (lo: number, hi: number) => `SELECT 'k' || lpad(CAST(i AS VARCHAR), 6, '0') AS k, ['north', 'south', 'east', NULL][i % 4 + 1] AS side,
  TIMESTAMP '2020-01-01' + INTERVAL (i) MINUTE AS ts, CASE WHEN i % 5 = 0 THEN NULL ELSE i / 7.0 END AS x, [i, i + 1] AS l
  FROM range(${lo}, ${hi}) t(i)`;

beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  dir = await tempDir('concat');
  for (const [name, lo, hi] of [['a', 0, 2500], ['b', 2500, 2501], ['c', 2501, 2501], ['d', 2501, 6000]] as const) {
    await conn.run(`COPY (${piece(lo, hi)}) TO '${path.join(dir, `${name}.parquet`)}' (${OPTIONS})`);
  }
});

const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowsJson();

describe('concatParquet', () => {
  it('joins the pieces into one file DuckDB reads as their rows in order', async () => {
    const out = path.join(dir, 'joined.parquet');
    const files = ['a', 'b', 'c', 'd'].map((n) => path.join(dir, `${n}.parquet`));
    expect(await concatParquet(files, out)).toBe(6000);
    expect(await rows(`SELECT k, side, ts, x, l FROM read_parquet('${out}', file_row_number = true) ORDER BY file_row_number`))
      .toEqual(await rows(`SELECT * FROM (${piece(0, 6000)}) ORDER BY k`));
    // Every piece's row groups (c has none), their statistics and bloom filters kept.
    const groups = `count(DISTINCT (file_name, row_group_id)) AS groups, count(*) FILTER (WHERE bloom_filter_offset IS NOT NULL) AS blooms,
      list(DISTINCT stats_min ORDER BY stats_min) FILTER (WHERE path_in_schema = 'k') AS mins`;
    const [joined] = await rows(`SELECT ${groups} FROM parquet_metadata('${out}')`);
    const [apart] = await rows(`SELECT ${groups} FROM parquet_metadata([${files.map((f) => `'${f}'`).join(', ')}])`);
    expect(Number(joined[0])).toBeGreaterThanOrEqual(4);
    expect(Number(joined[1])).toBeGreaterThan(0);
    expect(joined).toEqual(apart);
    for (const where of ["k = 'k004321'", "k BETWEEN 'k002400' AND 'k002600'", "side = 'east' AND x > 500", "ts >= TIMESTAMP '2020-01-03'", 'x IS NULL AND l[1] > 5990']) {
      expect(await rows(`SELECT k, side, ts, x, l FROM read_parquet('${out}') WHERE ${where} ORDER BY k`), where)
        .toEqual(await rows(`SELECT * FROM (${piece(0, 6000)}) WHERE ${where} ORDER BY k`));
    }
  });

  it('refuses pieces whose schemas differ, and files that are not Parquet', async () => {
    const other = path.join(dir, 'other.parquet');
    await conn.run(`COPY (SELECT 1 AS k) TO '${other}' (FORMAT parquet)`);
    await expect(concatParquet([path.join(dir, 'a.parquet'), other], path.join(dir, 'x.parquet'))).rejects.toThrow(/schema differs/);
    const text = path.join(dir, 'text.parquet');
    await writeFile(text, 'not parquet at all');
    await expect(concatParquet([text], path.join(dir, 'y.parquet'))).rejects.toThrow(/not a Parquet file/);
  });
});

describe('Thrift compact codec', () => {
  it('gives back the bytes of a DuckDB footer it decoded', async () => {
    const buf = await readFile(path.join(dir, 'd.parquet'));
    const length = buf.readUInt32LE(buf.length - 8);
    const footer = buf.subarray(buf.length - 8 - length, buf.length - 8);
    const { struct, end } = decodeStruct(footer);
    expect(end).toBe(length);
    expect(encodeStruct(struct).equals(footer)).toBe(true);
  });

  it('round-trips every compact type, long field-id gaps, big and negative integers, long lists and maps', () => {
    const inner: TStruct = { kind: 'struct', fields: [{ id: 1, type: T.BINARY, value: Buffer.from('hé') }, { id: 40, type: T.TRUE, value: true }] };
    const s: TStruct = {
      kind: 'struct',
      fields: [
        { id: 1, type: T.FALSE, value: false },
        { id: 2, type: T.BYTE, value: -3 },
        { id: 3, type: T.I16, value: -300 },
        { id: 20, type: T.I32, value: 2 ** 31 - 1 },
        { id: 21, type: T.I64, value: -(2n ** 63n) },
        { id: 22, type: T.I64, value: 2n ** 63n - 1n },
        { id: 23, type: T.DOUBLE, value: -1.5e300 },
        { id: 24, type: T.LIST, value: { kind: 'list', elemType: T.I32, items: Array.from({ length: 20 }, (_, i) => i - 10), set: false } },
        { id: 25, type: T.SET, value: { kind: 'list', elemType: T.TRUE, items: [1, 2, 1], set: true } },
        { id: 26, type: T.MAP, value: { kind: 'map', keyType: T.BINARY, valueType: T.STRUCT, entries: [[Buffer.from('a'), inner]] } },
        { id: 27, type: T.MAP, value: { kind: 'map', keyType: 0, valueType: 0, entries: [] } },
        { id: 300, type: T.STRUCT, value: inner },
      ],
    };
    const bytes = encodeStruct(s);
    const { struct, end } = decodeStruct(bytes);
    expect(end).toBe(bytes.length);
    expect(struct).toEqual(s);
    expect(() => decodeStruct(bytes.subarray(0, bytes.length - 3))).toThrow(/unexpected end/);
  });
});
