// Answers that cannot change within a release (a SoQL query's body is fixed by the release and
// the compiled SQL with its parameters; a page by the release, the host and the clock up to its
// `until`), kept in memory up to a byte budget, least recently used out first. Entries of an
// older release are dropped as soon as a newer one is seen.

export interface CachedAnswer {
  body: Buffer;
  headers: Record<string, string>;
  /** Strong ETag of exactly `body` (answers whose ETag is not derived from the URL). */
  etag?: string;
  /** Time (ms since the epoch) from which the answer is out of date; absent: valid for the release. */
  until?: number;
}

export class ResponseCache {
  private readonly entries = new Map<string, CachedAnswer>();
  private bytes = 0;
  private release: string | null = null;

  constructor(private readonly maxBytes = 64 * 1024 * 1024, private readonly maxEntryBytes = 4 * 1024 * 1024) {}

  private forgetOtherReleases(releaseId: string): void {
    if (this.release === releaseId) return;
    this.entries.clear();
    this.bytes = 0;
    this.release = releaseId;
  }

  private drop(key: string, answer: CachedAnswer): void {
    this.entries.delete(key);
    this.bytes -= answer.body.length;
  }

  /** The answer kept under `key` for this release, unless it is out of date at `now` (ms). */
  get(releaseId: string, key: string, now = Date.now()): CachedAnswer | undefined {
    this.forgetOtherReleases(releaseId);
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.until !== undefined && now >= hit.until) {
      this.drop(key, hit);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  set(releaseId: string, key: string, answer: CachedAnswer): void {
    this.forgetOtherReleases(releaseId);
    if (answer.body.length > this.maxEntryBytes) return;
    const old = this.entries.get(key);
    if (old) this.drop(key, old);
    this.entries.set(key, answer);
    this.bytes += answer.body.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(k, v);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
