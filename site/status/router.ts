// Routes for publishing status and release history: /status (HTML), /status.json,
// /datasets/:id/changelog, and /datapackage.json (the current release's Frictionless package; its
// resource paths, relative to it, are the site's download URLs /datasets/<id>/rows.<format>). They read the published releases and DATA/runs/history.jsonl (run
// metadata: times, outcomes, counts, first lines of errors), never staging or records.
import { Router, type Response } from 'express';
import { buildDataPackage } from '../../publisher/datapackage.ts';
import type { Manifest } from '../../publisher/manifest.ts';
import { readStatus, statusJson, type StatusReport } from '../../pipelines/status.ts';
import { noReleasePage, notFoundPage } from '../pages/errors.ts';
import { releaseManifests } from '../releases.ts';
import { findDataset, jsonError, releaseOf } from '../routes/common.ts';
import { buildChangelog, changelogPage } from './changelog.ts';
import { statusPage } from './page.ts';

export interface StatusRouterOptions {
  dataDir: string;
}

function sendHtml(res: Response, status: number, page: string): void {
  res.status(status).set('Content-Type', 'text/html; charset=utf-8').send(page);
}

async function statusOf(manifest: Manifest | null, dataDir: string, now: Date): Promise<StatusReport> {
  return readStatus(dataDir, {
    release: manifest?.releaseId ?? null,
    timezone: manifest?.agency.timezone ?? 'UTC',
    schedules: (manifest?.datasets ?? []).map((d) => ({ id: d.id, schedule: d.schedule })),
    now,
  });
}

export function statusRouter(clock: () => Date, opts: StatusRouterOptions): Router {
  const r = Router();

  r.get('/status.json', async (_req, res) => {
    const manifest = releaseOf(res)?.manifest ?? null;
    const body = statusJson(await statusOf(manifest, opts.dataDir, clock()));
    res.set('Content-Type', 'application/json;charset=utf-8').set('Cache-Control', 'no-store').set('Access-Control-Allow-Origin', '*');
    res.send(Buffer.from(JSON.stringify(body)));
  });

  r.get('/datapackage.json', (req, res) => {
    const ctx = releaseOf(res);
    if (!ctx) return jsonError(res, 503, 'no_release', 'No release is published yet');
    const origin = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    res.set('Content-Type', 'application/json;charset=utf-8').set('Access-Control-Allow-Origin', '*');
    res.send(Buffer.from(JSON.stringify(buildDataPackage(ctx.manifest, origin), null, 2)));
  });

  r.get('/status', async (_req, res) => {
    const manifest = releaseOf(res)?.manifest ?? null;
    const now = clock();
    const report = await statusOf(manifest, opts.dataDir, now);
    const names = new Map((manifest?.datasets ?? []).map((d) => [d.id, d.name]));
    res.set('Cache-Control', 'no-store');
    sendHtml(res, 200, statusPage(report, names, manifest?.agency.name, now));
  });

  r.get('/datasets/:id/changelog', async (req, res) => {
    const now = clock();
    const ctx = releaseOf(res);
    if (!ctx) return sendHtml(res, 503, noReleasePage(now));
    const ds = findDataset(ctx, req.params.id);
    if (!ds) return sendHtml(res, 404, notFoundPage(now, ctx.manifest.agency.name));
    // Releases up to the one serving (after a rollback, newer retained releases are not history).
    const manifests = (await releaseManifests(opts.dataDir)).filter((m) => m.releaseId <= ctx.manifest.releaseId);
    const entries = buildChangelog(manifests, ds.id);
    sendHtml(res, 200, changelogPage(ctx.manifest, ds, entries, now));
  });

  return r;
}
