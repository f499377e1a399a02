// A progress display on stderr: one line rewritten in place on a terminal, a line per step
// (at most every few seconds) otherwise, so logs stay readable in CI and cron mail.
import type { Logger, Progress } from './io.ts';

export function stderrLogger(): Logger {
  const write = (prefix: string) => (m: string) => process.stderr.write(`${clear()}${prefix}${m}\n`);
  return { info: write(''), warn: write('warning: '), error: write('error: ') };
}

let lastLine = '';
function clear(): string {
  if (!process.stderr.isTTY || !lastLine) return '';
  lastLine = '';
  return '\r\x1b[2K';
}

export function stderrProgress(minIntervalMs = 2000): Progress {
  let lastStep = '';
  let lastAt = 0;
  const t0 = Date.now();
  return (step, done, total) => {
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    const pct = total ? ` ${Math.floor((100 * done) / Math.max(total, 1))}%` : done ? ` ${done.toLocaleString('en-US')}` : '';
    const line = `[${secs}s] ${step}${pct}`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r\x1b[2K${line}`);
      lastLine = line;
      return;
    }
    const now = Date.now();
    if (step !== lastStep || now - lastAt >= minIntervalMs) {
      process.stderr.write(`${line}\n`);
      lastStep = step;
      lastAt = now;
    }
  };
}
