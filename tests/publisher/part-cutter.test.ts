// The part cutter: a stream of lines cut into part files by line counts, hashed as it goes, from a
// plain file or from a named pipe a DuckDB COPY writes into; every failure ends in an error, not a hang.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { copyIntoParts, cutFile } from '../../publisher/part-cutter.ts';
import { tempDir } from '../helpers/pipeline.ts';

let conn: DuckDBConnection;
let dir: string;

beforeEach(async () => {
  conn = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  dir = await tempDir('part-cutter');
});

const copyRange = (n: number) => (fifo: string) => conn.run(`COPY (SELECT i FROM range(${n}) r(i)) TO '${fifo}' (FORMAT csv, HEADER false)`);

describe('part cutter', () => {
  it('cuts a file after each part\'s lines and refuses a file with fewer or more lines than the parts', async () => {
    const file = path.join(dir, 'lines.txt');
    await writeFile(file, 'a\nbb\nccc\n');
    const done = await cutFile(file, [{ to: path.join(dir, 'p0'), lines: 2 }, { to: path.join(dir, 'p1'), lines: 1 }]);
    expect(await readFile(path.join(dir, 'p0'), 'utf8')).toBe('a\nbb\n');
    expect(done.map((d) => d.bytes)).toEqual([5, 4]);
    expect(done[1].sha256).toBe(createHash('sha256').update('ccc\n').digest('hex'));
    await expect(cutFile(file, [{ to: path.join(dir, 'q0'), lines: 4 }])).rejects.toThrow(/ended before its 4 lines/);
    await expect(cutFile(file, [{ to: path.join(dir, 'r0'), lines: 2 }])).rejects.toThrow(/holds more than its 2 lines/);
  });

  it('cuts what a DuckDB COPY writes into the pipe, across reads of the pipe, and removes the pipe', async () => {
    const n = 300_000; // ~2 MB: many pipe reads
    const cuts = [{ to: path.join(dir, 'a'), lines: 1 }, { to: path.join(dir, 'b'), lines: n - 2 }, { to: path.join(dir, 'c'), lines: 1 }];
    const done = await copyIntoParts(path.join(dir, 'fifo'), copyRange(n), cuts);
    const b = await readFile(path.join(dir, 'b'), 'utf8');
    expect(await readFile(path.join(dir, 'a'), 'utf8')).toBe('0\n');
    expect(b.startsWith('1\n2\n')).toBe(true);
    expect(b.endsWith(`${n - 2}\n`)).toBe(true);
    expect(await readFile(path.join(dir, 'c'), 'utf8')).toBe(`${n - 1}\n`);
    expect(done[1]).toEqual({ bytes: Buffer.byteLength(b), sha256: createHash('sha256').update(b).digest('hex') });
    expect(existsSync(path.join(dir, 'fifo'))).toBe(false);
  });

  it('throws the COPY\'s error when it fails before opening the pipe', async () => {
    const fail = (fifo: string) => conn.run(`COPY (SELECT no_such_column FROM range(3)) TO '${fifo}' (FORMAT csv)`);
    await expect(copyIntoParts(path.join(dir, 'fifo'), fail, [{ to: path.join(dir, 'x'), lines: 3 }])).rejects.toThrow(/no_such_column/);
    expect(existsSync(path.join(dir, 'fifo'))).toBe(false);
  });

  it('throws when the COPY fails while writing, or writes fewer or more lines than the parts', async () => {
    const failLate = (fifo: string) => conn.run(`COPY (SELECT CASE WHEN i < 200000 THEN i ELSE error('boom at ' || i) END FROM range(300000) r(i)) TO '${fifo}' (FORMAT csv, HEADER false)`);
    await expect(copyIntoParts(path.join(dir, 'f1'), failLate, [{ to: path.join(dir, 'y'), lines: 300_000 }])).rejects.toThrow(/boom at 200000/);
    await expect(copyIntoParts(path.join(dir, 'f2'), copyRange(10), [{ to: path.join(dir, 'z1'), lines: 11 }])).rejects.toThrow(/ended before its 11 lines/);
    await expect(copyIntoParts(path.join(dir, 'f3'), copyRange(10), [{ to: path.join(dir, 'z2'), lines: 9 }])).rejects.toThrow(/holds more than its 9 lines/);
  });

  it('fails the COPY instead of hanging when a part cannot be written', async () => {
    const cuts = [{ to: path.join(dir, 'missing-dir', 'p0'), lines: 10 }, { to: path.join(dir, 'p1'), lines: 999_990 }];
    await expect(copyIntoParts(path.join(dir, 'fifo'), copyRange(1_000_000), cuts)).rejects.toThrow(/ENOENT.*missing-dir/);
  });
});
