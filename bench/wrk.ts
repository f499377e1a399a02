// HTTP load with wrk (C, epoll), when it is installed: the issue allows autocannon or wrk, and on
// 2 cores autocannon (JavaScript, in the bench's own process) costs more CPU per request than the
// portal itself, so its p99 for a 409 KB answer is its own limit. wrk runs on one thread (one core
// at most), leaving the other to the server. Parses `wrk --latency` output.
import { spawn, spawnSync } from 'node:child_process';

export interface WrkSummary {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  /** Non-2xx/3xx responses plus socket errors (connect, read, write, timeout). */
  failures: number;
}

/** True when a `wrk` binary answers on PATH (Debian package `wrk`). */
export function wrkAvailable(): boolean {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return !r.error && /^wrk /.test(`${r.stdout}${r.stderr}`);
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function durationMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`wrk: cannot read the duration "${text}"`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** Reads the summary out of `wrk --latency` output; throws when a line it needs is missing. */
export function parseWrk(out: string): WrkSummary {
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)\\s*$`, 'm').exec(out);
    if (!m) throw new Error(`wrk: no ${p}% latency line (was --latency given?)`);
    return durationMs(m[1]);
  };
  const req = /^\s*(\d+) requests in ([\d.]+\w+),/m.exec(out);
  if (!req) throw new Error('wrk: no "N requests in T" line');
  const total = Number(req[1]);
  const seconds = durationMs(req[2]) / 1000;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return { rps: total / seconds, p50: pct('50'), p99: pct('99'), total, failures: non2xx + socketErrors };
}

/** `connections` keep-alive connections on one wrk thread for `duration` seconds. */
export function wrkLoad(url: string, connections: number, duration: number, headers?: Record<string, string>): Promise<WrkSummary> {
  const args = ['-t1', `-c${connections}`, `-d${duration}s`, '--timeout', '30s', '--latency'];
  for (const [k, v] of Object.entries(headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${out.slice(0, 300)}`));
      try {
        resolve(parseWrk(out));
      } catch (e) {
        reject(e);
      }
    });
  });
}
