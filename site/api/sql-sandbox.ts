// The read-only SQL endpoint's DuckDB: one separate in-memory instance per release. Each dataset is
// a view named by its slug (`calls-for-service` → calls_for_service) and by its id ("c911-call"),
// over exactly the release's rows.parquet files. After the views exist, DuckDB is narrowed to those
// files (allowed_paths), external access is switched off and the configuration locked, so a query
// cannot read other files, load extensions, attach databases or change settings. Only one
// statement of type SELECT is run (DuckDB's own parser decides), with a row cap and a time limit
// (conn.interrupt() from a timer).
import { DuckDBInstance, DuckDBTypeId, StatementType, VARCHAR, type DuckDBConnection, type DuckDBPreparedStatement, type DuckDBResultReader } from '@duckdb/node-api';
import type { ReleaseContext } from '../release-store.ts';

export interface SqlLimits {
  /** Milliseconds before a query is interrupted (default 5000). */
  timeoutMs: number;
  /** Rows returned at most; more are reported as truncated (default 10000). */
  rowCap: number;
  /** DuckDB memory_limit for the sandbox (default '1GB'). */
  memoryLimit: string;
  /** DuckDB threads for the sandbox (default 2). */
  threads: number;
}

export const DEFAULT_SQL_LIMITS: SqlLimits = { timeoutMs: 5000, rowCap: 10_000, memoryLimit: '1GB', threads: 2 };

export class SqlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface SqlResult {
  columns: { name: string; type: string }[];
  reader: DuckDBResultReader;
  rowCount: number;
  truncated: boolean;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** The view name a dataset gets in the SQL endpoint (slug with `-` → `_`). */
export const sqlViewName = (slug: string): string => slug.replace(/-/g, '_');

/** DuckDB's message without the echoed query text ("LINE 1: ..."), which can be long. */
export function cleanDuckError(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split(/\n\s*\n?LINE \d+:/)[0].trim().slice(0, 2000);
}

export class SqlSandbox {
  active = 0;
  closed = false;
  private constructor(
    readonly releaseId: string,
    private readonly instance: DuckDBInstance,
    readonly tables: { name: string; id: string; columns: string[] }[],
  ) {}

  static async create(ctx: ReleaseContext, limits: SqlLimits): Promise<SqlSandbox> {
    const instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      threads: String(limits.threads),
      memory_limit: limits.memoryLimit,
      temp_directory: '',
    });
    const tables: { name: string; id: string; columns: string[] }[] = [];
    const files: string[] = [];
    const c = await instance.connect();
    try {
      for (const ds of ctx.manifest.datasets) {
        const file = ds.files.find((f) => f.format === 'parquet');
        if (!file) continue;
        const abs = ctx.resolve(file.path);
        files.push(abs);
        const name = sqlViewName(ds.slug);
        const cols = ds.columns.map((col) => quoteIdent(col.name)).join(', ');
        await c.run(`CREATE VIEW ${quoteIdent(name)} AS SELECT ${cols} FROM read_parquet(${quoteLiteral(abs)})`);
        if (name !== ds.id) await c.run(`CREATE VIEW ${quoteIdent(ds.id)} AS SELECT * FROM ${quoteIdent(name)}`);
        tables.push({ name, id: ds.id, columns: ds.columns.map((col) => col.name) });
      }
      await c.run(`SET allowed_paths = [${files.map(quoteLiteral).join(', ')}]`);
      await c.run('SET enable_external_access = false');
      await c.run('SET lock_configuration = true');
    } catch (err) {
      c.closeSync();
      instance.closeSync();
      throw err;
    }
    c.closeSync();
    return new SqlSandbox(ctx.id, instance, tables);
  }

  /** Run one read-only statement; throws SqlError (4xx) for anything refused or failing. */
  async run(sql: string, limits: SqlLimits): Promise<SqlResult> {
    if (this.closed) throw new SqlError(503, 'The release changed; try again');
    const conn = await this.instance.connect();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      conn.interrupt();
    }, limits.timeoutMs);
    try {
      const target = await this.prepare(conn, sql, limits.rowCap);
      const reader = await target.streamAndReadUntil(limits.rowCap + 1);
      const rowCount = Math.min(reader.currentRowCount, limits.rowCap);
      const truncated = reader.currentRowCount > limits.rowCap;
      const columns = reader.columnNames().map((name, i) => ({ name, type: reader.columnType(i).toString() }));
      return { columns, reader, rowCount, truncated };
    } catch (err) {
      if (err instanceof SqlError) throw err;
      const msg = cleanDuckError(err);
      if (timedOut || /^INTERRUPT/i.test(msg)) {
        throw new SqlError(400, `Query exceeded the time limit of ${limits.timeoutMs / 1000} s and was stopped`);
      }
      if (/^Out of Memory/i.test(msg)) throw new SqlError(400, `Query needs more memory than allowed: ${msg}`);
      throw new SqlError(400, msg);
    } finally {
      clearTimeout(timer);
      conn.closeSync();
    }
  }

  private async prepare(conn: DuckDBConnection, sql: string, cap: number): Promise<DuckDBPreparedStatement> {
    const first = leadingKeyword(sql);
    if (!first) throw new SqlError(400, 'No SQL statement given');
    if (!READ_KEYWORDS.has(first)) {
      throw new SqlError(400, `Only read-only SELECT (or WITH ... SELECT) queries are allowed, not ${first.toUpperCase()}`);
    }
    await refuseFunctions(sql);
    const extracted = await conn.extractStatements(sql);
    if (extracted.count === 0) throw new SqlError(400, 'No SQL statement given');
    if (extracted.count > 1) throw new SqlError(400, 'Only one statement is allowed');
    const prepared = await extracted.prepare(0);
    if (prepared.statementType !== StatementType.SELECT) {
      const kind = StatementType[prepared.statementType] ?? 'unknown';
      throw new SqlError(400, `Only read-only SELECT (or WITH ... SELECT) queries are allowed, not ${kind}`);
    }
    // Let DuckDB plan with the cap (top-N instead of a full sort); fall back to streaming the
    // original statement when the wrapped text is not itself exactly one SELECT.
    const stripped = sql.replace(/[\s;]+$/, '');
    try {
      const wrapped = await conn.extractStatements(`SELECT * FROM (\n${stripped}\n) AS __q LIMIT ${cap + 1}`);
      if (wrapped.count === 1) {
        const p = await wrapped.prepare(0);
        if (p.statementType === StatementType.SELECT) return p;
      }
    } catch {
      // use the original statement
    }
    return prepared;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.instance.closeSync();
  }
}

/**
 * Functions the endpoint refuses, found by DuckDB's own parser (json_serialize_sql) anywhere in
 * the statement: generators and list/string expanders that can exhaust memory in one row (DuckDB's
 * memory_limit does not bound them), and introspection that reveals settings and server paths.
 * A denylist is defence in depth, not a proof; the time limit and row cap still apply.
 */
const REFUSED_FUNCTIONS = /^(range|generate_series|generate_subscripts|repeat|lpad|rpad|printf|format|list_.*|array_.*|unnest|flatten|string_split.*|str_split.*|regexp_split.*|split|string_to_array|duckdb_.*|pragma_.*|current_setting|getenv|which_secret|read_.*|glob|parquet_.*|sniff_csv|query|query_table|enumerate|arrow_scan.*|checkpoint|force_checkpoint)$/i;

let parser: Promise<DuckDBConnection> | null = null;

async function refuseFunctions(sql: string): Promise<void> {
  parser ??= DuckDBInstance.create(':memory:', { memory_limit: '64MB', threads: '1', enable_external_access: 'false' }).then((db) => db.connect());
  const conn = await parser;
  const reader = await conn.runAndReadAll('SELECT json_serialize_sql(CAST($1 AS VARCHAR)) AS j', [sql], [VARCHAR]);
  const json = JSON.parse(String(reader.getRows()[0][0])) as { error?: boolean };
  if (json.error) return; // not parseable: the real prepare reports DuckDB's own message
  const refused = new Set<string>();
  JSON.stringify(json, (key, value) => {
    if (key === 'function_name' && typeof value === 'string' && REFUSED_FUNCTIONS.test(value)) refused.add(value.toLowerCase());
    return value;
  });
  if (refused.size) throw new SqlError(400, `Function not allowed in the SQL endpoint: ${[...refused].join(', ')}`);
}

/** Statements may start with these (DuckDB's FROM-first and VALUES are SELECTs too). */
const READ_KEYWORDS = new Set(['select', 'with', 'from', 'values', '(', 'describe', 'summarize', 'show']);

/** The first keyword of the SQL text after comments, whitespace and semicolons ('' when none). */
export function leadingKeyword(sql: string): string {
  let s = sql;
  for (;;) {
    const before = s;
    s = s.replace(/^[\s;]+/, '').replace(/^--[^\n]*(\n|$)/, '').replace(/^\/\*[\s\S]*?\*\//, '');
    if (s === before) break;
  }
  if (s.startsWith('(')) return '(';
  return (/^[A-Za-z_]+/.exec(s)?.[0] ?? (s ? s[0] : '')).toLowerCase();
}

const INT_TYPES = new Set<number>([
  DuckDBTypeId.BIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.UHUGEINT,
]);

/** Rows as JSON values: big integers become numbers when they fit exactly. */
export function jsonRows(r: SqlResult): unknown[][] {
  const rows = r.reader.getRowsJson().slice(0, r.rowCount) as unknown[][];
  const intCols = r.reader.columnTypes().map((t) => INT_TYPES.has(t.typeId));
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      if (intCols[i] && typeof row[i] === 'string') {
        const n = Number(row[i]);
        if (Number.isSafeInteger(n)) row[i] = n;
      }
    }
  }
  return rows;
}
