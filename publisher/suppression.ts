// X7: small-cell suppression for published aggregates. Primary: a cell counting 1 to minCell-1
// rows is withheld. Complementary: wherever a line of the table (all cells that share every
// dimension but one, or the whole table for one dimension) has exactly one withheld cell, its
// smallest shown neighbour is withheld too, until no withheld cell can be recovered by
// subtracting the shown cells from a total. Pure: cells in, indexes to withhold out.

export interface Cell {
  /** Dimension values, in dimension order. */
  key: readonly unknown[];
  /** Rows the cell counts. */
  n: number;
}

export interface Suppression {
  primary: Set<number>;
  complementary: Set<number>;
}

function lineKey(key: readonly unknown[], skip: number): string {
  return JSON.stringify(key.filter((_, i) => i !== skip));
}

export function suppressCells(cells: readonly Cell[], minCell: number): Suppression {
  const primary = new Set<number>();
  cells.forEach((c, i) => {
    if (c.n > 0 && c.n < minCell) primary.add(i);
  });
  const withheld = new Set(primary);
  const dims = cells[0]?.key.length ?? 0;
  for (let changed = true; changed; ) {
    changed = false;
    for (let d = 0; d < dims; d++) {
      const lines = new Map<string, number[]>();
      cells.forEach((c, i) => {
        const k = lineKey(c.key, d);
        lines.set(k, [...(lines.get(k) ?? []), i]);
      });
      for (const members of lines.values()) {
        const hidden = members.filter((i) => withheld.has(i));
        const shown = members.filter((i) => !withheld.has(i));
        if (hidden.length !== 1 || shown.length === 0) continue;
        const smallest = shown.reduce((a, b) => (cells[b].n < cells[a].n ? b : a));
        withheld.add(smallest);
        changed = true;
      }
    }
  }
  return { primary, complementary: new Set([...withheld].filter((i) => !primary.has(i))) };
}
