// A small, fast RFC 4180 CSV writer over a buffered fs.WriteStream: quotes a field only when
// it holds a comma, quote, CR or LF; supports a BOM, a column permutation and extra columns.
import fs from 'node:fs';
import { once } from 'node:events';

const FLUSH_AT = 1 << 17;

/** Quotes a field when it must be quoted, doubling inner quotes. An empty string is null. */
export function csvField(v: string): string {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 44 || c === 34 || c === 10 || c === 13) return '"' + v.replace(/"/g, '""') + '"';
  }
  return v;
}

export interface CsvLayout {
  /** Header names, in file order. */
  header: string[];
  /** For each file column, the index in the contract-ordered row, or -1 for an extra column. */
  order: number[];
  /** Values for extra columns (index into row is ignored); called per row. */
  extra?: () => string;
  bom?: boolean;
}

export class CsvWriter {
  private chunk = '';
  private needDrain = false;
  bytes = 0;
  rows = 0;
  private readonly stream: fs.WriteStream;
  private readonly identity: boolean;

  constructor(readonly path: string, private readonly layout: CsvLayout) {
    this.stream = fs.createWriteStream(path, { highWaterMark: 1 << 20 });
    this.identity = layout.order.every((v, i) => v === i);
    this.chunk = (layout.bom ? '\uFEFF' : '') + layout.header.map(csvField).join(',') + '\n';
  }

  /** Appends one row given in contract order. */
  push(row: readonly string[]): void {
    let line = '';
    if (this.identity) {
      for (let i = 0; i < row.length; i++) line += (i ? ',' : '') + csvField(row[i]);
    } else {
      const order = this.layout.order;
      for (let i = 0; i < order.length; i++) {
        const j = order[i];
        line += (i ? ',' : '') + csvField(j < 0 ? this.layout.extra!() : row[j]);
      }
    }
    this.chunk += line + '\n';
    this.rows++;
    if (this.chunk.length > FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (!this.chunk) return;
    const buf = Buffer.from(this.chunk, 'utf8');
    this.bytes += buf.length;
    this.chunk = '';
    if (!this.stream.write(buf)) this.needDrain = true;
  }

  /** Waits for the stream to drain if the last write asked for it (backpressure). */
  async drain(): Promise<void> {
    if (this.needDrain) {
      this.needDrain = false;
      await once(this.stream, 'drain');
    }
  }

  async close(): Promise<void> {
    this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
