// Answers that cannot change within a release (a SoQL query's body is fixed by the release and
// the compiled SQL with its parameters), kept in memory up to a byte budget, least recently
// used out first. Entries of an older release are dropped as soon as a newer one is seen.

export interface CachedAnswer {
  body: Buffer;
  headers: Record<string, string>;
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

  get(releaseId: string, key: string): CachedAnswer | undefined {
    this.forgetOtherReleases(releaseId);
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(releaseId: string, key: string, answer: CachedAnswer): void {
    this.forgetOtherReleases(releaseId);
    if (answer.body.length > this.maxEntryBytes) return;
    const old = this.entries.get(key);
    if (old) this.bytes -= old.body.length;
    this.entries.set(key, answer);
    this.bytes += answer.body.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.body.length;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
