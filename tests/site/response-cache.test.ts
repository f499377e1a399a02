// The per-release answer cache: least recently used out first within a byte budget (gzip variants
// included); a new release empties it. An answer's gzip variant is made once and kept.
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ResponseCache, type CachedAnswer } from '../../site/api/response-cache.ts';
import { gzipVariant } from '../../site/gzip.ts';

const answer = (n: number): CachedAnswer => ({ body: Buffer.alloc(n, 1), headers: { 'Content-Type': 'text/plain' } });

describe('ResponseCache', () => {
  it('keeps answers per release and forgets them when the release changes', () => {
    const c = new ResponseCache(100, 50);
    c.set('r1', 'q', answer(10));
    expect(c.get('r1', 'q')?.body.length).toBe(10);
    expect(c.get('r2', 'q')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('evicts the least recently used answers beyond the byte budget, and skips oversized ones', () => {
    const c = new ResponseCache(100, 50);
    c.set('r', 'a', answer(40));
    c.set('r', 'b', answer(40));
    c.get('r', 'a');
    c.set('r', 'c', answer(40));
    expect(c.get('r', 'b')).toBeUndefined();
    expect(c.get('r', 'a')).toBeDefined();
    expect(c.get('r', 'c')).toBeDefined();
    c.set('r', 'huge', answer(60));
    expect(c.get('r', 'huge')).toBeUndefined();
  });
});

describe('ResponseCache expiry', () => {
  it('forgets an answer from its `until` on', () => {
    const c = new ResponseCache(100, 50);
    c.set('r', 'page', { ...answer(10), until: 1_000 });
    expect(c.get('r', 'page', 999)?.body.length).toBe(10);
    expect(c.get('r', 'page', 1_000)).toBeUndefined();
    expect(c.size).toBe(0);
    // the expired bytes no longer count against the budget
    for (const k of ['a', 'b']) c.set('r', k, answer(50));
    expect(c.size).toBe(2);
  });
});

describe('gzip variants', () => {
  it('are made once per answer, shared by requests that ask together, and decompress to the body', async () => {
    const a = { body: Buffer.from('{"a":"b"},'.repeat(500)), headers: {} };
    const [x, y] = [gzipVariant(a), gzipVariant(a)];
    expect(x).toBe(y);
    const gz = await x;
    expect(gunzipSync(gz!).equals(a.body)).toBe(true);
    expect(gzipVariant(a)).toBe(gz);
  });

  it('are not made for bodies under 1 KB or that do not shrink', async () => {
    expect(gzipVariant({ body: Buffer.alloc(1023, 65), headers: {} })).toBeNull();
    const noise: CachedAnswer = { body: randomBytes(4096), headers: {} };
    expect(await gzipVariant(noise)).toBeNull();
    expect(noise.gzip).toBeNull();
  });

  it('count against the byte budget from the next lookup on', () => {
    const c = new ResponseCache(100, 50);
    const a = answer(40);
    c.set('r', 'a', a);
    c.set('r', 'b', answer(40));
    expect(c.usedBytes).toBe(80);
    a.gzip = Buffer.alloc(10);
    c.get('r', 'a');
    expect(c.usedBytes).toBe(90);
    c.set('r', 'c', answer(20));
    expect(c.get('r', 'b')).toBeUndefined();
    expect(c.usedBytes).toBe(70);
  });
});
