// X7 small-cell suppression, and baseline attack 6: no withheld cell may be recovered from the
// totals of a line (row, column or whole table) minus the cells shown in it.
import { describe, expect, it } from 'vitest';
import { suppressCells, type Cell } from '../../publisher/suppression.ts';

/** The attack: a line with exactly one withheld cell gives that cell away (total − shown). */
function recoverable(cells: Cell[], withheld: Set<number>): number[] {
  const dims = cells[0].key.length;
  const found: number[] = [];
  for (let d = 0; d < dims; d++) {
    const lines = new Map<string, number[]>();
    cells.forEach((c, i) => {
      const k = JSON.stringify(c.key.filter((_, j) => j !== d));
      lines.set(k, [...(lines.get(k) ?? []), i]);
    });
    for (const members of lines.values()) {
      const hidden = members.filter((i) => withheld.has(i));
      if (hidden.length === 1 && members.length > 1) found.push(hidden[0]);
    }
  }
  return found;
}

function all(s: { primary: Set<number>; complementary: Set<number> }) {
  return new Set([...s.primary, ...s.complementary]);
}

describe('suppressCells', () => {
  it('withholds counts of 1 to 10, shows 0 and 11', () => {
    const cells = [0, 1, 10, 11, 500].map((n, i) => ({ key: [`c${i}`], n }));
    const s = suppressCells(cells, 11);
    expect([...s.primary].sort()).toEqual([1, 2]);
    expect(s.complementary.size).toBe(0);
  });

  it('in one dimension, a single small cell takes the smallest other cell with it', () => {
    const cells = [{ key: ['A'], n: 400 }, { key: ['B'], n: 3 }, { key: ['C'], n: 90 }, { key: ['D'], n: 250 }];
    const s = suppressCells(cells, 11);
    expect([...s.primary]).toEqual([1]);
    expect([...s.complementary]).toEqual([2]);
    expect(recoverable(cells, all(s))).toEqual([]);
  });

  it('in a two-way table no withheld cell is recoverable from row or column totals', () => {
    const grid = [
      [120, 4, 80, 300],
      [95, 60, 7, 210],
      [33, 41, 52, 18],
      [200, 150, 90, 5],
    ];
    const cells = grid.flatMap((row, r) => row.map((n, c) => ({ key: [`r${r}`, `c${c}`], n })));
    const s = suppressCells(cells, 11);
    expect(s.primary.size).toBe(3);
    expect(s.complementary.size).toBeGreaterThan(0);
    expect(recoverable(cells, all(s))).toEqual([]);
  });

  it('the attack succeeds with primary suppression alone (the test can fail)', () => {
    const cells = [{ key: ['A'], n: 400 }, { key: ['B'], n: 3 }, { key: ['C'], n: 90 }];
    const s = suppressCells(cells, 11);
    expect(recoverable(cells, s.primary)).toEqual([1]);
    expect(recoverable(cells, all(s))).toEqual([]);
  });

  it('a randomized table never leaves a recoverable cell', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 50; t++) {
      const cells: Cell[] = [];
      for (let a = 0; a < 6; a++) for (let b = 0; b < 5; b++) cells.push({ key: [a, b], n: Math.floor(rand() * (rand() < 0.3 ? 12 : 300)) });
      expect(recoverable(cells.filter((c) => c.n > 0), all(suppressCells(cells.filter((c) => c.n > 0), 11)))).toEqual([]);
    }
  });
});
