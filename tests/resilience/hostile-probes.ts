// The hostile requests of the resilience suite (#8.4): SQL and SoQL injection, path traversal,
// oversized and deeply nested parameters and bodies, slow queries, unsupported methods.
import { request as httpRequest } from 'node:http';

export interface Probe {
  name: string;
  path: string;
  method?: string;
  body?: string | Buffer;
  contentType?: string;
  /** Statuses accepted besides 4xx (none by default). */
  allow?: number[];
}

const enc = encodeURIComponent;
const soda = (param: string, value: string): Probe => ({ name: `${param}=${value.slice(0, 60)}`, path: `/resource/c911-call.json?${enc(param)}=${enc(value)}` });
const sql = (text: string): Probe[] => [
  { name: `GET sql ${text.slice(0, 60)}`, path: `/api/sql?sql=${enc(text)}` },
  { name: `POST sql ${text.slice(0, 60)}`, path: '/api/sql', method: 'POST', body: JSON.stringify({ sql: text }), contentType: 'application/json' },
];

const FILES = ['/etc/passwd', '/proc/self/environ', 'manifest.json', '../../publisher.key', 'data/publisher.key', '/work/main/package.json'];
const WHERE = [
  "1=1; DROP TABLE calls_for_service", "' OR 1=1 --", "precinct = 'x' OR '1'='1", "precinct = 'x'' OR 1=1 --'",
  "priority = 1 UNION SELECT * FROM read_csv('/etc/passwd')", "read_text('/etc/passwd') IS NOT NULL",
  "getenv('HOME') = 'x'", "current_setting('allowed_paths') IS NOT NULL", "precinct IN (SELECT sql FROM duckdb_views())",
  "exists(SELECT 1)", "priority = (SELECT 1)", "1; COPY calls_for_service TO '/tmp/x.csv'", "priority = 1 /* comment */ OR 1=1",
  "precinct = $$x$$", "precinct = E'\\x27'", "precinct = 'a' || chr(39) || 'b'", "priority = 1 AND pg_sleep(10)",
  "`precinct` = 'x'", "\"precinct\" = 'x'; SELECT 1", "precinct::VARCHAR = 'x'", "query_table('calls_for_service') IS NULL",
  "priority = 1e999999", "priority = 99999999999999999999999999999999", "precinct LIKE '%' ESCAPE '\\'",
  "\u0000", "precinct = '\u0000'", "priority = 1 -- ", "))))", "(((", "case when 1 then read_blob('/etc/passwd') end",
];
const SELECT = [
  "*, read_csv_auto('/etc/passwd')", "(SELECT 1)", "getenv('PATH')", "sql_auto_complete('SEL')", "current_setting('threads')",
  "precinct; DROP TABLE x", "count(*) FROM calls_for_service --", "version()", "* EXCLUDE (event_id)", "read_text('manifest.json')",
  "duckdb_settings()", "glob('/*')", "precinct AS \"x\"\"; DROP\"", "a.b.c.d", "lambda x: x",
];
const ORDER = ["1; DROP TABLE x", "(SELECT 1)", "random()", "priority DESC; SELECT 1", "getenv('HOME')", "precinct COLLATE \"../../x\"", "1 UNION SELECT 1"];
const Q = ["'; DROP TABLE calls_for_service; --", "%' OR '1'='1", "\\'; SELECT 1; --"];
const QUERY = [
  "SELECT * FROM read_csv('/etc/passwd')", "SELECT * UNION SELECT * FROM duckdb_views()", "SELECT * WHERE 1=1; DROP TABLE x",
  "SELECT getenv('HOME')", "SELECT * FROM calls_for_service", "COPY (SELECT 1) TO '/tmp/x'",
];
const FILTERS = [
  "precinct=x' OR '1'='1", "precinct=x%27%20OR%201=1", "priority=1 OR 1=1", "priority=1;DROP", "nosuchcolumn=1",
  "event_id\"%20OR%201=1--=x", "__proto__=x", "constructor=x", "%24where=1=1&%24where=2=2", "$limit=-1", "$limit=1e9999",
  "$offset=99999999999999999999", "$limit=1;DROP", "$bogus=1", "$$app_token='; DROP TABLE tokens; --",
];
const SQL = [
  "COPY (SELECT 1) TO '/tmp/pwned.csv'", "ATTACH '/tmp/x.db' AS x", "INSTALL httpfs", "LOAD httpfs", "SET enable_external_access = true",
  "PRAGMA enable_external_access", "CREATE TABLE x AS SELECT 1", "DROP VIEW calls_for_service", "SELECT * FROM read_csv('/etc/passwd')",
  "SELECT * FROM read_text('/etc/passwd')", "SELECT * FROM read_blob('/proc/self/environ')", "SELECT * FROM read_parquet('../../publisher.key')",
  "SELECT * FROM glob('/**')", "SELECT getenv('HOME')", "SELECT 1; DROP VIEW calls_for_service", "select 1; copy (select 1) to '/tmp/x'",
  "WITH x AS (SELECT 1) COPY (SELECT 1) TO '/tmp/x'", "/* */ COPY (SELECT 1) TO '/tmp/x'", "-- c\nATTACH ':memory:' AS m",
  "SELECT * FROM sqlite_scan('/etc/passwd', 't')", "SELECT * FROM read_json_auto('/etc/hostname')", "CALL pragma_version()",
  "SELECT * FROM duckdb_secrets()", "SET lock_configuration = false", "RESET allowed_paths",
  "EXPORT DATABASE '/tmp/x'", "CHECKPOINT", "VACUUM", "SELECT * FROM 'manifest.json'", "SELECT * FROM '/etc/passwd'",
  "SELECT * FROM read_csv(['/etc/passwd', '/etc/shadow'])", "UPDATE calls_for_service SET precinct = 'x'", "(COPY (SELECT 1) TO '/tmp/x')",
  "SELECT count(*) FROM range(100000000000) a", "SELECT sum(x) FROM range(10000000000) t(x)",
  "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
  "SELECT max(a.x * b.x) FROM range(100000) a(x), range(100000) b(x)",
  // Not here: memory bombs such as SELECT repeat('x', 2000000000) or SELECT list_sort(range(1000000000)).
  // DuckDB's memory_limit does not cover them; see docs/threat-model.md (known gaps).
];
/**
 * Read-only introspection the sandbox answers (200): legal SELECTs, but they show the absolute
 * path of the data directory (a known gap, docs/threat-model.md); never a path of the repository.
 */
const INTROSPECTION = [
  "SELECT * FROM duckdb_settings() WHERE name = 'allowed_paths'", "SELECT current_setting('allowed_paths')", "SELECT sql FROM duckdb_views()",
  "SELECT * FROM duckdb_databases()", "SELECT * FROM calls_for_service, calls_for_service b, calls_for_service c, calls_for_service d",
];
const TRAVERSAL_IDS = [
  '../../etc/passwd', '..%2f..%2fetc%2fpasswd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%252e%252e%252f%252e%252e%252fetc%252fpasswd',
  '..%5c..%5cmanifest.json', '....//....//etc/passwd', '%2e%2e', '..', '.', '%00c911-call', 'c911-call%00.json', 'c911-call%2f..%2f..',
  '..%252fmanifest.json', '%c0%ae%c0%ae%2fetc%2fpasswd', 'C911-CALL', 'c911-call/../../../manifest.json', '~root', '%2fetc%2fpasswd',
];

export function probes(): Probe[] {
  const out: Probe[] = [];
  for (const w of WHERE) out.push(soda('$where', w));
  for (const s of SELECT) out.push(soda('$select', s));
  for (const o of ORDER) out.push(soda('$order', o));
  for (const q of Q) out.push(soda('$q', q));
  for (const q of QUERY) out.push(soda('$query', q));
  out.push(soda('$group', 'precinct; DROP TABLE x'), soda('$having', "count(*) > 0 OR read_text('/etc/passwd') IS NULL"));
  for (const f of FILTERS) out.push({ name: `filter ${f}`, path: `/resource/c911-call.json?${f}`, allow: f.startsWith('$$app_token') ? [200] : undefined });
  for (const s of SQL) out.push(...sql(s));
  for (const s of INTROSPECTION) out.push(...sql(s).map((p) => ({ ...p, allow: [200] })));
  for (const f of FILES) out.push(...sql(`SELECT * FROM read_csv_auto('${f}')`));
  for (const id of TRAVERSAL_IDS) {
    for (const p of [
      `/resource/${id}.json`, `/resource/${id}`, `/api/views/${id}`, `/api/views/${id}/rows.csv`, `/api/views/c911-call/${id}`,
      `/datasets/${id}`, `/datasets/${id}/rows.csv`, `/datasets/c911-call/${id}`, `/datasets/c911-call/charts/${id}`,
      `/embed/${id}/by-hour`, `/assets/${id}`, `/privacy/rules/${id}`,
    ]) out.push({ name: `traversal ${p}`, path: p });
  }
  // Oversized parameters and bodies.
  const big = 'x'.repeat(100 * 1024);
  out.push({ name: '100 KB $where', path: `/resource/c911-call.json?$where=${enc(`precinct = '${big}'`)}` });
  out.push({ name: '100 KB filter', path: `/resource/c911-call.json?precinct=${big}` });
  out.push({ name: '100 KB sql', path: `/api/sql?sql=${enc(`SELECT '${big}'`)}` });
  out.push({ name: '100 KB page query', path: `/datasets/c911-call?x=${big}` });
  out.push({ name: '1 MB JSON body', path: '/api/sql', method: 'POST', body: JSON.stringify({ sql: `SELECT '${'z'.repeat(1 << 20)}'` }), contentType: 'application/json' });
  out.push({ name: '1 MB text body', path: '/api/sql', method: 'POST', body: `SELECT '${'z'.repeat(1 << 20)}'`, contentType: 'text/plain' });
  out.push({ name: '1 MB form body', path: '/api/sql', method: 'POST', body: `sql=${'z'.repeat(1 << 20)}`, contentType: 'application/x-www-form-urlencoded' });
  out.push({ name: '200 KB SQL text', path: '/api/sql', method: 'POST', body: `SELECT 1 ${'-- pad\n'.repeat(30_000)}`, contentType: 'text/plain' });
  // Deep nesting.
  const deep = (n: number) => `${'('.repeat(n)}priority = 1${')'.repeat(n)}`;
  out.push({ name: '10,000-deep $where', path: `/resource/c911-call.json?$where=${deep(10_000)}` });
  out.push({ name: '5,000-deep $where (fits a header)', path: `/resource/c911-call.json?$where=${deep(5_000)}` });
  out.push({ name: '3,000-deep $select', path: `/resource/c911-call.json?$select=${'('.repeat(3000)}priority${')'.repeat(3000)}` });
  out.push({ name: '3,000-deep function calls', path: `/resource/c911-call.json?$where=${'upper('.repeat(2000)}precinct${')'.repeat(2000)} = 'x'` });
  out.push({ name: '10,000-deep SQL', path: '/api/sql', method: 'POST', body: `SELECT ${deep(10_000)} FROM calls_for_service`, contentType: 'text/plain' });
  out.push({ name: '10,000-deep JSON', path: '/api/sql', method: 'POST', body: `{"sql":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, contentType: 'application/json' });
  out.push({ name: '100,000-deep JSON', path: '/api/sql', method: 'POST', body: `{"sql":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`, contentType: 'application/json' });
  out.push({ name: 'JSON array body', path: '/api/sql', method: 'POST', body: '[{"sql":"SELECT 1"}]', contentType: 'application/json' });
  out.push({ name: 'JSON __proto__ body', path: '/api/sql', method: 'POST', body: '{"__proto__":{"sql":"SELECT 1"}}', contentType: 'application/json' });
  out.push({ name: 'malformed JSON', path: '/api/sql', method: 'POST', body: '{"sql": "SELECT 1"', contentType: 'application/json' });
  out.push({ name: 'form array', path: '/api/sql', method: 'POST', body: 'sql=SELECT%201&sql=SELECT%202', contentType: 'application/x-www-form-urlencoded' });
  out.push({ name: 'sql given twice', path: '/api/sql?sql=SELECT%201&sql=SELECT%202' });
  out.push({ name: 'bad format', path: '/api/sql?sql=SELECT%201&format=../../etc/passwd' });
  // Slow SoQL: the time limit answers.
  out.push(soda('$where', `regexp_matches(repeat(precinct, 100000), '(a+)+b')`));
  // Methods nobody offers.
  for (const m of ['PUT', 'DELETE', 'PATCH']) {
    out.push({ name: `${m} resource`, path: '/resource/c911-call.json', method: m, body: '{}', contentType: 'application/json' });
    out.push({ name: `${m} sql`, path: '/api/sql', method: m, body: 'SELECT 1', contentType: 'text/plain' });
  }
  return out;
}

/** The path as a hostile client sends it: only what Node's client refuses to put on the wire is escaped. */
const rawPath = (p: string) => p.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));

/** Raw HTTP (fetch refuses some of these URLs): status, headers and body, or the socket error. */
export function send(base: string, p: Probe): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: p.method ?? 'GET', path: rawPath(p.path), headers: p.contentType ? { 'content-type': p.contentType } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(p.body);
  });
}

