// Pages as RSocrata and sodapy read a whole dataset: `$limit=50000&$offset=N` one after another,
// with no `$order` (docs/api.md). Each page is asked for once (a new URL, so the response cache
// does not answer it) and timed; the pages sampled are spread over the whole dataset, with and
// without a filter, so their mean estimates a full read. Usage on its own (the bench runs it as
// step 5d): node --import tsx bench/deep-pages.ts BASE_URL DATASET ROWS
import { download } from './load.ts';

export const PAGE = 50_000;

export interface PageTime { offset: number; ms: number; bytes: number }
export interface DeepPages { plain: PageTime[]; filtered: PageTime[]; filter: string }

/** Offsets of `samples` pages spread evenly from the first to the last full page of `rows`. */
export function sampleOffsets(rows: number, samples: number): number[] {
  const last = Math.max(0, rows - PAGE);
  const out = new Set<number>();
  for (let i = 0; i < samples; i++) out.add(Math.round((last * i) / Math.max(1, samples - 1) / 1000) * 1000);
  return [...out];
}

async function timePages(base: string, query: string, offsets: number[]): Promise<PageTime[]> {
  const out: PageTime[] = [];
  for (const offset of offsets) {
    const r = await download(`${base}?${query}$limit=${PAGE}&$offset=${offset}`);
    if (r.status !== 200) throw new Error(`page at offset ${offset}: status ${r.status}`);
    out.push({ offset, ms: r.seconds * 1000, bytes: r.bytes });
  }
  return out;
}

/**
 * Times `samples` pages of the whole dataset, then `samples` pages of a filter matching about a
 * fifth of it (`precinct=NORTH` on the calls), spread over the rows that filter matches.
 */
export async function deepPages(base: string, dataset: string, rows: number, samples = 12): Promise<DeepPages> {
  const url = `${base}/resource/${dataset}.json`;
  const plain = await timePages(url, '', sampleOffsets(rows, samples));
  const filter = 'precinct=NORTH';
  const count = await fetch(`${url}?$select=${encodeURIComponent('count(*) AS n')}&${filter}`);
  if (count.status !== 200) throw new Error(`count of ${filter}: status ${count.status}`);
  const matching = Number(((await count.json()) as { n: string }[])[0].n);
  const filtered = await timePages(url, `${filter}&`, sampleOffsets(matching, samples));
  return { plain, filtered, filter };
}

/** "mean 312 ms, max 540 ms over 12 pages (offsets 0 to 11,230,000)". */
export function describePages(pages: PageTime[]): string {
  const ms = pages.map((p) => p.ms);
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  const last = pages.at(-1)?.offset ?? 0;
  return `mean ${mean.toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms over ${pages.length} pages (offsets 0 to ${last.toLocaleString('en-US')})`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [base, dataset, rows] = process.argv.slice(2);
  if (!base || !dataset || !rows) {
    process.stderr.write('usage: node --import tsx bench/deep-pages.ts BASE_URL DATASET ROWS\n');
    process.exit(2);
  }
  const r = await deepPages(base, dataset, Number(rows));
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.stderr.write(`all rows: ${describePages(r.plain)}\n${r.filter}: ${describePages(r.filtered)}\n`);
}
