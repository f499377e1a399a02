// The site's own in-memory DuckDB: one instance per app, one view per (release, dataset) over the
// release's rows.parquet. Builds Socrata-style JSON pages inside DuckDB. No request text ever
// reaches SQL: identifiers come from the validated manifest, limit/offset are bound parameters.
import { BIGINT, DuckDBInstance, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { keyRangeStarts } from '../publisher/key-ranges.ts';
import type { DatasetManifest, PublishedType } from '../publisher/manifest.ts';

export type SodaType = 'text' | 'number' | 'checkbox' | 'floating_timestamp';

export interface DatasetView {
  name: string;
  /** Published field names, in manifest order (X-SODA2-Fields). */
  fields: string[];
  /** Socrata type per field (X-SODA2-Types). */
  types: SodaType[];
  pageSql: string;
  /**
   * Rows are stored in row-key order: the manifest says so (sortedByRowKey) and the row groups' key
   * statistics agree. Pages in key order can then be found by position (site/soql/compile.ts).
   */
  keyOrdered: boolean;
}

export function sodaType(t: PublishedType): SodaType {
  switch (t) {
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'checkbox';
    case 'timestamp':
    case 'date':
      return 'floating_timestamp';
    default:
      return 'text';
  }
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
export const quoteLiteral = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** JSON value expression for one column, by its physical DuckDB type; NULL when the value is absent. */
function jsonValueSql(col: string, duckType: string): string {
  const t = duckType.toUpperCase();
  if (t.startsWith('TIMESTAMP') || t === 'DATE') {
    return `to_json(strftime(CAST(${col} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g'))`;
  }
  if (t === 'DOUBLE' || t === 'FLOAT' || t === 'REAL') return `CASE WHEN isfinite(${col}) THEN to_json(${col}) END`;
  return `to_json(${col})`;
}

export class SiteDb {
  private constructor(private readonly instance: DuckDBInstance) {}

  /** `allowedDir`: the only directory DuckDB may read (the releases folder); everything else is off. */
  static async create(allowedDir: string): Promise<SiteDb> {
    const instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      threads: '4',
    });
    const db = new SiteDb(instance);
    const dir = allowedDir.endsWith('/') ? allowedDir : `${allowedDir}/`;
    await db.withConnection(async (c) => {
      await c.run(`SET allowed_directories = [${quoteLiteral(dir)}]`);
      await c.run('SET enable_external_access = false');
      await c.run('SET lock_configuration = true');
    });
    return db;
  }

  async withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const c = await this.instance.connect();
    try {
      return await fn(c);
    } finally {
      c.closeSync();
    }
  }

  /** Create the view for one dataset of one release and check its columns against the manifest. */
  async createView(viewName: string, parquetPath: string, ds: DatasetManifest): Promise<DatasetView> {
    const view = quoteIdent(viewName);
    return this.withConnection(async (c) => {
      await c.run(
        `CREATE OR REPLACE VIEW ${view} AS SELECT * FROM read_parquet(${quoteLiteral(parquetPath)}, file_row_number = true)`,
      );
      const described = (await c.runAndReadAll(`DESCRIBE ${view}`)).getRowObjectsJson();
      const physical = new Map(described.map((r) => [String(r.column_name), String(r.column_type)]));
      const missing = ds.columns.map((col) => col.name).filter((n) => !physical.has(n));
      if (!physical.has(ds.rowKey)) missing.push(ds.rowKey);
      if (missing.length) {
        await c.run(`DROP VIEW IF EXISTS ${view}`);
        throw new Error(`dataset ${ds.id}: rows.parquet lacks column(s) ${missing.join(', ')}`);
      }
      const members = ds.columns.map((col) => {
        const ident = quoteIdent(col.name);
        const key = quoteLiteral(`${JSON.stringify(col.name)}:`);
        const value = jsonValueSql(ident, physical.get(col.name)!);
        return `CASE WHEN ${ident} IS NULL THEN NULL ELSE ${key} || ${value} END`;
      });
      const key = quoteIdent(ds.rowKey);
      // The order inside each row group is the writer's promise (the manifest); the groups' ranges are checked.
      const keyOrdered = ds.sortedByRowKey === true && (await keyRangeStarts(c, parquetPath, ds.rowKey)) !== null;
      const pageSql = `SELECT '[' || coalesce(string_agg(j, ',' ORDER BY k1, k2), '') || ']' AS body FROM (
  SELECT ${key} AS k1, file_row_number AS k2, '{' || concat_ws(',', ${members.join(', ')}) || '}' AS j
  FROM ${view} ORDER BY ${key}, file_row_number LIMIT $1 OFFSET $2)`;
      return {
        name: viewName,
        fields: ds.columns.map((col) => col.name),
        types: ds.columns.map((col) => sodaType(col.type)),
        pageSql,
        keyOrdered,
      };
    });
  }

  async dropView(viewName: string): Promise<void> {
    await this.withConnection((c) => c.run(`DROP VIEW IF EXISTS ${quoteIdent(viewName)}`));
  }

  /** One page of rows as a JSON array string; `limit`/`offset` must be validated non-negative integers. */
  async page(view: DatasetView, limit: number, offset: number): Promise<string> {
    if (!Number.isSafeInteger(limit) || limit < 0 || !Number.isSafeInteger(offset) || offset < 0) {
      throw new Error('page: limit/offset must be non-negative integers');
    }
    return this.withConnection(async (c) => {
      const reader = await c.runAndReadAll(view.pageSql, [BigInt(limit), BigInt(offset)], [BIGINT, BIGINT]);
      return String(reader.getRows()[0][0]);
    });
  }

  /** Run a query whose result is one text cell (a response body built by DuckDB), with bound
   *  parameters and a time limit (the connection is interrupted after `timeoutMs`). */
  async text(sql: string, values: DuckDBValue[], types: DuckDBType[], timeoutMs: number): Promise<string> {
    return this.withConnection(async (c) => {
      const timer = setTimeout(() => c.interrupt(), timeoutMs);
      try {
        const reader = await c.runAndReadAll(sql, values, types);
        return String(reader.getRows()[0]?.[0] ?? '');
      } finally {
        clearTimeout(timer);
      }
    });
  }

  close(): void {
    this.instance.closeSync();
  }
}
