// Machine endpoints for researchers, all over the current published release only:
//   Socrata SODA 2.1: /resource/{id}.json|.csv|.geojson (SoQL), /api/views/{id}.json,
//     /api/views/{id}/rows.csv|rows.json (whole files, never capped), /api/catalog/v1, /data.json
//   read-only SQL: /api/sql (GET/POST; JSON, CSV or Arrow IPC)
//   /api/openapi.json, the /api help page, /health
// Shared HTTP behaviour: CORS + preflight, strong ETags (release id + URL), Last-Modified / 304,
// per-IP and per-app-token rate limits (429 with the path's error shape), gzip when accepted for
// JSON and CSV answers (SODA answers compressed once and kept, see site/gzip.ts; bulk files never).
import express, { Router, type Request, type Response } from 'express';
import { stringify } from 'csv-stringify/sync';
import { buildDcatCatalog } from '../../publisher/dcat.ts';
import type { DatasetManifest } from '../../publisher/manifest.ts';
import { toArrowIpc } from '../api/arrow.ts';
import { DEFAULT_RATE_LIMITS, appToken, conditional, cors, jsonErrors, rateLimits, strongEtag, type RateLimitOptions } from '../api/http.ts';
import { catalog, viewMetadata } from '../api/metadata.ts';
import { ResponseCache } from '../api/response-cache.ts';
import { openApiDocument } from '../api/openapi.ts';
import { apiPage } from '../api/page.ts';
import { DEFAULT_SQL_LIMITS, SqlError, SqlSandbox, jsonRows, type SqlLimits, type SqlResult } from '../api/sql-sandbox.ts';
import type { SiteDb } from '../db.ts';
import type { ReleaseContext, ReleaseStore } from '../release-store.ts';
import { compileSoql, sodaTypeName, type SoqlRequest } from '../soql/compile.ts';
import { SoqlError } from '../soql/errors.ts';
import { csvHeader, renderSql, type SodaFormat } from '../soql/render.ts';
import { sendReady } from '../ready.ts';
import { findDataset, headerJson, originOf, releaseOf } from './common.ts';
import { sendBulkFile } from '../bulk.ts';

export { DEFAULT_LIMIT, MAX_LIMIT } from '../soql/compile.ts';

export interface ApiOptions {
  rateLimit?: Partial<RateLimitOptions>;
  sql?: Partial<SqlLimits> & { /** SQL queries running at once before 503 (default 2). */ maxConcurrent?: number };
  /** Time limit of one SODA query in ms (default 30 000). */
  soqlTimeoutMs?: number;
  /** Clock for the /api page (default: now). */
  clock?: () => Date;
}

export interface Api {
  router: Router;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<SodaFormat, string> = {
  json: 'application/json;charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  geojson: 'application/vnd.geo+json',
};
const SODA_PARAMS = new Set(['$select', '$where', '$order', '$group', '$having', '$q', '$query', '$limit', '$offset']);

/** Socrata error body: {code, error: true, message, data}. */
function sodaError(res: Response, status: number, code: string, message: string, data: Record<string, unknown> = {}): void {
  for (const h of ['ETag', 'Last-Modified', 'Cache-Control', 'X-SODA2-Fields', 'X-SODA2-Types']) res.removeHeader(h);
  res.status(status);
  res.setHeader('Content-Type', 'application/json;charset=utf-8');
  res.end(JSON.stringify({ code, error: true, message, data }));
}

/** A JSON or CSV document made for this request, gzipped when the client accepts gzip. */
function sendText(req: Request, res: Response, contentType: string, text: string): void | Promise<void> {
  return sendReady(req, res, { body: Buffer.from(text, 'utf8'), headers: { 'Content-Type': contentType } });
}

/** The SQL endpoint's one error shape: {ok: false, error, status}. */
function sqlError(res: Response, status: number, error: string): void {
  for (const h of ['ETag', 'Last-Modified', 'Cache-Control']) res.removeHeader(h);
  res.status(status);
  res.setHeader('Content-Type', 'application/json;charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify({ ok: false, error, status }));
}

const fullPath = (req: Request) => (req.originalUrl || req.url).split('?')[0];
const isSqlPath = (req: Request) => fullPath(req) === '/api/sql' || fullPath(req).startsWith('/api/sql/');

function anyError(req: Request, res: Response, status: number, message: string): void {
  if (isSqlPath(req)) return sqlError(res, status, message);
  const code = status === 429 ? 'too_many_requests' : status === 404 ? 'not_found' : status >= 500 ? 'internal' : 'request.invalid';
  sodaError(res, status, code, message);
}

function intParam(raw: unknown, name: string): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new SoqlError('query.invalid', `${name} must be given once`);
  if (!/^\d{1,16}$/.test(raw.trim())) throw new SoqlError('query.invalid', `${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw.trim());
}

/** Read the SoQL request out of the query string; unknown `$` parameters are errors, `$$` ones are ignored. */
function soqlRequest(req: Request): SoqlRequest {
  const out: SoqlRequest = { filters: [] };
  for (const [key, value] of Object.entries(req.query)) {
    if (key.startsWith('$$')) {
      if (key === '$$exclude_system_fields') out.systemFields = String(value).toLowerCase() === 'false';
      continue;
    }
    if (key.startsWith('$')) {
      if (!SODA_PARAMS.has(key)) throw new SoqlError('query.invalid', `Unknown parameter ${key}`);
      if (key === '$limit') out.limit = intParam(value, key);
      else if (key === '$offset') out.offset = intParam(value, key);
      else {
        if (typeof value !== 'string') throw new SoqlError('query.invalid', `${key} must be given once`);
        (out as Record<string, unknown>)[key.slice(1)] = value;
      }
      continue;
    }
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (typeof v !== 'string') throw new SoqlError('query.invalid', `Bad value for filter ${key}`);
      out.filters!.push([key, v]);
    }
  }
  return out;
}

/** DuckDB errors caused by the query (bad cast, bad grouping...) as opposed to server faults. */
function userFacingDuckError(err: unknown): string | null {
  const msg = err instanceof Error ? err.message : String(err);
  if (!/^(Binder|Conversion|Invalid Input|Out of Range|Parser|Catalog|INTERRUPT|Invalid) Error/i.test(msg)) return null;
  return msg
    .split(/\n\s*\n?LINE \d+:/)[0]
    .replace(/__[cok]\d+/g, 'column')
    .replace(/"r_[^"]*"/g, 'dataset')
    .trim()
    .slice(0, 1000);
}

export function createApi(store: ReleaseStore, db: SiteDb, opts: ApiOptions = {}): Api {
  const r = Router();
  const rate: RateLimitOptions = { ...DEFAULT_RATE_LIMITS, ...opts.rateLimit };
  const sqlLimits: SqlLimits = { ...DEFAULT_SQL_LIMITS, ...opts.sql };
  const maxConcurrent = opts.sql?.maxConcurrent ?? 2;
  const soqlTimeoutMs = opts.soqlTimeoutMs ?? 30_000;
  const clock = opts.clock ?? (() => new Date());
  const answers = new ResponseCache();

  const API_PATHS = ['/resource', '/api', '/data.json'];
  r.use(API_PATHS, cors());
  r.use(['/resource', '/api/views', '/api/catalog', '/api/sql', '/data.json'], ...rateLimits(rate, (req, res) =>
    anyError(req, res, 429, `Too many requests; the limit is ${appToken(req) ? `${rate.perToken} per app token` : `${rate.perIp} per IP address`} every ${rate.windowMs / 1000} s`),
  ));

  r.get('/health', (_req, res) => {
    const id = store.currentId();
    res.set('Cache-Control', 'no-store').json({ ok: true, release: id });
  });

  const needRelease = (req: Request, res: Response): ReleaseContext | null => {
    const ctx = releaseOf(res);
    if (!ctx) anyError(req, res, 503, 'No release has been published yet');
    return ctx;
  };

  r.get('/data.json', (req, res) => {
    const ctx = needRelease(req, res);
    if (!ctx) return;
    const origin = originOf(req);
    if (conditional(req, res, strongEtag(ctx.id, origin, req.originalUrl), ctx.manifest.createdAt)) return;
    return sendText(req, res, CONTENT_TYPES.json, JSON.stringify(buildDcatCatalog(ctx.manifest, origin)));
  });

  // ---- SODA: /resource/{id}.{json,csv,geojson}
  r.get('/resource/:file', async (req, res) => {
    const m = /^([a-z0-9]{4}-[a-z0-9]{4})\.(json|csv|geojson)$/.exec(req.params.file);
    const ctx = releaseOf(res);
    if (m && !ctx) return sodaError(res, 503, 'unavailable', 'No release has been published yet');
    const ds = m && ctx ? findDataset(ctx, m[1]) : null;
    if (!m || !ctx || !ds) return sodaError(res, 404, 'not_found', 'No dataset with that id in the current release');
    const format = m[2] as SodaFormat;
    if (conditional(req, res, strongEtag(ctx.id, req.originalUrl), ctx.manifest.createdAt)) return;
    // The same URL again: its answer is found before the query is parsed and compiled. Kept under
    // both the URL and the compiled query (other spellings of the same query share the latter).
    const urlKey = `url ${req.originalUrl}`;
    const byUrl = answers.get(ctx.id, urlKey);
    if (byUrl) return sendReady(req, res, byUrl);

    let compiled;
    try {
      const view = await ctx.view(ds);
      compiled = compileSoql(soqlRequest(req), {
        columns: ds.columns,
        rowKey: ds.rowKey,
        from: `"${view.name.replace(/"/g, '""')}"`,
        createdAt: ctx.manifest.createdAt,
        hasRowNumber: true,
        keyOrdered: view.keyOrdered,
      });
    } catch (err) {
      if (err instanceof SoqlError) return sodaError(res, 400, err.code, err.message, err.data);
      throw err;
    }
    const sql = renderSql(compiled, format);
    const cacheKey = JSON.stringify([format, sql, compiled.params.values.map(String)]);
    const cached = answers.get(ctx.id, cacheKey);
    if (cached) {
      answers.set(ctx.id, urlKey, cached);
      return sendReady(req, res, cached);
    }
    let body: string;
    try {
      body = await db.text(sql, compiled.params.values, compiled.params.types, soqlTimeoutMs);
    } catch (err) {
      const msg = userFacingDuckError(err);
      if (msg === null) throw err;
      if (/^INTERRUPT/i.test(msg)) return sodaError(res, 400, 'query.timeout', `Query exceeded the time limit of ${soqlTimeoutMs / 1000} s`);
      return sodaError(res, 400, 'query.soql.invalid', msg);
    }
    if (format === 'csv') body = `${csvHeader(compiled)}\n${body}${body ? '\n' : ''}`;
    const answer = {
      body: Buffer.from(body, 'utf8'),
      headers: {
        'Content-Type': CONTENT_TYPES[format],
        'X-SODA2-Fields': headerJson(compiled.outputs.map((o) => o.name)),
        'X-SODA2-Types': headerJson(compiled.outputs.map((o) => sodaTypeName(o.type))),
      },
    };
    answers.set(ctx.id, cacheKey, answer);
    answers.set(ctx.id, urlKey, answer);
    return sendReady(req, res, answer);
  });
  r.all('/resource/*rest', (_req, res) => sodaError(res, 404, 'not_found', 'Unknown resource'));

  // ---- Metadata and whole-dataset exports
  r.get('/api/views/:file', (req, res) => {
    const m = /^([a-z0-9]{4}-[a-z0-9]{4})(\.json)?$/.exec(req.params.file);
    const ctx = needRelease(req, res);
    if (!ctx) return;
    const ds = m ? findDataset(ctx, m[1]) : null;
    if (!ds) return sodaError(res, 404, 'not_found', 'No dataset with that id in the current release');
    const origin = originOf(req);
    if (conditional(req, res, strongEtag(ctx.id, origin, req.originalUrl), ctx.manifest.createdAt)) return;
    return sendText(req, res, CONTENT_TYPES.json, JSON.stringify(viewMetadata(ctx.manifest, ds, origin)));
  });

  r.get('/api/views/:id/:file', (req, res, next) => {
    const m = /^rows\.(csv|json)$/.exec(req.params.file);
    const ctx = needRelease(req, res);
    if (!ctx) return;
    const ds: DatasetManifest | null = m ? findDataset(ctx, req.params.id) : null;
    const file = ds?.files.find((f) => f.format === m![1]);
    if (!ds || !file) return sodaError(res, 404, 'not_found', 'No such export');
    if (conditional(req, res, strongEtag(ctx.id, req.originalUrl), ctx.manifest.createdAt, false)) return;
    const ext = file.format;
    res.setHeader('Content-Type', ext === 'csv' ? 'text/csv; charset=utf-8' : 'application/json;charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${ds.id}.${ext}"`);
    res.setHeader('X-SODA2-Fields', headerJson(ds.columns.map((c) => c.name)));
    // The whole published file, streamed from disk: bulk exports are never capped.
    if (!file.parts) {
      res.sendFile(ctx.resolve(file.path), { etag: false, lastModified: false, cacheControl: false }, (err) => {
        if (err && !res.headersSent) next(err);
      });
      return;
    }
    void sendBulkFile(req, res, next, file, (rel) => ctx.resolve(rel));
  });

  r.get('/api/catalog/v1', (req, res) => {
    const ctx = needRelease(req, res);
    if (!ctx) return;
    const int = (v: unknown, d: number) => (typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : d);
    const ids = typeof req.query.ids === 'string' ? req.query.ids.split(',') : Array.isArray(req.query.ids) ? (req.query.ids as string[]) : undefined;
    const origin = originOf(req);
    if (conditional(req, res, strongEtag(ctx.id, origin, req.originalUrl), ctx.manifest.createdAt)) return;
    const body = catalog(ctx.manifest, origin, req.get('host') ?? '', {
      ids,
      q: typeof req.query.q === 'string' ? req.query.q : undefined,
      limit: Math.max(1, Math.min(int(req.query.limit, 100), 10_000)),
      offset: int(req.query.offset, 0),
    });
    return sendText(req, res, CONTENT_TYPES.json, JSON.stringify(body));
  });

  // ---- SQL endpoint
  let sandbox: { id: string; promise: Promise<SqlSandbox> } | null = null;
  const retired = new Set<SqlSandbox>();
  let running = 0;
  const sandboxFor = (ctx: ReleaseContext): Promise<SqlSandbox> => {
    if (sandbox?.id !== ctx.id) {
      const old = sandbox;
      const entry = { id: ctx.id, promise: SqlSandbox.create(ctx, sqlLimits) };
      sandbox = entry;
      entry.promise.catch(() => {
        if (sandbox === entry) sandbox = null;
      });
      old?.promise
        .then((sb) => {
          retired.add(sb);
          if (sb.active === 0) {
            sb.close();
            retired.delete(sb);
          }
        })
        .catch(() => {});
    }
    return sandbox.promise;
  };

  const sqlHandler = async (req: Request, res: Response) => {
    const body = (req.method === 'POST' ? req.body : undefined) as unknown;
    const fromBody = (k: string): unknown =>
      typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)[k] : undefined;
    const sql = req.method === 'POST' ? (typeof body === 'string' ? body : fromBody('sql')) : req.query.sql;
    if (typeof sql !== 'string' || !sql.trim()) return sqlError(res, 400, 'Give one SQL query as sql= (query string, form or JSON body {"sql": "..."})');
    if (sql.length > 100_000) return sqlError(res, 400, 'SQL text is too long');
    const fmtRaw = req.method === 'POST' ? (fromBody('format') ?? req.query.format) : req.query.format;
    let format: 'json' | 'csv' | 'arrow';
    if (typeof fmtRaw === 'string' && fmtRaw) {
      if (!['json', 'csv', 'arrow'].includes(fmtRaw)) return sqlError(res, 400, 'format must be json, csv or arrow');
      format = fmtRaw as typeof format;
    } else {
      const accepted = req.accepts(['application/json', 'text/csv', 'application/vnd.apache.arrow.stream']);
      format = accepted === 'text/csv' ? 'csv' : accepted === 'application/vnd.apache.arrow.stream' ? 'arrow' : 'json';
    }
    const ctx = releaseOf(res);
    if (!ctx) return sqlError(res, 503, 'No release has been published yet');
    res.setHeader('Vary', 'Accept');
    if (req.method !== 'POST' && conditional(req, res, strongEtag(ctx.id, req.originalUrl, format), ctx.manifest.createdAt)) return;
    if (running >= maxConcurrent) {
      res.setHeader('Retry-After', '2');
      return sqlError(res, 503, 'Too many SQL queries are running; try again in a moment');
    }
    running++;
    let sb: SqlSandbox | null = null;
    let work: Promise<SqlResult> | null = null;
    try {
      sb = await sandboxFor(ctx);
      const held = sb;
      held.active++;
      work = held.run(sql, sqlLimits);
      // The slot stays taken until DuckDB really finishes, even when the client was already told
      // the time limit passed (a single huge operation can outlive conn.interrupt()).
      work
        .catch(() => {})
        .finally(() => {
          running--;
          held.active--;
          if (retired.has(held) && held.active === 0) {
            held.close();
            retired.delete(held);
          }
        });
      let grace: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          grace = setTimeout(
            () => reject(new SqlError(400, `Query exceeded the time limit of ${sqlLimits.timeoutMs / 1000} s and was stopped`)),
            sqlLimits.timeoutMs + 750,
          );
        }),
      ]).finally(() => clearTimeout(grace));
      res.setHeader('X-SQL-Truncated', String(result.truncated));
      res.setHeader('X-SQL-Row-Cap', String(sqlLimits.rowCap));
      if (format === 'arrow') {
        res.setHeader('Content-Type', 'application/vnd.apache.arrow.stream');
        res.end(Buffer.from(toArrowIpc(result)));
      } else if (format === 'csv') {
        // Text a spreadsheet would run as a formula gets a leading apostrophe (as in the bulk CSV).
        const cell = (v: unknown) => (typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
        const text = result.columns.map((c) => c.type === 'VARCHAR');
        const rows = jsonRows(result).map((row) => row.map((v, i) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : text[i] ? cell(v) : v)));
        await sendText(req, res, CONTENT_TYPES.csv, stringify([result.columns.map((c) => cell(c.name)), ...rows]));
      } else {
        await sendText(req, res, CONTENT_TYPES.json, JSON.stringify({ ok: true, columns: result.columns, rows: jsonRows(result), truncated: result.truncated, rowCap: sqlLimits.rowCap }));
      }
    } catch (err) {
      if (!work) running--;
      if (err instanceof SqlError) return sqlError(res, err.status, err.message);
      throw err;
    }
  };
  r.get('/api/sql', sqlHandler);
  r.post(
    '/api/sql',
    express.json({ limit: '256kb', type: ['application/json', 'application/*+json'] }),
    express.urlencoded({ extended: false, limit: '256kb' }),
    express.text({ limit: '256kb', type: ['text/plain', 'application/sql'] }),
    sqlHandler,
  );
  r.all('/api/sql', (_req, res) => {
    res.setHeader('Allow', 'GET, HEAD, POST, OPTIONS');
    sqlError(res, 405, 'Use GET or POST');
  });

  // ---- Documentation
  r.get('/api/openapi.json', (req, res) => {
    const ctx = releaseOf(res);
    const origin = originOf(req);
    if (ctx && conditional(req, res, strongEtag(ctx.id, origin, req.originalUrl), ctx.manifest.createdAt)) return;
    return sendText(req, res, CONTENT_TYPES.json, JSON.stringify(openApiDocument(ctx?.manifest ?? null, origin, { sql: sqlLimits, rate })));
  });
  r.get('/api', (req, res) => {
    const ctx = releaseOf(res);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(apiPage(ctx?.manifest ?? null, originOf(req), clock(), sqlLimits));
  });

  r.use(API_PATHS, jsonErrors(anyError));

  return {
    router: r,
    async close() {
      const sb = await sandbox?.promise.catch(() => null);
      sb?.close();
      for (const old of retired) old.close();
      retired.clear();
      sandbox = null;
    },
  };
}
