// Bulk downloads of a release's files. A single file goes out with res.sendFile; a file stored in
// parts (publisher/parts.ts) is streamed as one file: its head, every part in order, its tail,
// with Content-Length, a strong ETag and single byte ranges, so downloads of gigabytes can resume.
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NextFunction, Request, Response } from 'express';
import type { FileManifest } from '../publisher/manifest.ts';

type Piece = { text: Buffer } | { file: string; bytes: number };

const etags = new WeakMap<FileManifest, string>();

/** A strong validator for a file in parts: the parts' hashes, in order, with head and tail. */
function partsEtag(file: FileManifest): string {
  let tag = etags.get(file);
  if (!tag) {
    const h = createHash('sha256').update(file.head ?? '').update('\0').update(file.tail ?? '');
    for (const p of file.parts ?? []) h.update(p.sha256);
    tag = `"${h.digest('base64url').slice(0, 32)}"`;
    etags.set(file, tag);
  }
  return tag;
}

/** The bytes [start, end] (inclusive) of head + parts + tail, read lazily. */
async function* slice(pieces: Piece[], start: number, end: number): AsyncGenerator<Buffer> {
  let at = 0;
  for (const piece of pieces) {
    const size = 'text' in piece ? piece.text.length : piece.bytes;
    const from = Math.max(start, at);
    const to = Math.min(end, at + size - 1);
    if (from <= to) {
      if ('text' in piece) yield piece.text.subarray(from - at, to - at + 1);
      else yield* createReadStream(piece.file, { start: from - at, end: to - at, highWaterMark: 1 << 20 });
    }
    at += size;
    if (at > end) return;
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
