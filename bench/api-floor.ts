// The floor for the SODA API: the SQL the portal generates for a /resource query (site/soql
// compileSoql + renderSql, DuckDB building the JSON body), run straight on DuckDB over the release's
// rows.parquet, in a loop with the same concurrency as the HTTP test: `concurrency` promises on one
// in-memory instance (threads as in site/db.ts) sharing a pool of connections. No HTTP, no Express.
import { DuckDBInstance, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import path from 'node:path';
import type { DatasetManifest } from '../publisher/manifest.ts';

/** The parts of site/soql the floor calls (imported by path at run time: that API is young). */
interface SoqlModules {
  compileSoql(req: Record<string, unknown>, ds: Record<string, unknown>): { params: { values: DuckDBValue[]; types: DuckDBType[] } };
  renderSql(compiled: unknown, format: 'json'): string;
}

async function soqlModules(): Promise<SoqlModules> {
  const at = (f: string) => new URL(`../site/soql/${f}`, import.meta.url).href;
  const compile = (await import(at('compile.ts'))) as Pick<SoqlModules, 'compileSoql'>;
  const render = (await import(at('render.ts'))) as Pick<SoqlModules, 'renderSql'>;
  return { compileSoql: compile.compileSoql, renderSql: render.renderSql };
}

/** A SODA query string (`$where=...&$limit=...`) as the request object compileSoql takes. */
function soqlRequest(query: string): Record<string, unknown> {
  const req: Record<string, unknown> = { filters: [] };
  for (const [k, v] of new URLSearchParams(query)) {
    if (k === '$limit' || k === '$offset') req[k.slice(1)] = Number(v);
    else if (k.startsWith('$')) req[k.slice(1)] = v;
    else (req.filters as [string, string][]).push([k, v]);
  }
  return req;
}

export interface FloorResult {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  bodyBytes: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
}

/**
 * Runs each query for `duration` seconds with `concurrency` promises over `poolSize` connections.
 * `releaseDir` is the current release; `ds` its dataset manifest.
 */
export async function apiFloor(
  releaseDir: string, ds: DatasetManifest, createdAt: string, queries: string[],
  o: { concurrency: number; duration: number; poolSize: number; threads: string },
): Promise<FloorResult[]> {
  const soql = await soqlModules();
  const parquet = path.join(releaseDir, ds.files.find((f) => f.format === 'parquet')!.path);
  const db = await DuckDBInstance.create(':memory:', { threads: o.threads });
  const pool: DuckDBConnection[] = [];
  for (let i = 0; i < o.poolSize; i++) pool.push(await db.connect());
  await pool[0].run(`CREATE VIEW v AS SELECT * FROM read_parquet('${parquet.replace(/'/g, "''")}', file_row_number = true)`);
  const free = [...pool];
  const waiting: ((c: DuckDBConnection) => void)[] = [];
  const acquire = () => (free.length ? Promise.resolve(free.pop()!) : new Promise<DuckDBConnection>((r) => waiting.push(r)));
  const release = (c: DuckDBConnection) => (waiting.length ? waiting.shift()!(c) : free.push(c));
  const out: FloorResult[] = [];
  try {
    for (const query of queries) {
      const compiled = soql.compileSoql(soqlRequest(query), { columns: ds.columns, rowKey: ds.rowKey, from: '"v"', createdAt, hasRowNumber: true, keyOrdered: ds.sortedByRowKey === true });
      const sql = soql.renderSql(compiled, 'json');
      const { values, types } = compiled.params;
      const once = async () => {
        const c = await acquire();
        try {
          return String((await c.runAndReadAll(sql, values, types)).getRows()[0][0]);
        } finally {
          release(c);
        }
      };
      const bodyBytes = Buffer.byteLength(await once());
      const latencies: number[] = [];
      const end = performance.now() + o.duration * 1000;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: o.concurrency }, async () => {
        while (performance.now() < end) {
          const s = performance.now();
          Buffer.from(await once(), 'utf8');
          latencies.push(performance.now() - s);
        }
      }));
      const seconds = (performance.now() - t0) / 1000;
      latencies.sort((a, b) => a - b);
      out.push({ rps: latencies.length / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), total: latencies.length, bodyBytes });
    }
  } finally {
    for (const c of pool) c.closeSync();
    db.closeSync();
  }
  return out;
}
