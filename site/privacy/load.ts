// Reads and validates rules.json and privacy-report.json from the current release, cached per
// release id: a switched-in release is read once, a failed read is retried on the next request.
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import type { ReleaseContext } from '../release-store.ts';
import { PrivacyReportSchema, RulesFileSchema, type PrivacyReportFile, type PublishedRule } from './schema.ts';

export const RULES_FILE = 'rules.json';
export const PRIVACY_REPORT_FILE = 'privacy-report.json';

export interface PrivacyData {
  rules: PublishedRule[];
  byId: Map<string, PublishedRule>;
  report: PrivacyReportFile;
}

/** How many releases' privacy data to keep (the current one and the one it replaced). */
const KEEP = 2;

async function readJson<T>(ctx: ReleaseContext, name: string, schema: z.ZodType<T>): Promise<T | null> {
  const file = ctx.resolve(name);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

async function load(ctx: ReleaseContext): Promise<PrivacyData | null> {
  const [rules, report] = await Promise.all([
    readJson(ctx, RULES_FILE, RulesFileSchema),
    readJson(ctx, PRIVACY_REPORT_FILE, PrivacyReportSchema),
  ]);
  // Releases written before the privacy files existed have neither: the pages say so.
  if (!rules || !report) return null;
  return { rules, byId: new Map(rules.map((r) => [r.id, r])), report };
}

export class PrivacyStore {
  private readonly cache = new Map<string, Promise<PrivacyData | null>>();

  get(ctx: ReleaseContext): Promise<PrivacyData | null> {
    let p = this.cache.get(ctx.id);
    if (!p) {
      p = load(ctx);
      this.cache.set(ctx.id, p);
      while (this.cache.size > KEEP) this.cache.delete(this.cache.keys().next().value!);
      const mine = p;
      p.catch(() => {
        if (this.cache.get(ctx.id) === mine) this.cache.delete(ctx.id);
      });
    }
    return p;
  }
}
