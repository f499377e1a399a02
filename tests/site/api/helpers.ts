// Test helpers for the researchers' API: the portal in-process with API options (low limits), a
// reference DuckDB over a release's Parquet files, and Socrata-style value normalisation.
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { runApp, type Running } from '../helpers.ts';
import type { ApiOptions } from '../../../site/routes/api.ts';

export type { Running } from '../helpers.ts';

/** The portal in-process with API options (tests set low limits). */
export function runApi(dataDir: string, api?: ApiOptions): Promise<Running> {
  return runApp(dataDir, undefined, { api });
}

/** Query string from pairs, encoded the way requests' / httr's URL encoders do it. */
export function qs(params: Record<string, string | number>): string {
  return Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
}

export class Reference {
  private constructor(
    private readonly db: DuckDBInstance,
    private readonly c: DuckDBConnection,
  ) {}

  /** Views named by slug (calls_for_service, use_of_force) over the release's Parquet files. */
  static async open(releaseDir: string, views: Record<string, string>): Promise<Reference> {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    for (const [name, rel] of Object.entries(views)) {
      await c.run(`CREATE VIEW ${name} AS SELECT * FROM read_parquet('${path.join(releaseDir, rel).replace(/'/g, "''")}')`);
    }
    return new Reference(db, c);
  }

  async rows(sql: string): Promise<Record<string, unknown>[]> {
    return (await this.c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  }

  /** Rows the way the SODA .json endpoint writes them: nulls left out, numbers as strings, floating timestamps. */
  async soda(sql: string): Promise<Record<string, unknown>[]> {
    return (await this.rows(sql)).map(sodaRow);
  }

  close(): void {
    this.c.closeSync();
    this.db.closeSync();
  }
}

export function sodaValue(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (v instanceof Date) return v.toISOString().slice(0, 23);
  return v;
}

export function sodaRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    const s = sodaValue(v);
    if (s !== undefined) out[k] = s;
  }
  return out;
}
