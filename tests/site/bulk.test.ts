// Bulk downloads of files stored in parts: one file on the wire (head, parts, tail), the same
// bytes as the parts joined, with a strong ETag, byte ranges that resume a download, 416 for a
// range past the end, HEAD without a body, and the Socrata export route doing the same; parts read
// whole ahead or streamed give the same bytes, a short part fails the download, and the portal's
// lean manifest keeps the full one's ETag.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetManifest } from '../../publisher/manifest.ts';
import { openCurrentRelease, readManifest } from '../../publisher/release-reader.ts';
import { readBulk } from '../helpers/bulk.ts';
import { demoDrop, runOnce, tempDir } from '../helpers/pipeline.ts';
import { runApp, type Running } from './helpers.ts';
import { leanParts, partsEtag, slice, type Piece } from '../../site/bulk.ts';

let app: Running;
let releaseDir: string;
let calls: DatasetManifest;

beforeAll(async () => {
  const data = await tempDir('bulk-parts');
  await runOnce(await demoDrop({ scale: 0.002 }), data, {}, { bulkParts: { above: 0, rows: 40 } });
  const release = (await openCurrentRelease(data))!;
  releaseDir = release.dir;
  calls = release.manifest.datasets.find((d) => d.id === 'c911-call')!;
  app = await runApp(data);
});
afterAll(async () => app?.close());

const file = (format: 'csv' | 'json') => calls.files.find((f) => f.format === format)!;

describe('bulk files in parts, downloaded', () => {
  it.each(['csv', 'json'] as const)('serves rows.%s as the parts joined, with its length and a strong ETag', async (format) => {
    const f = file(format);
    expect(f.parts!.length).toBeGreaterThan(3);
    const expected = await readBulk(releaseDir, f);
    const res = await app.get(`/datasets/c911-call/rows.${format}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(f.bytes));
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-disposition')).toContain(`.${format}`);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(expected)).toBe(true);
    if (format === 'json') expect(JSON.parse(body.toString('utf8'))).toHaveLength(calls.rowCount);
    else expect(body.toString('utf8').trimEnd().split('\n')).toHaveLength(calls.rowCount + 1);
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect((await app.get(`/datasets/c911-call/rows.${format}`, { headers: { 'If-None-Match': etag } })).status).toBe(304);
  });

  it('answers a byte range across part boundaries, and the rest of a download with If-Range', async () => {
    const f = file('csv');
    const expected = await readBulk(releaseDir, f);
    const start = f.head!.length + f.parts![0].bytes - 7;
    const end = start + f.parts![1].bytes + 20;
    const res = await app.get('/datasets/c911-call/rows.csv', { headers: { Range: `bytes=${start}-${end}` } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${f.bytes}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(expected.subarray(start, end + 1))).toBe(true);

    const etag = (await app.get('/datasets/c911-call/rows.csv', { method: 'HEAD' })).headers.get('etag')!;
    const rest = await app.get('/datasets/c911-call/rows.csv', { headers: { Range: 'bytes=1000-', 'If-Range': etag } });
    expect(rest.status).toBe(206);
    expect(Buffer.from(await rest.arrayBuffer()).equals(expected.subarray(1000))).toBe(true);
    // A validator that no longer matches gets the whole file.
    const stale = await app.get('/datasets/c911-call/rows.csv', { headers: { Range: 'bytes=1000-', 'If-Range': '"old"' } });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBe(f.bytes);
  });

  it('refuses a range past the end and sends no body to HEAD', async () => {
    const f = file('json');
    const past = await app.get('/datasets/c911-call/rows.json', { headers: { Range: `bytes=${f.bytes + 10}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${f.bytes}`);
    const head = await app.get('/datasets/c911-call/rows.json', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(f.bytes));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('serves the Socrata export route from the same parts', async () => {
    const res = await app.get('/api/views/c911-call/rows.csv');
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(await readBulk(releaseDir, file('csv')))).toBe(true);
  });

  it('reads the same bytes whether parts are read whole ahead of time or streamed', async () => {
    const f = file('json');
    const expected = await readBulk(releaseDir, f);
    const pieces: Piece[] = [{ text: Buffer.from(f.head ?? '') }, ...f.parts!.map((p) => ({ file: path.join(releaseDir, p.path), bytes: p.bytes })), { text: Buffer.from(f.tail ?? '') }];
    const read = async (start: number, end: number, wholeRead?: number) => {
      const out: Buffer[] = [];
      for await (const b of slice(pieces, start, end, wholeRead)) out.push(b);
      return Buffer.concat(out);
    };
    const mid = f.head!.length + f.parts![0].bytes + 3;
    // Every part streamed (none is 10 bytes or less), every part read whole, and a mix: a range
    // that starts inside one part and ends inside a later one.
    for (const wholeRead of [10, undefined, f.parts![1].bytes]) {
      expect((await read(0, f.bytes - 1, wholeRead)).equals(expected)).toBe(true);
      expect((await read(mid, mid + f.parts![1].bytes * 3, wholeRead)).equals(expected.subarray(mid, mid + f.parts![1].bytes * 3 + 1))).toBe(true);
    }
  });

  it('fails a download whose part is shorter than the manifest says, instead of sending short', async () => {
    const f = file('csv');
    const pieces: Piece[] = f.parts!.slice(0, 3).map((p, n) => ({ file: path.join(releaseDir, p.path), bytes: p.bytes + (n === 1 ? 5 : 0) }));
    const total = pieces.reduce((a, p) => a + (p as { bytes: number }).bytes, 0);
    const drain = async () => { for await (const b of slice(pieces, 0, total - 1)) void b; };
    await expect(drain()).rejects.toThrow(/shorter than the release manifest says/);
  });

  it('serves from a lean manifest (no part hashes, first keys or fingerprints) with the ETag of the full one', async () => {
    const full = (await readManifest(releaseDir)).datasets.find((d) => d.id === 'c911-call')!.files.find((f) => f.format === 'csv')!;
    const lean = leanParts(await readManifest(releaseDir)).datasets.find((d) => d.id === 'c911-call')!.files.find((f) => f.format === 'csv')!;
    expect(lean.parts!.map((p) => [p.path, p.bytes, p.rows])).toEqual(full.parts!.map((p) => [p.path, p.bytes, p.rows]));
    expect(lean.parts!.every((p) => p.sha256 === '' && p.first === '' && p.fingerprint === '')).toBe(true);
    expect(partsEtag(lean)).toBe(partsEtag(full));
    // The portal holds the lean form, and its ETag is the full manifest's.
    expect((await app.get('/datasets/c911-call/rows.csv', { method: 'HEAD' })).headers.get('etag')).toBe(partsEtag(full));
  });
});
