// HTML pages and release files: home, dataset page, bulk downloads, one chart as SVG.
import { Router, type Response } from 'express';
import type { DatasetManifest, FileManifest } from '../../publisher/manifest.ts';
import { datasetPage, type RenderedChart } from '../pages/dataset.ts';
import { noReleasePage, notFoundPage } from '../pages/errors.ts';
import { homePage } from '../pages/home.ts';
import type { ReleaseContext } from '../release-store.ts';
import { findDataset, releaseOf } from './common.ts';

const DOWNLOAD_TYPES: Record<FileManifest['format'], string> = {
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
  json: 'application/json; charset=utf-8',
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

export function pagesRouter(clock: () => Date): Router {
  const r = Router();

  r.get('/', (_req, res) => {
    const ctx = releaseOf(res);
    if (!ctx) return sendHtml(res, 503, noReleasePage(clock()));
    sendHtml(res, 200, homePage(ctx.manifest, clock()));
  });

  r.get('/datasets/:id', async (req, res) => {
    const found = resolve(res, req.params.id, clock());
    if (!found) return;
    const { ctx, ds } = found;
    const charts: RenderedChart[] = await Promise.all(
      ds.charts.map(async (entry) => {
        const [artifact, svg] = await Promise.allSettled([ctx.chart(ds, entry.id), ctx.svg(ds, entry.id)]);
        for (const s of [artifact, svg]) {
          if (s.status === 'rejected') console.error(`site: chart ${ds.id}/${entry.id} (release ${ctx.id}):`, s.reason);
        }
        return {
          entry,
          artifact: artifact.status === 'fulfilled' ? artifact.value : null,
          svg: svg.status === 'fulfilled' ? svg.value : null,
        };
      }),
    );
    sendHtml(res, 200, datasetPage(ctx.manifest, ds, charts, clock()));
  });

  r.get('/datasets/:id/:file', (req, res, next) => {
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
    res.sendFile(ctx.resolve(file.path), (err) => {
      if (err && !res.headersSent) next(err);
    });
  });

  r.get('/datasets/:id/charts/:file', async (req, res, next) => {
    const m = /^(.+)\.svg$/.exec(req.params.file);
    if (!m) return next();
    const found = resolve(res, req.params.id, clock());
    if (!found) return;
    const { ctx, ds } = found;
    if (!ds.charts.some((c) => c.id === m[1])) return sendHtml(res, 404, notFoundPage(clock(), ctx.manifest.agency.name));
    const svg = await ctx.svg(ds, m[1]);
    res
      .set('Content-Type', 'image/svg+xml')
      .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
      .set('Access-Control-Allow-Origin', '*')
      .send(Buffer.from(svg, 'utf8'));
  });

  return r;
}
