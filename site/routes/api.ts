// Machine endpoints: Socrata-style /resource/:id.json paging, /data.json, /health.
import path from 'node:path';
import { Router, type Request } from 'express';
import type { DatasetManifest } from '../../publisher/manifest.ts';
import type { SiteDb } from '../db.ts';
import type { ReleaseStore } from '../release-store.ts';
import { findDataset, headerJson, httpDate, jsonError, releaseOf } from './common.ts';

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 50000;
const SOQL_PARAMS = ['$select', '$where', '$order', '$group', '$having', '$q', '$query', '$search'];

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function intParam(req: Request, name: string, dflt: number, max: number): Parsed<number> {
  const raw = req.query[name];
  if (raw === undefined) return { ok: true, value: dflt };
  if (typeof raw !== 'string') return { ok: false, message: `${name} must be given once` };
  if (!/^\d{1,16}$/.test(raw.trim())) return { ok: false, message: `${name} must be a non-negative integer, got "${raw}"` };
  const value = Number(raw.trim());
  if (value > max) return { ok: false, message: `${name} must be at most ${max}, got ${value}` };
  return { ok: true, value };
}

/** Reject query features this endpoint does not implement rather than silently ignoring them. */
function unsupported(req: Request, ds: DatasetManifest): string | null {
  for (const [key, value] of Object.entries(req.query)) {
    if (key === '$order' && typeof value === 'string') {
      const order = value.trim().replace(/\s+asc$/i, '').replace(/^`(.*)`$/, '$1');
      if (order === ds.rowKey || order === ':id') continue;
      return `$order is only supported on ${ds.rowKey} (ascending)`;
    }
    if (SOQL_PARAMS.includes(key)) return `${key} is not supported yet; only $limit and $offset are`;
    if (ds.columns.some((c) => c.name === key)) return `filtering on column ${key} is not supported yet`;
  }
  return null;
}

export function apiRouter(store: ReleaseStore, db: SiteDb): Router {
  const r = Router();

  r.get('/health', async (_req, res) => {
    const id = await store.currentId();
    res.set('Cache-Control', 'no-store').json({ ok: true, release: id });
  });

  r.get('/data.json', (_req, res, next) => {
    const ctx = releaseOf(res);
    if (!ctx) return jsonError(res, 503, 'unavailable', 'No release has been published yet');
    res.set('Content-Type', 'application/json; charset=utf-8').set('Access-Control-Allow-Origin', '*');
    res.sendFile(path.join(ctx.dir, 'data.json'), (err?: Error & { status?: number }) => {
      if (!err) return;
      if (res.headersSent) return next(err);
      if (err.status === 404) jsonError(res, 404, 'not_found', 'This release has no data.json');
      else next(err);
    });
  });

  r.get('/resource/:file', async (req, res) => {
    res.set('Access-Control-Allow-Origin', '*');
    const m = /^(.+)\.json$/.exec(req.params.file);
    const ctx = releaseOf(res);
    const ds = m && ctx ? findDataset(ctx, m[1]) : null;
    if (m && !ctx && /^[a-z0-9]{4}-[a-z0-9]{4}$/.test(m[1])) {
      return jsonError(res, 503, 'unavailable', 'No release has been published yet');
    }
    if (!ctx || !ds) return jsonError(res, 404, 'not_found', 'No dataset with that id in the current release');

    const limit = intParam(req, '$limit', DEFAULT_LIMIT, MAX_LIMIT);
    if (!limit.ok) return jsonError(res, 400, 'query.invalid', limit.message);
    const offset = intParam(req, '$offset', 0, Number.MAX_SAFE_INTEGER);
    if (!offset.ok) return jsonError(res, 400, 'query.invalid', offset.message);
    const unsupportedMessage = unsupported(req, ds);
    if (unsupportedMessage) return jsonError(res, 400, 'query.unsupported', unsupportedMessage);

    const view = await ctx.view(ds);
    const body = await db.page(view, limit.value, offset.value);
    const lastModified = httpDate(ctx.manifest.createdAt);
    if (lastModified) res.set('Last-Modified', lastModified);
    res
      .set('Content-Type', 'application/json;charset=utf-8')
      .set('X-SODA2-Fields', headerJson(view.fields))
      .set('X-SODA2-Types', headerJson(view.types))
      .set('Cache-Control', 'public, max-age=0, must-revalidate')
      .send(Buffer.from(body, 'utf8'));
  });

  r.all('/resource/*rest', (_req, res) => jsonError(res, 404, 'not_found', 'Unknown resource'));
  return r;
}
