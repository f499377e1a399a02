// The per-release answer cache: least recently used out first within a byte budget; a new
// release empties it.
import { describe, expect, it } from 'vitest';
import { ResponseCache } from '../../site/api/response-cache.ts';

const answer = (n: number) => ({ body: Buffer.alloc(n, 1), headers: { 'Content-Type': 'text/plain' } });

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
