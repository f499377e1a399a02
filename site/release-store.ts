// Which release is current, and everything derived from it (manifest, chart artifacts, rendered
// SVGs, ready answers, DuckDB views), cached per release id. `current` is re-read on every request,
// so a new release switched in via the symlink is used at once; the old cache is dropped once no
// request still holds it.
import path from 'node:path';
import { currentReleaseIdSync, readChart, readManifest, releaseDir } from '../publisher/release-reader.ts';
import { type ChartArtifact, type DatasetManifest, type Manifest } from '../publisher/manifest.ts';
import type { CachedAnswer } from './api/response-cache.ts';
import { leanParts } from './bulk.ts';
import { renderChartSvg } from './charts/render-svg.ts';
import type { DatasetView, SiteDb } from './db.ts';

export class ReleaseContext {
  readonly datasets: Map<string, DatasetManifest>;
  private readonly charts = new Map<string, Promise<ChartArtifact>>();
  private readonly svgs = new Map<string, Promise<string>>();
  private readonly views = new Map<string, Promise<DatasetView>>();
  private readonly answers = new Map<string, Promise<CachedAnswer>>();
  active = 0;
  stale = false;

  constructor(
    readonly id: string,
    readonly dir: string,
    readonly manifest: Manifest,
    private readonly db: SiteDb,
  ) {
    this.datasets = new Map(manifest.datasets.map((d) => [d.id, d]));
  }

  /** A path from the manifest, resolved inside this release directory (never outside it). */
  resolve(relPath: string): string {
    const abs = path.resolve(this.dir, relPath);
    if (!abs.startsWith(this.dir + path.sep)) throw new Error(`path escapes the release: ${relPath}`);
    return abs;
  }

  chart(ds: DatasetManifest, chartId: string): Promise<ChartArtifact> {
    const entry = ds.charts.find((c) => c.id === chartId);
    if (!entry) return Promise.reject(new Error(`no chart ${chartId} in ${ds.id}`));
    return memo(this.charts, `${ds.id}/${chartId}`, () => {
      this.resolve(entry.path);
      return readChart({ dir: this.dir, manifest: this.manifest }, entry.path);
    });
  }

  svg(ds: DatasetManifest, chartId: string): Promise<string> {
    return memo(this.svgs, `${ds.id}/${chartId}`, async () => renderChartSvg(await this.chart(ds, chartId)));
  }

  /** An answer that depends on nothing but this release (e.g. a chart's SVG), made once. */
  ready(key: string, make: () => Promise<CachedAnswer>): Promise<CachedAnswer> {
    return memo(this.answers, key, make);
  }

  view(ds: DatasetManifest): Promise<DatasetView> {
    return memo(this.views, ds.id, async () => {
      const file = ds.files.find((f) => f.format === 'parquet');
      if (!file) throw new Error(`dataset ${ds.id} has no parquet file`);
      return this.db.createView(`r_${this.id}_${ds.id}`, this.resolve(file.path), ds);
    });
  }

  async dispose(): Promise<void> {
    const views = [...this.views.values()];
    this.views.clear();
    this.charts.clear();
    this.svgs.clear();
    this.answers.clear();
    for (const v of views) {
      const view = await v.catch(() => null);
      if (view) await this.db.dropView(view.name).catch((err) => console.error('site: drop view failed', err));
    }
  }
}

/** Cache a promise under `key`; a rejected promise is forgotten so the next call retries. */
function memo<T>(map: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let p = map.get(key);
  if (!p) {
    p = make();
    map.set(key, p);
    p.catch(() => {
      if (map.get(key) === p) map.delete(key);
    });
  }
  return p;
}

export class ReleaseStore {
  private ctx: ReleaseContext | null = null;
  private loading = new Map<string, Promise<ReleaseContext>>();

  constructor(
    private readonly dataDir: string,
    private readonly db: SiteDb,
    /** Serve this release directory (a name under releases/) instead of `current`: the scan gate renders a release before it is switched in. */
    private readonly pinned?: string,
  ) {}

  /**
   * The current release id, or null when nothing is published: one readlink, no caching. It is a
   * synchronous call on purpose: a few microseconds, where the promise version costs a thread-pool
   * round trip per request (the largest single cost of a cached page under load).
   */
  currentId(): string | null {
    return this.pinned ?? currentReleaseIdSync(this.dataDir);
  }

  /**
   * The current release's context with a hold taken (call `release(ctx)` when the request ends);
   * synchronous when that release is already loaded, a promise while it loads.
   */
  acquire(): ReleaseContext | null | Promise<ReleaseContext | null> {
    const id = this.currentId();
    if (!id) {
      this.retire(null);
      return null;
    }
    const ctx = this.ctx;
    if (ctx && ctx.id === id) {
      ctx.active++;
      return ctx;
    }
    return this.load(id);
  }

  private async load(id: string): Promise<ReleaseContext> {
    const ctx = await memo(this.loading, id, async () => {
      const dir = releaseDir(this.dataDir, id);
      return new ReleaseContext(id, dir, leanParts(await readManifest(dir)), this.db);
    });
    this.loading.delete(id);
    if (this.ctx?.id !== id) this.retire(ctx);
    ctx.active++;
    return ctx;
  }

  release(ctx: ReleaseContext): void {
    ctx.active--;
    if (ctx.stale && ctx.active === 0) void ctx.dispose();
  }

  private retire(next: ReleaseContext | null): void {
    const old = this.ctx;
    this.ctx = next;
    if (old && old !== next) {
      old.stale = true;
      if (old.active === 0) void old.dispose();
    }
  }

  async close(): Promise<void> {
    const old = this.ctx;
    this.ctx = null;
    if (old) await old.dispose();
  }
}
