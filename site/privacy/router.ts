// Routes of the privacy office pages: /privacy (catalog), /privacy/rules/:id (one rule) and
// /privacy/report (the current release's privacy report). HTML only, no scripts.
import { Router, type Response } from 'express';
import { noReleasePage, notFoundPage } from '../pages/errors.ts';
import type { ReleaseContext } from '../release-store.ts';
import { releaseOf } from '../routes/common.ts';
import { catalogPage, unavailablePage } from './catalog-page.ts';
import { PrivacyStore, type PrivacyData } from './load.ts';
import { reportPage } from './report-page.ts';
import { rulePage } from './rule-page.ts';
import { RULE_ID } from './schema.ts';

function sendHtml(res: Response, status: number, page: string): void {
  res.status(status).set('Content-Type', 'text/html; charset=utf-8').send(page);
}

export function privacyRouter(clock: () => Date, store = new PrivacyStore()): Router {
  const r = Router();

  /** The release and its privacy data, or null after answering 503 itself. */
  async function resolve(res: Response): Promise<{ ctx: ReleaseContext; data: PrivacyData } | null> {
    const ctx = releaseOf(res);
    if (!ctx) {
      sendHtml(res, 503, noReleasePage(clock()));
      return null;
    }
    const data = await store.get(ctx);
    if (!data) {
      sendHtml(res, 503, unavailablePage(ctx.manifest, clock()));
      return null;
    }
    return { ctx, data };
  }

  r.get('/privacy', async (_req, res) => {
    const found = await resolve(res);
    if (found) sendHtml(res, 200, catalogPage(found.ctx.manifest, found.data, clock()));
  });

  r.get('/privacy/report', async (_req, res) => {
    const found = await resolve(res);
    if (found) sendHtml(res, 200, reportPage(found.ctx.manifest, found.data, clock()));
  });

  r.get('/privacy/rules/:id', async (req, res) => {
    const id = req.params.id;
    if (!RULE_ID.test(id)) return sendHtml(res, 404, notFoundPage(clock(), releaseOf(res)?.manifest.agency.name));
    const found = await resolve(res);
    if (!found) return;
    const rule = found.data.byId.get(id);
    if (!rule) return sendHtml(res, 404, notFoundPage(clock(), found.ctx.manifest.agency.name));
    sendHtml(res, 200, rulePage(found.ctx.manifest, found.data, rule, clock()));
  });

  return r;
}
