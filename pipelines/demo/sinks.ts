// Routes generated rows to the two batches of the drop: batch 1 (full export as of b1) and
// batch 2 (new rows plus updates as of b2, BOM, shuffled header, an unknown extra column).
import fs from 'node:fs';
import path from 'node:path';
import type { TableSpec } from '../contract.ts';
import { CsvWriter, type CsvLayout } from './csv.ts';
import { Rng } from './rng.ts';

export interface Fate {
  /** Sealed already in the full export. */
  sealedEarly?: boolean;
  /** Sealed by a court order at this instant, between b1 and b2. */
  sealAt?: number;
  /** Another change (e.g. a reclassification) at this instant, between b1 and b2. */
  modAt?: number;
  mod?: (row: string[]) => void;
}

/** The shuffled batch-2 layout of a table: contract fields in a seeded order plus `legacy_flag`. */
function shuffledLayout(spec: TableSpec, seed: number, stream: number): CsvLayout {
  const rng = new Rng(seed, stream);
  const order = spec.fields.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  order.splice(rng.int(order.length + 1), 0, -1);
  const flags = ['Y', 'N', 'N', ''];
  return {
    header: order.map((i) => (i < 0 ? 'legacy_flag' : spec.fields[i].name)),
    order,
    extra: () => flags[rng.int(4)],
    bom: true,
  };
}

export class TableSink {
  readonly b1: CsvWriter;
  readonly b2: CsvWriter;
  private readonly updates: string[][] = [];
  private readonly updIdx: number;
  private readonly statusIdx: number;

  constructor(private readonly spec: TableSpec, dir1: string, dir2: string, seed: number, stream: number,
    private readonly times: { b1: number; b2: number; fmt: (ms: number) => string }) {
    const names = spec.fields.map((f) => f.name);
    this.updIdx = names.indexOf('updated_at');
    this.statusIdx = names.indexOf('record_status');
    this.b1 = new CsvWriter(path.join(dir1, spec.name + '.csv'), { header: names, order: names.map((_, i) => i) });
    this.b2 = new CsvWriter(path.join(dir2, spec.name + '.csv'), shuffledLayout(spec, seed, stream));
  }

  /** Writes a row to the batch it belongs to, and queues its batch-2 update if it changes. */
  route(created: number, lastChange: number, render: (asOf: number) => string[], fate: Fate = {}): void {
    const { b1, b2 } = this.times;
    if (created > b2) return;
    if (created > b1) {
      this.b2.push(render(b2));
      return;
    }
    const first = render(b1);
    if (fate.sealedEarly) {
      first[this.statusIdx] = 'SEALED';
      this.b1.push(first);
      return;
    }
    this.b1.push(first);
    const changeAt = fate.sealAt ?? fate.modAt;
    if (lastChange <= b1 && changeAt === undefined) return;
    const next = render(b2);
    const natural = next.join('\u0001') !== first.join('\u0001');
    if (changeAt !== undefined) {
      if (fate.mod) fate.mod(next);
      if (fate.sealAt !== undefined) next[this.statusIdx] = 'SEALED';
      if (!natural) next[this.updIdx] = this.times.fmt(changeAt);
    } else if (!natural) return;
    this.updates.push(next);
  }

  get rows(): number {
    return this.b1.rows + this.b2.rows;
  }

  get bytes(): number {
    return this.b1.bytes + this.b2.bytes;
  }

  async drain(): Promise<void> {
    await this.b1.drain();
    await this.b2.drain();
  }

  /** Appends the queued updates to batch 2 and closes both files. */
  async close(): Promise<void> {
    for (const row of this.updates) this.b2.push(row);
    this.updates.length = 0;
    await this.b1.close();
    await this.b2.close();
  }
}

export function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
}
