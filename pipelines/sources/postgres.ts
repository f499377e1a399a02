// The PostgreSQL source (records contract, source 2): the three contract tables in a schema
// (`records` by default), pulled incrementally on updated_at with a watermark stored in staging
// (_source_watermarks), or in full on demand.
//
// - Connection settings come only from the environment (postgresConnectionFromEnv) or a config
//   value handed in; the password is never logged or put in an error.
// - One REPEATABLE READ READ ONLY transaction on the source, so the tables are one snapshot.
// - Each table is read through a server-side cursor (FETCH batchSize) with every value turned
//   into the text the CSV reader expects *in SQL* (timestamptz → ISO 8601 with offset, dates
//   YYYY-MM-DD, booleans true/false, plain decimals), column renames and code maps from the
//   mapping file applied in the SELECT (identifiers quoted, codes as parameters), and appended
//   into a raw temp table with the DuckDB Appender.
// - Only when every table has been pulled does the shared pipeline (stage-upsert.ts) validate,
//   quarantine and upsert, in one DuckDB transaction with the new watermarks: an unreachable
//   server or a connection dropped mid-pull leaves staging and the watermarks as they were.
// - The next pull asks for updated_at >= the stored watermark (the max updated_at pulled), so
//   rows sharing the watermark instant are not missed; pulling a row again is harmless (upsert).

import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import pg from 'pg';
import { TABLES, tableSpec, type TableName, type TableSpec } from '../contract.ts';
import type { Clock, Logger, Progress } from '../io.ts';
import { ident as duckIdent, sqlString } from './csv-sql.ts';
import { loadSourceMapping, sourceColumn, tableMapping, type SourceMapping, type TableMapping } from './mapping.ts';
import {
  count, createRawTables, describeLoad, ensureStaging, inTransaction, rawTableNames, resetStaging, stagingState, tableExists,
  WATERMARKS_DDL, type RawTables, type TableLoadReport,
} from './stage.ts';
import { applyPrepared, dropPrepared, prepareTable, type Prepared } from './stage-upsert.ts';

export type PostgresConnection = pg.ClientConfig | string;

export interface PostgresLoadOptions {
  /** A pg client config or connection URL (from postgresConnectionFromEnv or an uncommitted config file). */
  connection: PostgresConnection;
  /** Schema holding the tables (default `records`). */
  schema?: string;
  tables?: TableName[];
  /** Drop the tables' staging, quarantine rows and watermarks, and pull everything. */
  full?: boolean;
  /** Table and column renames and code maps (a parsed mapping, or the path of a mapping file). */
  mapping?: SourceMapping | string;
  log: Logger;
  progress?: Progress;
  /** Rows per FETCH from the server-side cursor (default 10,000). */
  batchSize?: number;
  /** Time stamped on staged rows and watermarks (default: now). */
  clock?: Clock;
  /** How long to wait for the server to answer a connection attempt (default 10 s). */
  connectTimeoutMs?: number;
}

const ENV_VARS = ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE'] as const;

/**
 * Records database settings from the environment: RECORDS_DATABASE_URL, or the libpq variables
 * PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE. Throws when none is set or PGPORT is not a port.
 */
export function postgresConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): pg.ClientConfig {
  const url = env.RECORDS_DATABASE_URL?.trim();
  if (url) return { connectionString: url };
  if (!ENV_VARS.some((k) => env[k]?.trim())) {
    throw new Error(`no records database configured: set RECORDS_DATABASE_URL, or ${ENV_VARS.join(', ')}`);
  }
  const out: pg.ClientConfig = {};
  if (env.PGHOST?.trim()) out.host = env.PGHOST.trim();
  if (env.PGPORT?.trim()) {
    const port = Number(env.PGPORT.trim());
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`PGPORT must be a port number 1..65535, got "${env.PGPORT}"`);
    out.port = port;
  }
  if (env.PGUSER?.trim()) out.user = env.PGUSER.trim();
  if (env.PGPASSWORD) out.password = env.PGPASSWORD;
  if (env.PGDATABASE?.trim()) out.database = env.PGDATABASE.trim();
  return out;
}

function clientConfig(c: PostgresConnection, connectTimeoutMs: number): pg.ClientConfig {
  const base: pg.ClientConfig = typeof c === 'string' ? { connectionString: c } : { ...c };
  return {
    application_name: 'police-open-data-publisher',
    connectionTimeoutMillis: connectTimeoutMs,
    keepAlive: true,
    ...base,
  };
}

/** host:port of a connection setting, resolved the way pg resolves it (never the password). */
export function describePostgres(c: PostgresConnection): string {
  const client = new pg.Client(clientConfig(c, 0));
  return `${client.host}:${client.port}`;
}

function reasonOf(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length) return [...new Set(e.errors.map(reasonOf))].join('; ');
  const err = e as Error & { code?: string };
  return err?.message || err?.code || String(e);
}

/** A clear error for a failure talking to the records database; the password is scrubbed. */
function dbError(e: unknown, where: string, password: string | undefined, context?: string): Error {
  const code = (e as { code?: unknown })?.code;
  const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
  let reason = reasonOf(e);
  if (password) reason = reason.split(password).join('***');
  const ctx = context ? ` (${context})` : '';
  let message: string;
  if (!sqlstate || sqlstate.startsWith('08') || sqlstate.startsWith('57P') || sqlstate.startsWith('53')) {
    message = `records database unreachable at ${where}: ${reason}${ctx}`;
  } else if (sqlstate.startsWith('28')) {
    message = `records database at ${where} rejected the login: ${reason}`;
  } else {
    message = `records database query failed at ${where}${ctx}: ${reason}`;
  }
  return new Error(message, { cause: e });
}

/** A problem with the source's shape (missing table or column), reported as is. */
class SourceShapeError extends Error {}

const pgIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

interface SourceColumn { name: string; type: string }

interface PullPlan {
  spec: TableSpec;
  map: TableMapping;
  select: string;
  params: string[];
  /** Stored watermark (ISO instant) this pull starts from, or null for everything. */
  since: string | null;
  unknownColumns: string[];
  source: string;
}

/** The SQL text of a source column, the way the CSV reader expects values. */
function textExpr(col: string, type: string): string {
  switch (type) {
    case 'timestamp with time zone':
    case 'timestamp without time zone':
    case 'date':
      return `(to_json(${col}) #>> '{}')`;
    case 'real':
    case 'double precision':
      // Shortest exact text, except exponent notation (1e-05), which the contract does not allow.
      return `(CASE WHEN ${col}::text ~ '[eE]' THEN ${col}::numeric::text ELSE ${col}::text END)`;
    default:
      return `(${col})::text`;
  }
}

function planPull(
  spec: TableSpec, map: TableMapping, schema: string, columns: SourceColumn[], since: string | null, source: string, log: Logger,
): PullPlan {
  const where = `${schema}.${map.from}`;
  const byName = new Map(columns.map((c) => [c.name, c]));
  const params: string[] = [];
  const param = (v: string) => { params.push(v); return `$${params.length}::text`; };
  if (since) params.push(since);
  const missing: string[] = [];
  const used = new Set<string>();
  const exprs = spec.fields.map((f) => {
    const name = sourceColumn(map, f.name);
    const col = byName.get(name);
    if (!col) {
      if (!f.nullable) missing.push(name === f.name ? f.name : `${f.name} (mapped from "${name}")`);
      return 'NULL::text';
    }
    used.add(name);
    if (col.type === 'timestamp without time zone' && f.type === 'timestamp') {
      log.warn(`${where}.${name}: timestamp without time zone; its values carry no offset and will be quarantined`);
    }
    const text = textExpr(pgIdent(name), col.type);
    const codes = Object.entries(map.codes[f.name] ?? {});
    if (codes.length === 0) return text;
    return `CASE ${text} ${codes.map(([from, to]) => `WHEN ${param(from)} THEN ${param(to)}`).join(' ')} ELSE ${text} END`;
  });
  if (missing.length) {
    throw new SourceShapeError(`records table ${where}: missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (contract table ${spec.name})`);
  }
  const upd = sourceColumn(map, 'updated_at');
  const updType = byName.get(upd)!.type;
  if (updType !== 'timestamp with time zone') {
    throw new SourceShapeError(`records table ${where}: column ${upd} is ${updType}; incremental pulls need timestamp with time zone`);
  }
  const unknownColumns = columns.map((c) => c.name).filter((n) => !used.has(n));
  for (const c of unknownColumns) log.warn(`${where}: column "${c}" is not in the contract for ${spec.name}; ignored`);
  const from = `${pgIdent(schema)}.${pgIdent(map.from)}`;
  const select = `SELECT ${exprs.join(', ')} FROM ${from}${since ? ` WHERE ${pgIdent(upd)} >= $1::timestamptz` : ''} ORDER BY ${pgIdent(upd)}`;
  return { spec, map, select, params, since, unknownColumns, source };
}

async function storedWatermarks(conn: DuckDBConnection): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  if (!(await tableExists(conn, '_source_watermarks'))) return out;
  const rows = (await conn.runAndReadAll(
    `SELECT source, table_name, strftime(timezone('UTC', watermark), '%Y-%m-%dT%H:%M:%S.%fZ') FROM _source_watermarks`,
  )).getRows();
  for (const [source, table, wm] of rows) out.set(`${source}\u0000${table}`, wm == null ? null : String(wm));
  return out;
}

function appendRows(appender: DuckDBAppender, rows: unknown[][], batch: string): void {
  for (const row of rows) {
    appender.appendInteger(0);
    appender.appendVarchar(batch);
    for (const v of row) {
      if (v == null) appender.appendNull();
      else appender.appendVarchar(String(v));
    }
    appender.endRow();
  }
}

const compactStamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/**
 * Pulls the records database's contract tables (new or changed rows since the stored watermark;
 * everything with `full`) into stg_<table> and the quarantine on `conn`.
 */
export async function loadPostgres(conn: DuckDBConnection, opts: PostgresLoadOptions): Promise<Record<TableName, TableLoadReport>> {
  const { log } = opts;
  const schema = opts.schema ?? 'records';
  const progress = opts.progress ?? (() => {});
  const clock = opts.clock ?? (() => new Date());
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 10_000));
  const tables = opts.tables ?? TABLES.map((t) => t.name);
  const mapping = typeof opts.mapping === 'string' ? await loadSourceMapping(opts.mapping) : opts.mapping;
  const config = clientConfig(opts.connection, opts.connectTimeoutMs ?? 10_000);
  const client = new pg.Client(config);
  const where = `${client.host}:${client.port}`;
  const password = typeof client.password === 'string' ? client.password : undefined;
  const started = clock();
  const stored = opts.full ? new Map<string, string | null>() : await storedWatermarks(conn);

  // 1. Pull every table into temp tables, in one read-only snapshot of the source.
  let lost = null as Error | null;
  client.on('error', (e) => { lost = e; });
  const pulled: { plan: PullPlan; raw: RawTables; prep?: Prepared }[] = [];
  const t0 = Date.now();
  try {
    try {
      await client.connect();
    } catch (e) {
      throw dbError(e, where, password);
    }
    log.info(`records database ${where}/${client.database ?? ''}: pulling ${tables.join(', ')} from schema ${schema}${opts.full ? ' (full)' : ''}`);
    let context: string | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      for (const table of tables) {
        const spec = tableSpec(table);
        const map = tableMapping(mapping, table);
        context = `reading the columns of ${schema}.${map.from}`;
        const cols = (await client.query<SourceColumn>(
          `SELECT column_name AS name, data_type AS type FROM information_schema.columns
           WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, [schema, map.from])).rows;
        if (cols.length === 0) {
          throw new SourceShapeError(`records database at ${where} has no table ${schema}.${map.from} (contract table ${table})` +
            (map.from === table ? '' : `, mapped in ${mapping?.file}`));
        }
        const source = `postgres:${client.database ?? ''}/${schema}.${map.from}`;
        const since = stored.get(`${source}\u0000${table}`) ?? null;
        const plan = planPull(spec, map, schema, cols, since, source, log);
        const raw = rawTableNames('pg', spec);
        await createRawTables(conn, raw);
        const entry: (typeof pulled)[number] = { plan, raw };
        pulled.push(entry);

        context = `pulling ${schema}.${map.from}`;
        const step = `pull ${table}`;
        progress(step, 0);
        const batch = `postgres:${schema}.${map.from}@${compactStamp(started)}`;
        const cursor = `pull_${table}`;
        await client.query({ text: `DECLARE ${cursor} NO SCROLL CURSOR FOR ${plan.select}`, values: plan.params });
        const appender = await conn.createAppender(raw.raw, 'main', 'temp');
        let n = 0;
        // The next FETCH is in flight while this one is appended: the server formats rows
        // while DuckDB takes the previous ones.
        const fetch = () => {
          const p = client.query({ text: `FETCH ${batchSize} FROM ${cursor}`, rowMode: 'array' });
          p.catch(() => {});
          return p;
        };
        let next = fetch();
        try {
          for (;;) {
            const res = await next;
            if (res.rows.length === 0) break;
            if (res.rows.length === batchSize) next = fetch();
            appendRows(appender, res.rows, batch);
            n += res.rows.length;
            progress(step, n);
            if (res.rows.length < batchSize) break;
          }
        } finally {
          appender.closeSync();
        }
        await client.query(`CLOSE ${cursor}`);
      }
      context = 'finishing the pull';
      await client.query('COMMIT');
    } catch (e) {
      if (e instanceof SourceShapeError) throw e;
      throw dbError(lost ?? e, where, password, context);
    }
    if (lost) throw dbError(lost, where, password, context);
  } catch (e) {
    for (const { raw } of pulled) await dropPrepared(conn, raw);
    throw e;
  } finally {
    await Promise.race([client.end().catch(() => {}), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
  const pullSecs = ((Date.now() - t0) / 1000).toFixed(1);

  // 2. Validate, then apply every table with its new watermark in one transaction.
  try {
    const watermarks = new Map<TableName, string | null>();
    for (const entry of pulled) {
      const [[wm]] = (await conn.runAndReadAll(
        `SELECT strftime(timezone('UTC', max(try_cast(updated_at AS TIMESTAMPTZ))), '%Y-%m-%dT%H:%M:%S.%fZ') FROM ${duckIdent(entry.raw.raw)}`,
      )).getRows();
      watermarks.set(entry.plan.spec.name, wm == null ? entry.plan.since : String(wm));
      entry.prep = await prepareTable(conn, entry.raw);
    }
    const reports = {} as Record<TableName, TableLoadReport>;
    await inTransaction(conn, async () => {
      await conn.run(WATERMARKS_DDL);
      for (const { plan, prep } of pulled) {
        const table = plan.spec.name;
        if (opts.full) {
          await resetStaging(conn, table);
          await conn.run(`DELETE FROM _source_watermarks WHERE table_name = ${sqlString(table)}`);
        }
        await ensureStaging(conn, plan.spec);
        const counts = await applyPrepared(conn, prep!, started);
        const wm = watermarks.get(table);
        await conn.run(`DELETE FROM _source_watermarks WHERE source = ${sqlString(plan.source)} AND table_name = ${sqlString(table)}`);
        await conn.run(`INSERT INTO _source_watermarks VALUES (${sqlString(plan.source)}, ${sqlString(table)},
          ${wm ? `CAST(${sqlString(wm)} AS TIMESTAMPTZ)` : 'NULL'}, CAST(${sqlString(started.toISOString())} AS TIMESTAMPTZ))`);
        reports[table] = {
          table,
          ...(await stagingState(conn, table)),
          unknownColumns: plan.unknownColumns,
          applied: { source: 'postgres', units: [plan.since ? `watermark>=${plan.since}` : 'full'], ...counts },
        };
      }
    });
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    for (const { plan } of pulled) {
      const r = reports[plan.spec.name];
      log.info(`${describeLoad(r, secs)}; pulled ${r.applied.units[0]} in ${pullSecs}s; watermark now ${watermarks.get(plan.spec.name) ?? 'none'}`);
      if (r.applied.quarantined > 0) log.warn(`${plan.spec.name}: ${r.applied.quarantined} row(s) quarantined; see table quarantine`);
    }
    return reports;
  } finally {
    for (const { raw, prep } of pulled) await dropPrepared(conn, prep ?? raw);
  }
}

/** The stored watermark of a table (ISO instant, UTC), or null; for reports and tests. */
export async function storedWatermark(conn: DuckDBConnection, table: TableName): Promise<string | null> {
  if (!(await tableExists(conn, '_source_watermarks'))) return null;
  if (!(await count(conn, `SELECT count(*) FROM _source_watermarks WHERE table_name = ${sqlString(table)}`))) return null;
  const [[wm]] = (await conn.runAndReadAll(
    `SELECT strftime(timezone('UTC', max(watermark)), '%Y-%m-%dT%H:%M:%S.%fZ') FROM _source_watermarks WHERE table_name = ${sqlString(table)}`,
  )).getRows();
  return wm == null ? null : String(wm);
}
