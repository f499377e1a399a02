// Helpers shared by the routers: the request's release, id validation, JSON errors, header values.
import type { Request, Response } from 'express';
import type { DatasetManifest } from '../../publisher/manifest.ts';
import type { ReleaseContext } from '../release-store.ts';

export const DATASET_ID = /^[a-z0-9]{4}-[a-z0-9]{4}$/;

/** The release context the release middleware attached to this request (null: none published). */
export function releaseOf(res: Response): ReleaseContext | null {
  return (res.locals.release as ReleaseContext | null | undefined) ?? null;
}

/** Look a dataset up by id after checking the id's shape; never touches the filesystem. */
export function findDataset(ctx: ReleaseContext, id: unknown): DatasetManifest | null {
  if (typeof id !== 'string' || !DATASET_ID.test(id)) return null;
  return ctx.datasets.get(id) ?? null;
}

export function jsonError(res: Response, status: number, code: string, message: string): void {
  res.status(status).set('Content-Type', 'application/json;charset=utf-8').send(Buffer.from(JSON.stringify({ code, message })));
}

/** JSON for an HTTP header value: non-ASCII escaped as \uXXXX so the header stays valid. */
export function headerJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function httpDate(iso: string): string | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d.toUTCString();
}

/** The origin the client used (for absolute links in /data.json, JSON-LD and the /api page). */
export function originOf(req: Request): string {
  const host = req.get('host') ?? '';
  const safeHost = /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? host : 'localhost';
  return `${req.protocol === 'https' ? 'https' : 'http'}://${safeHost}`;
}

/** The status an error maps to (4xx kept, anything else 500, which is logged on stderr). */
export function errorStatus(err: unknown, req: Request): number {
  const e = err as { status?: number; statusCode?: number };
  const given = e?.status ?? e?.statusCode;
  const status = typeof given === 'number' && given >= 400 && given < 500 ? given : 500;
  if (status === 500) console.error(`site: ${req.method} ${req.originalUrl} failed:`, err);
  return status;
}
