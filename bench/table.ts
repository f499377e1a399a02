// The results table: one row per measurement with its target and PASS/MISS (or "info" when the
// issue sets no target), printed as aligned text for the terminal and as Markdown for the docs.

export interface Row {
  item: string;
  measured: string;
  target: string;
  /** null: informational, no target. */
  pass: boolean | null;
}

export function check(item: string, measured: string, target: string, pass: boolean | null): Row {
  return { item, measured, target, pass };
}

const verdict = (r: Row) => (r.pass === null ? 'info' : r.pass ? 'PASS' : 'MISS');
const HEAD = ['measurement', 'measured', 'target', 'result'];

export function textTable(rows: Row[]): string {
  const cells = [HEAD, ...rows.map((r) => [r.item, r.measured, r.target, verdict(r)])];
  const widths = HEAD.map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function markdownTable(rows: Row[]): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  return [
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${[r.item, r.measured, r.target, verdict(r)].map(esc).join(' | ')} |`),
  ].join('\n');
}

export const secs = (s: number) => `${s.toFixed(1)} s`;
export const gb = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / 1e9).toFixed(2)} GB`);
export const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;
export const rps = (v: number) => `${Math.round(v).toLocaleString('en-US')} req/s`;
