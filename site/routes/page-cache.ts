// Pages served from memory: rendered once per release, host and time-dependent text, kept as ready
// answers (Buffer + strong ETag, see ready.ts) until the first moment their text would read
// differently (an age such as "3 days ago", the next scheduled run) and at most PAGE_TTL_MS (the
// footer's "Page generated" time). Requests arriving while a page renders wait for that render.
// A client that accepts gzip gets the page's gzip variant, made once per rendering (site/gzip.ts).
import type { Request, Response } from 'express';
import type { DatasetManifest } from '../../publisher/manifest.ts';
import { ResponseCache, type CachedAnswer } from '../api/response-cache.ts';
import type { RenderedChart } from '../pages/dataset.ts';
import { readyAnswer, sendReady } from '../ready.ts';
import type { ReleaseContext } from '../release-store.ts';

const PAGE_TTL_MS = 60_000;
const HTML_HEADERS = { 'Content-Type': 'text/html; charset=utf-8' };

export interface RenderedPage {
  html: string;
  /** Time (ms since the epoch) from which the page's text would be different. */
  until: number;
}

export class PageCache {
  private readonly answers: ResponseCache;
  private readonly pending = new Map<string, Promise<CachedAnswer>>();

  constructor(private readonly clock: () => Date, maxBytes = 32 * 1024 * 1024) {
    this.answers = new ResponseCache(maxBytes);
  }

  /** Answer with the page kept under `key` for this release, rendering it first when needed. */
  async send(req: Request, res: Response, releaseId: string, key: string, render: (now: Date) => Promise<RenderedPage> | RenderedPage): Promise<void> {
    const now = this.clock();
    const kept = this.answers.get(releaseId, key, now.getTime());
    await sendReady(req, res, kept ?? (await this.fill(releaseId, key, now, render)));
  }

  private fill(releaseId: string, key: string, now: Date, render: (now: Date) => Promise<RenderedPage> | RenderedPage): Promise<CachedAnswer> {
    const id = `${releaseId}\n${key}`;
    let p = this.pending.get(id);
    if (!p) {
      p = (async () => {
        const page = await render(now);
        const answer = readyAnswer(page.html, HTML_HEADERS, Math.min(page.until, now.getTime() + PAGE_TTL_MS));
        this.answers.set(releaseId, key, answer);
        return answer;
      })();
      this.pending.set(id, p);
      p.then(
        () => this.pending.delete(id),
        () => this.pending.delete(id),
      );
    }
    return p;
  }
}

/** A dataset's charts with their artifacts and SVGs; a chart that fails is logged and shown as missing. */
export function renderedCharts(ctx: ReleaseContext, ds: DatasetManifest): Promise<RenderedChart[]> {
  return Promise.all(
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
}
