// HTML pages and release files: home, dataset page, bulk downloads, chart pages with their
// downloads (SVG, PNG, Vega-Lite spec, CSV) and framable embeds, the public safety brief,
// surveillance technology disclosures, the body-worn video fee estimator and per-dataset Atom feeds.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Request, type Response } from 'express';
import type { DatasetManifest, FileManifest } from '../../publisher/manifest.ts';
import { computeBrief, type BriefData } from '../brief/brief.ts';
import { chartCsv, specWithData, svgToPng } from '../charts/export.ts';
import type { SiteDb } from '../db.ts';
import { loadDisclosures } from '../disclosures/load.ts';
import { localDate, type Disclosure } from '../disclosures/schema.ts';
import { estimateFromQuery } from '../fees/bwv.ts';
import { ageChangesAt } from '../format.ts';
import { briefPage } from '../pages/brief.ts';
import { chartPage, embedPage } from '../pages/chart.ts';
import { datasetPage, datasetPageUntil } from '../pages/dataset.ts';
import { noReleasePage, notFoundPage } from '../pages/errors.ts';
import { datasetFeed } from '../pages/feed.ts';
import { feesPage } from '../pages/fees.ts';
import { homePage } from '../pages/home.ts';
import { surveillanceIndexPage, surveillancePage, type SiteInfo } from '../pages/surveillance.ts';
import type { ReleaseContext } from '../release-store.ts';
import { readyAnswer, sendReady } from '../ready.ts';
import { releaseManifests } from '../releases.ts';
import { findDataset, originOf, releaseOf } from './common.ts';
import { PageCache, renderedCharts } from './page-cache.ts';
import { sendBulkFile } from '../bulk.ts';

const BASE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'";
/**
 * Chart pages run vega from 'self'. Vega compiles its expressions with `new Function`, so these
 * pages (and only these) also need 'unsafe-eval'; installing vega-interpreter would remove that.
 */
export const CSP = {
  chart: `${BASE_CSP}; script-src 'self' 'unsafe-eval'; form-action 'none'; frame-ancestors 'self'`,
  embed: `${BASE_CSP}; script-src 'self' 'unsafe-eval'; form-action 'none'; frame-ancestors *`,
  form: `${BASE_CSP}; form-action 'self'; frame-ancestors 'self'`,
} as const;

const require = createRequire(import.meta.url);
const ASSETS: Record<string, string> = {
  'vega.min.js': path.join(path.dirname(require.resolve('vega/vega-schema.json')), 'vega.min.js'),
  'vega-lite.min.js': path.join(path.dirname(require.resolve('vega-lite/vega-lite-schema.json')), 'vega-lite.min.js'),
  'chart-view.js': fileURLToPath(new URL('../charts/client/chart-view.js', import.meta.url)),
};

export interface PagesOptions {
  db: SiteDb;
  dataDir: string;
  /** Disclosure records (default: parsed once from site/disclosures/records at startup). */
  disclosures?: Disclosure[];
}


const DOWNLOAD_TYPES: Record<FileManifest['format'], string> = {
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
  json: 'application/json; charset=utf-8',
};

const SVG_HEADERS = {
  'Content-Type': 'image/svg+xml',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  'Access-Control-Allow-Origin': '*',
};

function sendHtml(res: Response, status: number, page: string): void {
  res.status(status).set('Content-Type', 'text/html; charset=utf-8').send(page);
}

/** The release and dataset for a page request, or null after answering 503/404 itself. */
function resolve(res: Response, id: unknown, now: Date): { ctx: ReleaseContext; ds: DatasetManifest } | null {
  const ctx = releaseOf(res);
  if (!ctx) {
    sendHtml(res, 503, noReleasePage(now));
    return null;
  }
  const ds = findDataset(ctx, id);
  if (!ds) {
    sendHtml(res, 404, notFoundPage(now, ctx.manifest.agency.name));
    return null;
  }
  return { ctx, ds };
}

const safeName = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');

export function pagesRouter(clock: () => Date, opts: PagesOptions): Router {
  const r = Router();
  const disclosures = opts.disclosures ?? loadDisclosures();
  const briefs = new Map<string, Promise<BriefData>>();
  const pages = new PageCache(clock);

  const siteInfo = (res: Response): SiteInfo & { timeZone: string } => {
    const ctx = releaseOf(res);
    return { agencyName: ctx?.manifest.agency.name, releaseId: ctx?.manifest.releaseId ?? null, timeZone: ctx?.manifest.agency.timezone ?? 'UTC' };
  };

  r.get('/assets/:name', (req, res, next) => {
    const file = Object.hasOwn(ASSETS, req.params.name) ? ASSETS[req.params.name] : undefined;
    if (!file) return next();
    res.set('Content-Type', 'text/javascript; charset=utf-8').set('Cache-Control', 'public, max-age=3600');
    res.sendFile(file, (err) => {
      if (err && !res.headersSent) next(err);
    });
  });

  // Home and dataset pages change only with the release, the host asked for (absolute URLs in
  // the JSON-LD) and relative times ("3 days ago", the next run): served from memory until then.
  r.get('/', async (req, res) => {
    const ctx = releaseOf(res);
    if (!ctx) return sendHtml(res, 503, noReleasePage(clock()));
    await pages.send(req, res, ctx.id, 'home', (now) => ({
      html: homePage(ctx.manifest, now),
      until: Math.min(...ctx.manifest.datasets.map((d) => ageChangesAt(d.updatedAt, now))),
    }));
  });

  r.get('/datasets/:id', async (req, res) => {
    const found = resolve(res, req.params.id, clock());
    if (!found) return;
    const { ctx, ds } = found;
    const origin = originOf(req);
    await pages.send(req, res, ctx.id, `dataset|${ds.id}|${origin}`, async (now) => ({
      html: datasetPage(ctx.manifest, ds, await renderedCharts(ctx, ds), now, { baseUrl: origin }),
      until: datasetPageUntil(ctx.manifest, ds, now),
    }));
  });

  r.get('/datasets/:id/:file', async (req, res, next) => {
    if (req.params.file === 'feed.atom') {
      const found = resolve(res, req.params.id, clock());
      if (!found) return;
      const feed = datasetFeed(originOf(req), found.ds.id, await releaseManifests(opts.dataDir), clock());
      if (!feed) return sendHtml(res, 404, notFoundPage(clock(), found.ctx.manifest.agency.name));
      res.set('Content-Type', 'application/atom+xml; charset=utf-8').send(Buffer.from(feed, 'utf8'));
      return;
    }
    const m = /^rows\.(csv|parquet|json)$/.exec(req.params.file);
    if (!m) return next();
    const found = resolve(res, req.params.id, clock());
    if (!found) return;
    const { ctx, ds } = found;
    const file = ds.files.find((f) => f.format === m[1]);
    if (!file) return sendHtml(res, 404, notFoundPage(clock(), ctx.manifest.agency.name));
    const filename = `${safeName(ds.slug) || ds.id}.${file.format}`;
    res
      .set('Content-Type', DOWNLOAD_TYPES[file.format])
      .set('Content-Disposition', `attachment; filename="${filename}"`)
      .set('Access-Control-Allow-Origin', '*');
    await sendBulkFile(req, res, next, file, (rel) => ctx.resolve(rel));
  });

  r.get('/datasets/:id/charts/:file', async (req, res, next) => {
    const m = /^(.+?)(\.svg|\.png|\.vl\.json|\.csv)?$/.exec(req.params.file);
    if (!m) return next();
    const found = resolve(res, req.params.id, clock());
    if (!found) return;
    const { ctx, ds } = found;
    const chartId = m[1];
    if (!ds.charts.some((c) => c.id === chartId)) return sendHtml(res, 404, notFoundPage(clock(), ctx.manifest.agency.name));
    const name = `${safeName(ds.slug) || ds.id}-${safeName(chartId)}`;
    switch (m[2]) {
      case '.svg': {
        const svg = await ctx.ready(`svg:${ds.id}/${chartId}`, async () => readyAnswer(await ctx.svg(ds, chartId), SVG_HEADERS));
        if ('download' in req.query) res.set('Content-Disposition', `attachment; filename="${name}.svg"`);
        return sendReady(req, res, svg);
      }
      case '.png': {
        const png = svgToPng(await ctx.svg(ds, chartId));
        res.set('Content-Type', 'image/png').set('Access-Control-Allow-Origin', '*').set('Content-Disposition', `inline; filename="${name}.png"`).send(png);
        return;
      }
      case '.vl.json': {
        const spec = specWithData(await ctx.chart(ds, chartId));
        res
          .set('Content-Type', 'application/json; charset=utf-8')
          .set('Access-Control-Allow-Origin', '*')
          .set('Content-Disposition', `attachment; filename="${name}.vl.json"`)
          .send(Buffer.from(JSON.stringify(spec, null, 2), 'utf8'));
        return;
      }
      case '.csv': {
        const csv = chartCsv(await ctx.chart(ds, chartId));
        res
          .set('Content-Type', 'text/csv; charset=utf-8')
          .set('Access-Control-Allow-Origin', '*')
          .set('Content-Disposition', `attachment; filename="${name}.csv"`)
          .send(Buffer.from(csv, 'utf8'));
        return;
      }
      default: {
        const artifact = await ctx.chart(ds, chartId);
        const svg = await ctx.svg(ds, chartId).catch((err) => {
          console.error(`site: chart ${ds.id}/${chartId} (release ${ctx.id}):`, err);
          return null;
        });
        res.set('Content-Security-Policy', CSP.chart);
        sendHtml(res, 200, chartPage(ctx.manifest, ds, artifact, svg, originOf(req), clock()));
      }
    }
  });

  r.get('/embed/:id/:chartId', async (req, res) => {
    const found = resolve(res, req.params.id, clock());
    if (!found) return;
    const { ctx, ds } = found;
    const chartId = req.params.chartId;
    if (!ds.charts.some((c) => c.id === chartId)) return sendHtml(res, 404, notFoundPage(clock(), ctx.manifest.agency.name));
    const artifact = await ctx.chart(ds, chartId);
    const svg = await ctx.svg(ds, chartId).catch(() => null);
    res.set('Content-Security-Policy', CSP.embed).removeHeader('X-Frame-Options');
    sendHtml(res, 200, embedPage(ctx.manifest, ds, artifact, svg, originOf(req)));
  });

  r.get('/brief', async (_req, res) => {
    const ctx = releaseOf(res);
    if (!ctx) return sendHtml(res, 503, noReleasePage(clock()));
    let p = briefs.get(ctx.id);
    if (!p) {
      if (briefs.size >= 4) briefs.clear();
      p = computeBrief(ctx, opts.db);
      briefs.set(ctx.id, p);
      p.catch(() => briefs.delete(ctx.id));
    }
    sendHtml(res, 200, briefPage(ctx.manifest, await p, clock()));
  });

  r.get('/surveillance', (_req, res) => {
    const site = siteInfo(res);
    const now = clock();
    sendHtml(res, 200, surveillanceIndexPage(site, disclosures, localDate(now, site.timeZone), now));
  });

  r.get('/surveillance/:slug', (req, res) => {
    const site = siteInfo(res);
    const now = clock();
    const d = disclosures.find((x) => x.id === req.params.slug);
    if (!d) return sendHtml(res, 404, notFoundPage(now, site.agencyName));
    sendHtml(res, 200, surveillancePage(site, d, localDate(now, site.timeZone), now));
  });

  r.get('/fees/body-worn-video', (req, res) => {
    const site = siteInfo(res);
    const query = req.query as Record<string, unknown>;
    const submitted = Object.keys(query).length > 0;
    const result = submitted ? estimateFromQuery(query) : null;
    res.set('Content-Security-Policy', CSP.form);
    sendHtml(res, result && !result.ok ? 400 : 200, feesPage(site, query, result, clock()));
  });

  r.get('/api/fees/body-worn-video', (req, res) => {
    const result = estimateFromQuery(req.query as Record<string, unknown>);
    if (!result.ok) {
      res.status(400).set('Content-Type', 'application/json; charset=utf-8');
      res.send(Buffer.from(JSON.stringify({ code: 'request.invalid', message: result.errors.map((e) => `${e.field}: ${e.message}`).join(' '), errors: result.errors })));
      return;
    }
    const e = result.estimate;
    res
      .set('Content-Type', 'application/json; charset=utf-8')
      .set('Access-Control-Allow-Origin', '*')
      .send(
        Buffer.from(
          JSON.stringify({
            input: e.input,
            lines: e.lines.map((l) => ({ ...l, charge: l.cents / 100 })),
            subtotal: e.subtotalCents / 100,
            exempt: e.exempt,
            exemption: e.exemption,
            total: e.totalCents / 100,
            currency: 'USD',
            notes: e.notes,
          }),
        ),
      );
  });

  return r;
}
