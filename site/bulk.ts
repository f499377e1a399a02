// Bulk downloads of a release's files. A single file goes out with res.sendFile; a file stored in
// parts (publisher/parts.ts) is streamed as one file: its head, every part in order, its tail,
// with Content-Length, a strong ETag and single byte ranges, so downloads of gigabytes can resume.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NextFunction, Request, Response } from 'express';
import type { FileManifest, Manifest } from '../publisher/manifest.ts';

export type Piece = { text: Buffer } | { file: string; bytes: number };

const etags = new WeakMap<FileManifest, string>();

/** A strong validator for a file in parts: the parts' hashes, in order, with head and tail. */
export function partsEtag(file: FileManifest): string {
  let tag = etags.get(file);
  if (!tag) {
    const h = createHash('sha256').update(file.head ?? '').update('\0').update(file.tail ?? '');
    for (const p of file.parts ?? []) h.update(p.sha256);
    tag = `"${h.digest('base64url').slice(0, 32)}"`;
    etags.set(file, tag);
  }
  return tag;
}

/**
 * Keeps of a served manifest's parts only what the portal reads: path, size and row count. Their
 * hashes go into each file's ETag first; first keys and fingerprints are for the next run only.
 * A manifest of 45,055 parts per format of calls held 37 MB of heap, four strings per part, which
 * the garbage collector walked while the portal was under load.
 */
export function leanParts(manifest: Manifest): Manifest {
  for (const d of manifest.datasets) {
    for (const f of d.files) {
      if (!f.parts) continue;
      partsEtag(f); // computed from the hashes before they go
      f.parts = f.parts.map((p) => ({ path: p.path, bytes: p.bytes, rows: p.rows, sha256: '', first: '', fingerprint: '' }));
    }
  }
  return manifest;
}

/** Parts up to this size are read whole, several ahead of the one being sent; larger ones are streamed. */
const WHOLE_READ = 1 << 20;
/** Reads in flight ahead of the part being sent: a part is a few tens of KB, so one at a time leaves the disk idle between them. */
const READ_AHEAD = 8;

/** Bytes [from, to] (inclusive) of a file that must hold at least to + 1 bytes. */
async function readSpan(file: string, from: number, to: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(to - from + 1);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await handle.read(buf, got, buf.length - got, from + got);
      if (bytesRead === 0) throw new Error(`${file}: shorter than the release manifest says`);
      got += bytesRead;
    }
    return buf;
  } finally {
    await handle.close();
  }
}

/**
 * The bytes [start, end] (inclusive) of head + parts + tail, read lazily: small parts whole, up to
 * READ_AHEAD of them ahead of the one being sent (so a cold download keeps the disk busy), large
 * ones as a stream.
 */
export async function* slice(pieces: Piece[], start: number, end: number, wholeRead = WHOLE_READ): AsyncGenerator<Buffer> {
  const spans: { piece: Piece; from: number; to: number }[] = [];
  let at = 0;
  for (const piece of pieces) {
    const size = 'text' in piece ? piece.text.length : piece.bytes;
    const from = Math.max(start, at);
    const to = Math.min(end, at + size - 1);
    if (from <= to) spans.push({ piece, from: from - at, to: to - at });
    at += size;
    if (at > end) break;
  }
  const ahead: (Promise<Buffer> | null)[] = [];
  let next = 0;
  const queue = (): void => {
    const { piece, from, to } = spans[next++];
    if ('text' in piece) ahead.push(Promise.resolve(piece.text.subarray(from, to + 1)));
    else if (to - from + 1 > wholeRead) ahead.push(null);
    else {
      const read = readSpan(piece.file, from, to);
      read.catch(() => {}); // awaited below; a client gone before then must not leave it unhandled
      ahead.push(read);
    }
  };
  for (let sent = 0; sent < spans.length; sent++) {
    while (next < spans.length && next - sent < READ_AHEAD) queue();
    const read = ahead.shift()!;
    if (read) yield await read;
    else {
      const { piece, from, to } = spans[sent];
      yield* createReadStream((piece as { file: string }).file, { start: from, end: to, highWaterMark: Math.max(wholeRead, 1 << 16) });
    }
  }
}

/**
 * Sends a bulk file. `resolve` maps a manifest path to an absolute path inside the release.
 * Headers such as Content-Type and Content-Disposition are set by the caller beforehand.
 */
export async function sendBulkFile(req: Request, res: Response, next: NextFunction, file: FileManifest, resolve: (rel: string) => string): Promise<void> {
  if (!file.parts) {
    res.sendFile(resolve(file.path), (err) => {
      if (err && !res.headersSent) next(err);
    });
    return;
  }
  const pieces: Piece[] = [
    { text: Buffer.from(file.head ?? '', 'utf8') },
    ...file.parts.map((p) => ({ file: resolve(p.path), bytes: p.bytes })),
    { text: Buffer.from(file.tail ?? '', 'utf8') },
  ];
  const size = file.bytes;
  const etag = partsEtag(file);
  res.set('ETag', etag).set('Accept-Ranges', 'bytes');
  const ifNoneMatch = req.get('If-None-Match');
  if (ifNoneMatch && (ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag))) {
    res.status(304).end();
    return;
  }
  let start = 0;
  let end = size - 1;
  const ifRange = req.get('If-Range');
  const ranges = req.get('Range') && (!ifRange || ifRange === etag) ? req.range(size, { combine: true }) : undefined;
  if (ranges === -1) {
    res.status(416).set('Content-Range', `bytes */${size}`).end();
    return;
  }
  if (Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1) {
    start = ranges[0].start;
    end = ranges[0].end;
    res.status(206).set('Content-Range', `bytes ${start}-${end}/${size}`);
  }
  res.set('Content-Length', String(end - start + 1));
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  try {
    await pipeline(Readable.from(slice(pieces, start, end)), res);
  } catch (err) {
    // A client that goes away mid-download is not an error worth a log line.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE' && !res.headersSent) next(err);
    else res.destroy();
  }
}
