// Ready answers: a body rendered once, kept as a Buffer with its headers and a strong ETag of its
// bytes, and sent as is. Nothing is rendered, hashed or copied per request (res.send would turn
// a string into a new Buffer and hash it for a weak ETag on every request); a client that already
// has the bytes (If-None-Match) gets 304. A client that accepts gzip gets the gzip variant, made
// once per answer (site/gzip.ts), with its own ETag; both variants say Vary: Accept-Encoding.
import type { Request, Response } from 'express';
import { contentEtag, matchedEtag } from './api/http.ts';
import type { CachedAnswer } from './api/response-cache.ts';
import { acceptsGzip, gzipEtag, gzipVariant } from './gzip.ts';

/** A ready answer for `body` (UTF-8 when text); `until` as in CachedAnswer. */
export function readyAnswer(body: string | Buffer, headers: Record<string, string>, until?: number): CachedAnswer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const etag = contentEtag(bytes);
  return { body: bytes, headers: { ...headers, ETag: etag }, etag, until };
}

/**
 * Send an answer with status 200, gzipped when the client accepts gzip, or 304 when its
 * If-None-Match names the answer's own ETag (answers whose ETag names the URL were checked by
 * http.ts conditional(), which set that ETag). Returns a promise only while the gzip variant is made.
 */
export function sendReady(req: Request, res: Response, answer: CachedAnswer): void | Promise<void> {
  for (const name in answer.headers) res.setHeader(name, answer.headers[name]);
  res.vary('Accept-Encoding');
  const gzipOk = acceptsGzip(req);
  const inm = req.headers['if-none-match'];
  const matched = answer.etag && inm !== undefined && (req.method === 'GET' || req.method === 'HEAD') ? matchedEtag(inm, answer.etag, gzipOk) : null;
  if (matched) return notModified(res, matched);
  const gz = gzipOk ? gzipVariant(answer) : null;
  if (gz instanceof Promise) return gz.then((made) => sendVariant(res, answer, made));
  sendVariant(res, answer, gz);
}

function notModified(res: Response, etag: string): void {
  res.removeHeader('Content-Type');
  res.setHeader('ETag', etag);
  res.statusCode = 304;
  res.end();
}

/**
 * 200 with the gzip variant `gz`, or with the identity bytes when it is null. Content-Length is
 * set here so that HEAD gets it too (Node leaves it out when a HEAD response has no body).
 */
function sendVariant(res: Response, answer: CachedAnswer, gz: Buffer | null): void {
  res.statusCode = 200;
  if (gz) {
    const etag = res.getHeader('ETag');
    if (typeof etag === 'string') res.setHeader('ETag', gzipEtag(etag));
    res.setHeader('Content-Encoding', 'gzip');
  }
  const body = gz ?? answer.body;
  res.setHeader('Content-Length', body.length);
  res.end(body);
}
