// Load (#8.6): 60 s at 200 connections on loopback with a mixed workload (pages, charts, SODA
// queries, metadata, whole-file downloads) against a spawned `publisher serve` on a small release.
// The only non-2xx answers allowed are the API's 429s (rate limits by design: every connection
// comes from 127.0.0.1); no socket errors or timeouts; RSS at the end ≤ 1.2 × RSS after warm-up.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDrop, runOnce, tempDir, TEST_KEY } from '../helpers/pipeline.ts';
import { startCli, type Cli } from './helpers.ts';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const DURATION_S = 60;
const CONNECTIONS = 200;

let server: Cli;
let url: string;

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

beforeAll(async () => {
  const drop = await demoDrop({ scale: 0.002 });
  const data = await tempDir('load');
  await runOnce(drop, data);
  const cwd = await tempDir('load-cwd');
  server = startCli(['serve', '--data', data, '--port', '0'], { cwd, env: { PUBLISHER_KEY: TEST_KEY } });
  for (let i = 0; i < 300 && !/portal serving .* at (http:\/\/\S+)/.test(server.stderr()); i++) await new Promise((r) => setTimeout(r, 100));
  url = /portal serving .* at (http:\/\/\S+)/.exec(server.stderr())?.[1] ?? '';
  expect(url, server.stderr()).not.toBe('');
});

afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
});

const WORKLOAD = [
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/datasets/c911-call' },
  { method: 'GET', path: '/resource/c911-call.json?$limit=50&$order=received_hour%20DESC' },
  { method: 'GET', path: '/health' },
  { method: 'GET', path: '/datasets/nibr-offs/charts/by-precinct.svg' },
  { method: 'GET', path: '/resource/c911-call.json?$select=precinct,count(*)%20AS%20n&$group=precinct' },
  { method: 'GET', path: '/data.json' },
  { method: 'GET', path: '/datasets/uofx-frce' },
  { method: 'GET', path: '/api/views/c911-call.json' },
  { method: 'GET', path: '/resource/nibr-offs.csv?$where=precinct%20IS%20NOT%20NULL&$limit=100' },
  { method: 'GET', path: '/datasets/uofx-frce/rows.csv' },
  { method: 'GET', path: '/privacy' },
];

describe('load', () => {
  it(`${CONNECTIONS} connections for ${DURATION_S} s: only 429s, stable memory`, async () => {
    const pid = server.child.pid!;
    const warm = await autocannon({ url, connections: CONNECTIONS, duration: 8, requests: WORKLOAD, timeout: 20 });
    expect(warm.errors).toBe(0);
    const rssWarm = rssKb(pid);
    const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, requests: WORKLOAD, timeout: 20 });
    await new Promise((res) => setTimeout(res, 1000));
    const rssEnd = rssKb(pid);
    const codes = Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count]));
    console.log(`load: ${r.requests.total} requests, ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ` +
      `max ${r.latency.max} ms; statuses ${JSON.stringify(codes)}; errors ${r.errors}, timeouts ${r.timeouts}; ` +
      `RSS warm-up ${(rssWarm / 1024).toFixed(0)} MB, end ${(rssEnd / 1024).toFixed(0)} MB (×${(rssEnd / rssWarm).toFixed(2)})`);
    expect(r.errors).toBe(0);
    expect(r.timeouts).toBe(0);
    for (const code of Object.keys(codes)) expect(['200', '429'], `status ${code}`).toContain(code);
    expect(codes['200'] ?? 0).toBeGreaterThan(r.requests.total / 2);
    expect(rssEnd).toBeLessThanOrEqual(1.2 * rssWarm);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});
