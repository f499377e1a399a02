// HTTP conventions shared by the API routes: CORS (with preflight), strong ETags derived from the
// release id and the request URL (a gzip variant's with `-gz`), Last-Modified / 304, app tokens,
// rate limits, error bodies.
import { acceptsGzip, gzipEtag } from '../gzip.ts';
import { errorStatus } from '../routes/common.ts';
import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';

export const EXPOSED_HEADERS = [
  'ETag', 'Last-Modified', 'X-SODA2-Fields', 'X-SODA2-Types', 'X-SQL-Truncated', 'X-SQL-Row-Cap', 'Retry-After',
  'RateLimit', 'RateLimit-Policy',
].join(', ');

/** CORS for every API path: `*`, exposed headers, and OPTIONS preflight answered with 204. */
export function cors(): RequestHandler {
  return (req, res, next) => {
    res.set('Access-Control-Allow-Origin', '*');
    res.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (req.method === 'OPTIONS') {
      const asked = req.get('Access-Control-Request-Headers');
      res.set({
        'Access-Control-Allow-Methods': 'GET, HEAD, POST, OPTIONS',
        'Access-Control-Allow-Headers': asked && /^[A-Za-z0-9\-_, ]{1,1000}$/.test(asked) ? asked : 'Content-Type, X-App-Token, If-None-Match, If-Modified-Since, Accept',
        'Access-Control-Max-Age': '86400',
        'Cache-Control': 'public, max-age=86400',
      });
      res.status(204).end();
      return;
    }
    next();
  };
}

/** The app token: the X-App-Token header (any letter case; Node lower-cases names) or $$app_token. */
export function appToken(req: Request): string | null {
  const h = req.headers['x-app-token'];
  const header = Array.isArray(h) ? h[0] : h;
  if (header && header.trim()) return header.trim();
  const q = req.query['$$app_token'];
  if (typeof q === 'string' && q.trim()) return q.trim();
  return null;
}

const tagOf = (data: string | Buffer): string => `"${createHash('sha256').update(data).digest('base64url').slice(0, 32)}"`;

export function strongEtag(...parts: string[]): string {
  return tagOf(parts.join('\n'));
}

/** A strong ETag for exactly these bytes (answers rendered once and kept). */
export function contentEtag(body: Buffer): string {
  return tagOf(body);
}

/** Whether an If-None-Match header names `etag` (or is `*`); W/ prefixes are ignored (weak comparison). */
export function etagMatches(ifNoneMatch: string, etag: string): boolean {
  const tags = ifNoneMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
  return tags.includes('*') || tags.includes(etag);
}

/**
 * The ETag an If-None-Match header names: `etag` (identity), or its gzip variant's ETag when the
 * client accepts gzip (`gzipOk`); null when it names neither. Either copy is current: the two
 * variants hold the same content.
 */
export function matchedEtag(ifNoneMatch: string, etag: string, gzipOk: boolean): string | null {
  if (etagMatches(ifNoneMatch, etag)) return etag;
  const gz = gzipEtag(etag);
  return gzipOk && etagMatches(ifNoneMatch, gz) ? gz : null;
}

/**
 * Set ETag / Last-Modified / Cache-Control and answer 304 when the client's copy is current.
 * Returns true when the 304 was sent. If-None-Match takes precedence over If-Modified-Since.
 * `negotiable`: the answer may be sent gzipped (see ready.ts), so it varies by Accept-Encoding and
 * the gzip variant's ETag is current too; false for files streamed as they are.
 */
export function conditional(req: Request, res: Response, etag: string, lastModifiedIso: string | null, negotiable = true): boolean {
  res.set('ETag', etag);
  res.set('Cache-Control', 'public, max-age=0, must-revalidate');
  if (negotiable) res.vary('Accept-Encoding');
  const lm = lastModifiedIso ? new Date(lastModifiedIso) : null;
  const lmValid = lm && !Number.isNaN(lm.getTime());
  if (lmValid) res.set('Last-Modified', lm.toUTCString());
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const inm = req.get('If-None-Match');
  let fresh = false;
  if (inm !== undefined) {
    const matched = matchedEtag(inm, etag, negotiable && acceptsGzip(req));
    if (matched) res.set('ETag', matched);
    fresh = matched !== null;
  } else {
    const ims = req.get('If-Modified-Since');
    if (ims && lmValid) {
      const since = Date.parse(ims);
      fresh = !Number.isNaN(since) && Math.floor(lm.getTime() / 1000) * 1000 <= since;
    }
  }
  if (fresh) {
    res.status(304).end();
    return true;
  }
  return false;
}

export interface RateLimitOptions {
  /** Window length in ms (default 60 000). */
  windowMs: number;
  /** Requests per window per IP without an app token (default 600). */
  perIp: number;
  /** Requests per window per app token (default 3000). */
  perToken: number;
  /** Requests per window per IP whatever the token: a ceiling against rotating made-up tokens (default 6000). */
  perIpCeiling: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitOptions = { windowMs: 60_000, perIp: 600, perToken: 3000, perIpCeiling: 6000 };

/**
 * Socrata-style throttling: requests without a token count per IP, requests with a token count per
 * token; every IP also has a ceiling. Answers 429 with the error body the path expects.
 */
export function rateLimits(o: RateLimitOptions, tooMany: (req: Request, res: Response) => void): RequestHandler[] {
  const common = {
    windowMs: o.windowMs,
    standardHeaders: 'draft-7' as const,
    legacyHeaders: false,
    handler: (req: Request, res: Response) => {
      res.set('Retry-After', String(Math.ceil(o.windowMs / 1000)));
      tooMany(req, res);
    },
  };
  const perIp = rateLimit({ ...common, limit: o.perIp, skip: (req) => appToken(req) !== null });
  const perToken = rateLimit({
    ...common,
    limit: o.perToken,
    skip: (req) => appToken(req) === null,
    keyGenerator: (req) => `token:${appToken(req)}`,
  });
  const ceiling = rateLimit({ ...common, limit: o.perIpCeiling });
  return [ceiling, perIp, perToken];
}

/** Express error middleware for a router: JSON errors instead of the site's HTML pages. */
export function jsonErrors(send: (req: Request, res: Response, status: number, message: string) => void) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = errorStatus(err, req);
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    send(req, res, status, status === 500 ? 'Internal server error' : status === 413 ? 'Request body too large' : 'Bad request');
  };
}
