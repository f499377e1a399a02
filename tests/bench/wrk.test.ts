// bench/wrk.ts: reading `wrk --latency` output (the bench's SODA p99 comes from it).
import { describe, expect, it } from 'vitest';
import { parseWrk } from '../../bench/wrk.ts';

const OUT = `Running 15s test @ http://127.0.0.1:7811/resource/c911-call.json
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    14.02ms   10.13ms 412.00ms   93.10%
    Req/Sec     3.51k   210.00     3.90k    80.00%
  Latency Distribution
     50%  850.00us
     75%   17.90ms
     90%   22.54ms
     99%    1.20s
  52500 requests in 15.00s, 20.01GB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   3500.00
Transfer/sec:      1.33GB
`;

describe('parseWrk', () => {
  it('reads percentiles in their units, throughput and failures', () => {
    expect(parseWrk(OUT)).toEqual({ rps: 3500, p50: 0.85, p99: 1200, total: 52500, failures: 12 });
  });

  it('counts no failures when wrk prints no error lines', () => {
    const clean = OUT.replace(/^\s*Socket errors.*\n/m, '').replace(/^\s*Non-2xx.*\n/m, '');
    expect(parseWrk(clean).failures).toBe(0);
  });

  it('refuses output without the latency distribution', () => {
    expect(() => parseWrk(OUT.replace(/^\s*99%.*\n/m, ''))).toThrow(/99% latency/);
  });
});
