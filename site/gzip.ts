// gzip for answers kept as Buffers (SODA answers, pages, chart SVGs, API documents). Each answer is
// compressed at most once, on the first request that accepts gzip, in zlib's thread pool, and the
// variant is kept beside the identity bytes; later requests send it as is. Compression middleware
// (`compression`) would deflate the same 400 KB again on every request, which is the cost this
// removes. Negotiation is Express's own (req.acceptsEncodings, the `negotiator` package): q values
// are honoured, so `gzip;q=0` or a preferred `identity` means no compression.
import type { Request } from 'express';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { MAX_ENTRY_BYTES, type CachedAnswer } from './api/response-cache.ts';

/** Bodies shorter than this are sent as they are: the saving would not pay for the header bytes. */
export const GZIP_MIN_BYTES = 1024;
/** zlib's default: 414 KB of SODA JSON becomes ~38 KB in ~3.5 ms (level 9: 35 KB in ~8 ms). */
const GZIP_LEVEL = 6;
/**
 * Bodies larger than the answer cache keeps are compressed again on every request, so at level 1:
 * ~2.7x faster, ~35% larger (414 KB: 52 KB in ~1.3 ms).
 */
const LARGE_LEVEL = 1;

const deflate = promisify(gzip);
const pending = new WeakMap<CachedAnswer, Promise<Buffer | null>>();

/** Whether the client asked for gzip (no Accept-Encoding header: it did not). */
export function acceptsGzip(req: Request): boolean {
  return req.headers['accept-encoding'] !== undefined && req.acceptsEncodings('gzip', 'identity') === 'gzip';
}

/** The ETag of an answer's gzip variant: its identity ETag with `-gz` inside the quotes. */
export function gzipEtag(etag: string): string {
  return etag.endsWith('"') ? `${etag.slice(0, -1)}-gz"` : `${etag}-gz`;
}

/**
 * The gzip variant of `answer`, or null when it has none (under GZIP_MIN_BYTES, or no smaller).
 * A value at once when already made; otherwise one compression shared by requests that arrive together.
 */
export function gzipVariant(answer: CachedAnswer): Buffer | null | Promise<Buffer | null> {
  if (answer.gzip !== undefined) return answer.gzip;
  if (answer.body.length < GZIP_MIN_BYTES) return (answer.gzip = null);
  let p = pending.get(answer);
  if (!p) {
    p = compress(answer);
    pending.set(answer, p);
  }
  return p;
}

async function compress(answer: CachedAnswer): Promise<Buffer | null> {
  try {
    const gz = await deflate(answer.body, { level: answer.body.length > MAX_ENTRY_BYTES ? LARGE_LEVEL : GZIP_LEVEL });
    answer.gzip = gz.length < answer.body.length ? gz : null;
    return answer.gzip;
  } finally {
    pending.delete(answer);
  }
}
