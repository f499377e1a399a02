// Ready answers: a body rendered once, kept as a Buffer with its headers and a strong ETag of its
// bytes, and sent as is. Nothing is rendered, hashed or copied per request (res.send would turn
// a string into a new Buffer and hash it for a weak ETag on every request); a client that already
// has the bytes (If-None-Match) gets 304.
import type { Request, Response } from 'express';
import { contentEtag, etagMatches } from './api/http.ts';
import type { CachedAnswer } from './api/response-cache.ts';

/** A ready answer for `body` (UTF-8 when text); `until` as in CachedAnswer. */
export function readyAnswer(body: string | Buffer, headers: Record<string, string>, until?: number): CachedAnswer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const etag = contentEtag(bytes);
  return { body: bytes, headers: { ...headers, ETag: etag }, etag, until };
}

/** Send a ready answer with status 200, or 304 when the client's If-None-Match names its ETag. */
export function sendReady(req: Request, res: Response, answer: CachedAnswer): void {
  for (const name in answer.headers) res.setHeader(name, answer.headers[name]);
  const inm = req.headers['if-none-match'];
  if (answer.etag && inm !== undefined && etagMatches(inm, answer.etag) && (req.method === 'GET' || req.method === 'HEAD')) {
    res.removeHeader('Content-Type');
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.end(answer.body);
}
