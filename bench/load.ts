// HTTP load on loopback: requests/s and latency percentiles of one URL, by wrk when it is
// installed (bench/wrk.ts) or else autocannon, and a streamed download for bulk throughput (bytes
// counted, body discarded).
import autocannon from 'autocannon';
import http from 'node:http';
import { processCpuSeconds } from './proc.ts';
import { wrkLoad } from './wrk.ts';

export type LoadTool = 'wrk' | 'autocannon';

export interface LoadResult {
  url: string;
  rps: number;
  p50: number;
  p99: number;
  /** Responses that were not 2xx, plus socket errors and timeouts. */
  failures: number;
  total: number;
  /** Server CPU (user + system) per request in ms, when the server's pid was given. */
  serverCpuMs?: number;
  /** The load generator (absent in results from before session 12: autocannon). */
  tool?: LoadTool;
  /** The unmeasured warm-up run before this one (same tool, URL and connections), when there was one. */
  warmup?: { seconds: number; rps: number; p99: number };
}

/**
 * `connections` concurrent keep-alive connections hammering `url` for `duration` seconds, sending
 * `headers`. With `serverPid`, also the server's CPU per request: on 2 cores the load generator
 * competes with the server, so this says what the server could do on its own. With
 * `warmupSeconds`, an unmeasured run first (its p99 is kept): a fresh Node server runs its first
 * seconds of load unoptimized (JIT), and a viral story reaches a server that has been running.
 */
export async function loadTest(tool: LoadTool, url: string, connections: number, duration: number, headers?: Record<string, string>, serverPid?: number, warmupSeconds = 0): Promise<LoadResult> {
  const warm = warmupSeconds > 0 ? await runTool(tool, url, connections, warmupSeconds, headers) : null;
  const before = serverPid ? await processCpuSeconds(serverPid) : null;
  const r = await runTool(tool, url, connections, duration, headers);
  const after = serverPid ? await processCpuSeconds(serverPid) : null;
  const cpu = before !== null && after !== null && r.total ? { serverCpuMs: ((after - before) * 1000) / r.total } : {};
  return { ...cpu, ...r, url, tool, ...(warm ? { warmup: { seconds: warmupSeconds, rps: warm.rps, p99: warm.p99 } } : {}) };
}

function runTool(tool: LoadTool, url: string, connections: number, duration: number, headers?: Record<string, string>) {
  return tool === 'wrk' ? wrkLoad(url, connections, duration, headers) : autocannonLoad(url, connections, duration, headers);
}

async function autocannonLoad(url: string, connections: number, duration: number, headers?: Record<string, string>) {
  const r = await autocannon({ url, connections, duration, timeout: 30, headers });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, failures: r.non2xx + r.errors + r.timeouts, total: r.requests.total };
}

/** One GET, checked for status 200 and returning its body (warm-up and sanity checks). */
export function fetchText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** Downloads `url` once, discarding the body; MB/s is 10^6 bytes per second. */
export function download(url: string): Promise<{ bytes: number; seconds: number; mbPerSec: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http.get(url, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => {
        const seconds = (performance.now() - t0) / 1000;
        resolve({ bytes, seconds, mbPerSec: bytes / 1e6 / seconds, status: res.statusCode ?? 0 });
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}
