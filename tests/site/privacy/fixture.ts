// Test fixture for the privacy pages: one real release (small demo drop through the pipelines),
// its published privacy files, and helpers that read tables and sections out of rendered HTML.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Manifest } from '../../../publisher/manifest.ts';
import { formatInt } from '../../../site/format.ts';
import { PrivacyReportSchema, RulesFileSchema, type PrivacyReportFile, type PublishedRule } from '../../../site/privacy/schema.ts';
import { demoDrop, runOnce, tempDir } from '../../helpers/pipeline.ts';

export interface BuiltRelease {
  dataDir: string;
  /** The release directory (DATA/releases/<id>). */
  dir: string;
  releaseId: string;
  rules: PublishedRule[];
  report: PrivacyReportFile;
  manifest: Manifest;
}

export async function buildRelease(): Promise<BuiltRelease> {
  const source = await demoDrop({ scale: 0.002 });
  const dataDir = await tempDir('privacy-data');
  const run = await runOnce(source, dataDir);
  const dir = run.releaseDir;
  const json = async (name: string): Promise<unknown> => JSON.parse(await readFile(path.join(dir, name), 'utf8'));
  return {
    dataDir,
    dir,
    releaseId: run.releaseId,
    rules: RulesFileSchema.parse(await json('rules.json')),
    report: PrivacyReportSchema.parse(await json('privacy-report.json')),
    manifest: Manifest.parse(await json('manifest.json')),
  };
}

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&amp;': '&' };

/** The visible text of an HTML fragment: tags removed, entities decoded, whitespace collapsed. */
export function text(fragment: string): string {
  return fragment
    .replace(/<[^>]+>/g, '')
    .replace(/&(lt|gt|quot|#39|amp);/g, (e) => ENTITIES[e])
    .replace(/\s+/g, ' ')
    .trim();
}

/** The rows of the table whose caption starts with `caption`, keyed by column header text. */
export function tableRows(body: string, caption: string): Record<string, string>[] {
  const tables = body.match(/<table>[\s\S]*?<\/table>/g) ?? [];
  const table = tables.find((t) => text(/<caption>([\s\S]*?)<\/caption>/.exec(t)?.[1] ?? '').startsWith(caption));
  if (!table) throw new Error(`no table captioned "${caption}"`);
  const cells = (row: string) => [...row.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => text(c[1]));
  const head = cells(/<thead>([\s\S]*?)<\/thead>/.exec(table)![1]);
  const body_ = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)![1];
  return [...body_.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => Object.fromEntries(cells(m[1]).map((c, i) => [head[i], c])));
}

/** The <section> labelled by `id` (the report's per-dataset and scan sections). */
export function section(body: string, id: string): string {
  const start = body.indexOf(`<section aria-labelledby="${id}">`);
  if (start < 0) throw new Error(`no section ${id}`);
  return body.slice(start, body.indexOf('</section>', start));
}

/** A count as the pages show it: formatted, or a dash when none was recorded. */
export const count = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : formatInt(n));

/** Visible text of a `<dt>` fact's `<dd>` in a fragment. */
export function fact(fragment: string, term: string): string {
  const m = new RegExp(`<dt>${term}</dt><dd>([\\s\\S]*?)</dd>`).exec(fragment);
  if (!m) throw new Error(`no fact "${term}"`);
  return text(m[1]);
}
