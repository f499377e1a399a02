// Answers that cannot change within a release (a SoQL query's body is fixed by the release and
// the compiled SQL with its parameters; a page by the release, the host and the clock up to its
// `until`), kept in memory up to a byte budget, least recently used out first. Entries of an
// older release are dropped as soon as a newer one is seen. An answer's gzip variant (made later,
// see site/gzip.ts) counts against the budget from the next lookup of that entry on.

export interface CachedAnswer {
  body: Buffer;
  headers: Record<string, string>;
  /** Strong ETag of exactly `body` (answers whose ETag is not derived from the URL). */
  etag?: string;
  /** Time (ms since the epoch) from which the answer is out of date; absent: valid for the release. */
  until?: number;
  /** `body` gzipped, once a client asked for it; null: sent uncompressed (too small, or no smaller). */
  gzip?: Buffer | null;
}

interface Entry {
  answer: CachedAnswer;
  /** Bytes this entry counts against the budget. */
  bytes: number;
}

/** Answers larger than this are not kept (the default per-entry limit). */
export const MAX_ENTRY_BYTES = 4 * 1024 * 1024;

const sizeOf = (a: CachedAnswer): number => a.body.length + (a.gzip?.length ?? 0);

export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private release: string | null = null;

  constructor(private readonly maxBytes = 64 * 1024 * 1024, private readonly maxEntryBytes = MAX_ENTRY_BYTES) {}

  private forgetOtherReleases(releaseId: string): void {
    if (this.release === releaseId) return;
    this.entries.clear();
    this.bytes = 0;
    this.release = releaseId;
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }

  /** Put `entry` last (most recently used), counting its answer's current size, then keep to the budget. */
  private keep(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    entry.bytes = sizeOf(entry.answer);
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(k, v);
    }
  }

  /** The answer kept under `key` for this release, unless it is out of date at `now` (ms). */
  get(releaseId: string, key: string, now = Date.now()): CachedAnswer | undefined {
    this.forgetOtherReleases(releaseId);
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.answer.until !== undefined && now >= hit.answer.until) {
      this.drop(key, hit);
      return undefined;
    }
    this.keep(key, hit);
    return hit.answer;
  }

  set(releaseId: string, key: string, answer: CachedAnswer): void {
    this.forgetOtherReleases(releaseId);
    if (answer.body.length > this.maxEntryBytes) return;
    const old = this.entries.get(key);
    if (old) this.drop(key, old);
    this.keep(key, { answer, bytes: 0 });
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes counted against the budget (identity bodies and the gzip variants seen so far). */
  get usedBytes(): number {
    return this.bytes;
  }
}
