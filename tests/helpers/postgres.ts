// Test helper: a throwaway PostgreSQL server in a temp dir on a free port (trust auth on
// 127.0.0.1), plus a DDL generator for the records contract tables.
//
// PostgreSQL refuses to run as root, so when the tests run as root the server is run as the
// `postgres` user (runuser). Missing binaries are an error, never a skip: a test that needs
// PostgreSQL must fail loudly when it is not installed (set PG_BIN to point at another bin dir).

import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { TABLES, type FieldType, type TableSpec } from '../../pipelines/contract.ts';

const run = promisify(execFile);

/**
 * Lets the server (the `postgres` user) read the CSVs in `dir` (for COPY FROM file): opens `dir`
 * and its parents up to the system temp directory, never it or its parents (other users'
 * programs, such as apt, need /tmp as it is).
 */
export async function openToServer(dir: string): Promise<void> {
  for (let d = dir; d !== '/' && d !== tmpdir(); d = path.dirname(d)) await chmod(d, 0o755);
}

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  host: string;
  port: number;
  /** Stops the server and removes its data dir (idempotent). */
  stop(): Promise<void>;
  /** Stops the server but keeps the data (resume() starts it again on the same port). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Runs one statement on a fresh connection. */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

/** The PostgreSQL bin dir: $PG_BIN, or the newest /usr/lib/postgresql/<v>/bin; throws when absent. */
export async function postgresBinDir(): Promise<string> {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = (await readdir(root)).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(root, v, 'bin')));
  }
  const hit = candidates.find((d) => ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(path.join(d, b))));
  if (!hit) {
    throw new Error(
      `PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in ${candidates.join(', ') || `${root}/<version>/bin`}; ` +
        'install PostgreSQL (Debian: apt-get install postgresql) or set PG_BIN. These tests need a real server and do not skip.',
    );
  }
  return hit;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const asRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

async function chownTree(dir: string): Promise<void> {
  if (!asRoot()) return;
  const { stdout } = await run('id', ['-u', 'postgres']).catch(() => {
    throw new Error('running as root, but there is no "postgres" user to run PostgreSQL as (it refuses to run as root)');
  });
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  await chown(dir, Number(stdout.trim()), Number(gid.trim()));
}

async function pgExec(bin: string, args: string[]): Promise<void> {
  const [cmd, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  try {
    await run(cmd, argv, { timeout: 120_000 });
  } catch (e) {
    const err = e as Error & { stderr?: string; stdout?: string };
    throw new Error(`${path.basename(bin)} ${args[0]} failed: ${err.message}\n${err.stderr ?? ''}${err.stdout ?? ''}`);
  }
}

/** Starts a fresh PostgreSQL server; call stop() in afterAll. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = await postgresBinDir();
  const dir = await mkdtemp(path.join(tmpdir(), 'pgtest-'));
  const data = path.join(dir, 'data');
  const sock = path.join(dir, 'sock');
  const logFile = path.join(dir, 'server.log');
  await mkdir(data);
  await mkdir(sock);
  for (const d of [dir, data, sock]) await chownTree(d);
  await pgExec(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const host = '127.0.0.1';
  const opts = `-p ${port} -k ${sock} -c listen_addresses=${host} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  let running = false;
  let removed = false;
  const start = async () => {
    try {
      await pgExec(path.join(bin, 'pg_ctl'), ['start', '-D', data, '-o', opts, '-w', '-t', '60', '-l', logFile]);
    } catch (e) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`${(e as Error).message}\nserver log:\n${log}`);
    }
    running = true;
  };
  const halt = async () => {
    if (!running) return;
    await pgExec(path.join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60']);
    running = false;
  };
  await start();
  const url = `postgres://postgres@${host}:${port}/postgres`;
  return {
    url,
    host,
    port,
    async stop() {
      await halt();
      if (!removed) { removed = true; await rm(dir, { recursive: true, force: true }); }
    },
    pause: halt,
    resume: start,
    async query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]) {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => {});
      await client.connect();
      try {
        return (await client.query<R>(sql, params)).rows;
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}

const PG_TYPES: Record<FieldType, string> = {
  text: 'text', timestamp: 'timestamptz', date: 'date', boolean: 'boolean', integer: 'integer', double: 'double precision',
};
const q = (s: string) => `"${s.replace(/"/g, '""')}"`;

export interface TableDdlOptions {
  schema?: string;
  /** Source table name (default: the contract name). */
  name?: string;
  /** Contract field → source column name. */
  rename?: Record<string, string>;
  /** Contract field → source column type, overriding the contract's type (e.g. text, to hold bad values). */
  types?: Record<string, string>;
  /** Add NOT NULL for required fields (default false, so tests can insert bad rows). */
  notNull?: boolean;
}

/** CREATE TABLE for one contract table in PostgreSQL (primary key, contract types). */
export function contractTableDdl(spec: TableSpec, o: TableDdlOptions = {}): string {
  const schema = o.schema ?? 'records';
  const col = (f: string) => o.rename?.[f] ?? f;
  const cols = spec.fields.map((f) => {
    const type = o.types?.[f.name] ?? PG_TYPES[f.type];
    const notNull = f.name === spec.primaryKey ? ' NOT NULL' : o.notNull && !f.nullable ? ' NOT NULL' : '';
    return `  ${q(col(f.name))} ${type}${notNull}`;
  });
  return `CREATE TABLE ${q(schema)}.${q(o.name ?? spec.name)} (\n${cols.join(',\n')},\n  PRIMARY KEY (${q(col(spec.primaryKey))})\n)`;
}

/** CREATE SCHEMA plus the three contract tables (and an updated_at index each). */
export function contractDdl(schema = 'records', o: Omit<TableDdlOptions, 'schema' | 'name' | 'rename'> = {}): string {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${q(schema)}`,
    ...TABLES.flatMap((t) => [
      contractTableDdl(t, { ...o, schema }),
      `CREATE INDEX ON ${q(schema)}.${q(t.name)} (updated_at)`,
    ]),
  ].join(';\n') + ';';
}
