// Case status lookup (rule I7): /cases (a plain GET form) and /api/cases (JSON). The portal
// hashes the typed report number with the lookup key (DATA/lookup.key or CASE_LOOKUP_KEY) and
// looks the hash up in the release's case-lookup.parquet: status and report day, nothing else.
import { VARCHAR } from '@duckdb/node-api';
import { Router, type Request, type Response } from 'express';
import rateLimit from 'express-rate-limit';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { caseLookupHash } from '../../publisher/case-lookup.ts';
import type { SiteDb } from '../db.ts';
import { quoteLiteral } from '../db.ts';
import { jsonError, releaseOf } from '../routes/common.ts';
import { CSP } from '../routes/pages.ts';
import { casePage, type CaseAnswer } from './page.ts';

const REPORT = /^[A-Za-z0-9][A-Za-z0-9 -]{2,39}$/;

async function lookupKey(dataDir: string): Promise<string | null> {
  const fromEnv = process.env.CASE_LOOKUP_KEY?.trim();
  if (fromEnv) return fromEnv.toLowerCase();
  const key = await readFile(path.join(dataDir, 'lookup.key'), 'utf8').catch(() => null);
  return key?.trim() || null;
}

async function answer(req: Request, res: Response, db: SiteDb, dataDir: string): Promise<CaseAnswer> {
  const raw = typeof req.query.report === 'string' ? req.query.report : '';
  if (!raw) return { kind: 'ask' };
  if (!REPORT.test(raw.trim())) return { kind: 'invalid', report: raw.slice(0, 40) };
  const ctx = releaseOf(res);
  const ds = ctx?.manifest.datasets.find((d) => d.caseLookup);
  const key = await lookupKey(dataDir);
  if (!ctx || !ds?.caseLookup || !key) return { kind: 'unavailable' };
  const file = ctx.resolve(ds.caseLookup.path);
  const body = await db.text(
    `SELECT coalesce(to_json(list({statuses: statuses, reported: CAST(reported AS VARCHAR)})), '[]') FROM read_parquet(${quoteLiteral(file)}) WHERE lookup = $1`,
    [caseLookupHash(key, raw)], [VARCHAR], 3000,
  );
  const [hit] = JSON.parse(body) as { statuses: string[]; reported: string }[];
  return hit ? { kind: 'found', report: raw.trim().toUpperCase(), statuses: hit.statuses, reported: hit.reported, datasetId: ds.id } : { kind: 'not_found', report: raw.trim().toUpperCase() };
}

export function casesRouter(db: SiteDb, dataDir: string, clock: () => Date): Router {
  const r = Router();
  // Report numbers are guessable: a strict per-address limit keeps them from being tried in bulk.
  r.use(['/cases', '/api/cases'], rateLimit({ windowMs: 60_000, limit: 30, standardHeaders: 'draft-7', legacyHeaders: false,
    handler: (_req, res) => jsonError(res, 429, 'too_many_requests', 'Too many lookups; try again in a minute') }));
  r.get('/cases', async (req, res, next) => {
    try {
      const a = await answer(req, res, db, dataDir);
      const status = a.kind === 'invalid' ? 400 : a.kind === 'unavailable' ? 503 : 200;
      res.status(status).set('Content-Type', 'text/html; charset=utf-8').set('Cache-Control', 'no-store').set('Content-Security-Policy', CSP.form)
        .send(casePage(a, releaseOf(res)?.manifest ?? null, clock()));
    } catch (err) {
      next(err);
    }
  });
  r.get('/api/cases', async (req, res, next) => {
    try {
      const a = await answer(req, res, db, dataDir);
      res.set('Cache-Control', 'no-store');
      if (a.kind === 'ask' || a.kind === 'invalid') return jsonError(res, 400, 'request.invalid', 'report must be 3 to 40 letters, digits, spaces or dashes');
      if (a.kind === 'unavailable') return jsonError(res, 503, 'unavailable', 'Case lookup is not available for the current release');
      if (a.kind === 'not_found') return jsonError(res, 404, 'not_found', 'No published case has that report number');
      res.json({ report: a.report, statuses: a.statuses, reported: a.reported });
    } catch (err) {
      next(err);
    }
  });
  return r;
}
