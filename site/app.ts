// The portal: an Express app serving the current published release (pages, downloads, charts and
// a Socrata-style API). It reads only releases, via publisher/release-reader.ts.
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { RELEASES_DIR } from '../publisher/manifest.ts';
import { SiteDb } from './db.ts';
import { errorPage, notFoundPage } from './pages/errors.ts';
import { ReleaseStore, type ReleaseContext } from './release-store.ts';
import { createApi, type ApiOptions } from './routes/api.ts';
import { errorStatus, jsonError } from './routes/common.ts';
import { pagesRouter } from './routes/pages.ts';

export interface AppOptions {
  dataDir: string;
  clock?: () => Date;
  /** Serve this release directory (a name under releases/) instead of `current`; see render-pages.ts. */
  pinRelease?: string;
  /** Researchers' API limits (rate limits, SQL time/row caps); tests set low ones. */
  api?: ApiOptions;
}

const closers = new WeakMap<express.Express, () => Promise<void>>();

/** Release the app's DuckDB instance and caches (the HTTP server is closed by its owner). */
export async function closeApp(app: express.Express): Promise<void> {
  await closers.get(app)?.();
}

const isApiPath = (p: string): boolean => p.startsWith('/resource/') || p.startsWith('/api/') || p === '/data.json' || p === '/health';

export async function createApp(opts: AppOptions): Promise<express.Express> {
  const clock = opts.clock ?? (() => new Date());
  const dataDir = path.resolve(opts.dataDir);
  const db = await SiteDb.create(path.join(dataDir, RELEASES_DIR));
  const store = new ReleaseStore(dataDir, db, opts.pinRelease);

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  // Security headers (helmet), except the CSP: that is set below and per page type in
  // routes/pages.ts (chart pages need 'unsafe-eval'; embeds need frame-ancestors *).
  app.use(helmet({
    contentSecurityPolicy: false,
    // HSTS belongs to the TLS terminator in front of the portal; on plain-HTTP localhost it is noise.
    strictTransportSecurity: false,
    // Open data: files, SVG charts and the API are meant to be fetched and embedded by other origins.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    xFrameOptions: { action: 'sameorigin' },
  }));
  app.use((_req, res, next) => {
    res.set({
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
    });
    next();
  });

  // Resolve the current release once per request and hold it until the response is done (no
  // await once the release is loaded: most requests are then answered from memory).
  const hold = (res: Response, ctx: ReleaseContext | null) => {
    res.locals.release = ctx;
    if (ctx) res.once('close', () => store.release(ctx));
  };
  app.use(async (req, res, next) => {
    if (req.path === '/health') return next();
    const got = store.acquire();
    hold(res, got instanceof Promise ? await got : got);
    next();
  });

  const api = createApi(store, db, { clock, ...opts.api });
  app.use(api.router);
  app.use((await import('./cases/router.ts')).casesRouter(db, dataDir, clock));
  app.use(pagesRouter(clock, { db, dataDir }));
  app.use((await import('./privacy/router.ts')).privacyRouter(clock));
  app.use((await import('./status/router.ts')).statusRouter(clock, { dataDir }));

  app.use((req: Request, res: Response) => {
    if (isApiPath(req.path) || req.path.startsWith('/api/')) return jsonError(res, 404, 'not_found', 'Not found');
    res.status(404).set('Content-Type', 'text/html; charset=utf-8').send(notFoundPage(clock()));
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = errorStatus(err, req);
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    if (isApiPath(req.path)) {
      return jsonError(res, status, status === 500 ? 'internal' : 'request.invalid', status === 500 ? 'Internal server error' : 'Bad request');
    }
    const page = status === 404 ? notFoundPage(clock()) : errorPage(clock(), status);
    res.status(status).set('Content-Type', 'text/html; charset=utf-8').send(page);
  });

  closers.set(app, async () => {
    await api.close();
    await store.close();
    db.close();
  });
  return app;
}
