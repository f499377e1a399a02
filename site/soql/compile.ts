// SoQL AST → parameterized DuckDB SQL over one dataset's view. Every string and number literal
// becomes a bound parameter ($1, $2, ...); identifiers are resolved against the dataset's manifest
// columns (plus :id, :created_at, :updated_at) and quoted from the manifest's own spelling; functions
// come from an allowlist. The result is an "inner" query that yields the output columns as
// __c0..__cN plus its sort keys, already ordered, limited and offset; site/soql/render.ts wraps it
// into JSON / CSV / GeoJSON built inside DuckDB.
import { BIGINT, BOOLEAN, DOUBLE, TIMESTAMP, VARCHAR, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { PublishedType } from '../../publisher/manifest.ts';
import { SoqlError, malformed } from './errors.ts';
import {
  parseExpr,
  parseGroup,
  parseOrder,
  parseSelect,
  parseStatement,
  type Expr,
  type OrderItem,
  type SelectList,
} from './parser.ts';

/** Types as the compiler tracks them; `integer` is a number that prints without a fraction. */
export type SType = 'text' | 'number' | 'integer' | 'checkbox' | 'timestamp' | 'null' | 'meta';

export interface SoqlColumn {
  name: string;
  type: PublishedType;
}

export interface SoqlDataset {
  columns: SoqlColumn[];
  rowKey: string;
  /** Quoted relation name to select from (a view over the release's rows.parquet). */
  from: string;
  /** ISO 8601; used for :created_at and :updated_at. */
  createdAt: string;
  /** The relation has a `file_row_number` column (the stable tie-break after the row key). */
  hasRowNumber: boolean;
  /**
   * The relation's rows are stored in row-key order, so `file_row_number` follows the key: a page
   * in key order is then found by position (see pageByPosition).
   */
  keyOrdered?: boolean;
}

export interface SoqlRequest {
  select?: string;
  where?: string;
  order?: string;
  group?: string;
  having?: string;
  q?: string;
  query?: string;
  limit?: number;
  offset?: number;
  /** Plain `column=value` equality filters, in request order. */
  filters?: [string, string][];
  /** Include :id, :created_at, :updated_at in `*` ($$exclude_system_fields=false). */
  systemFields?: boolean;
}

export interface Output {
  name: string;
  type: SType;
  alias: string;
}

export interface SortKey {
  alias: string;
  desc: boolean;
  nullsFirst: boolean;
}

export interface Compiled {
  sql: string;
  params: Params;
  outputs: Output[];
  keys: SortKey[];
  limit: number;
  offset: number;
}

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 50000;

/** Bound parameters; the same literal (value and type) reuses its placeholder, so repeated
 *  expressions (select vs group by) compile to identical SQL text. */
export class Params {
  readonly values: DuckDBValue[] = [];
  readonly types: DuckDBType[] = [];
  private readonly seen = new Map<string, string>();

  add(value: string | number | bigint | boolean, type: DuckDBType): string {
    const key = `${typeof value}:${type.toString()}:${String(value)}`;
    let ph = this.seen.get(key);
    if (!ph) {
      this.values.push(value);
      this.types.push(type);
      ph = `$${this.values.length}`;
      this.seen.set(key, ph);
    }
    return ph;
  }
}

interface C {
  sql: string;
  type: SType;
  /** A literal that can still be re-typed by context ('str': a string literal). */
  lit?: 'str' | 'num';
  agg?: boolean;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const isNum = (t: SType) => t === 'number' || t === 'integer';
const TYPE_NAMES: Record<SType, string> = {
  text: 'text', number: 'number', integer: 'number', checkbox: 'checkbox', timestamp: 'floating_timestamp', null: 'null', meta: 'text',
};

export function sodaTypeName(t: SType): string {
  if (t === 'meta') return 'meta_data';
  if (t === 'null') return 'text';
  return TYPE_NAMES[t];
}

const mismatch = (message: string) => new SoqlError('query.soql.type-mismatch', message);

function publishedToS(t: PublishedType): SType {
  switch (t) {
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'boolean':
      return 'checkbox';
    case 'timestamp':
    case 'date':
      return 'timestamp';
    default:
      return 'text';
  }
}

const SQL_CAST: Partial<Record<SType, string>> = { number: 'DOUBLE', integer: 'DOUBLE', timestamp: 'TIMESTAMP', checkbox: 'BOOLEAN', text: 'VARCHAR' };

const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max']);
const TRUNC: Record<string, string> = { date_trunc_y: 'year', date_trunc_ym: 'month', date_trunc_ymd: 'day' };
const EXTRACT: Record<string, string> = {
  date_extract_y: 'year', date_extract_m: 'month', date_extract_d: 'day', date_extract_dow: 'dayofweek',
  date_extract_hh: 'hour', date_extract_mm: 'minute', date_extract_ss: 'second', date_extract_woy: 'week',
};
/** Every function name SoQL accepts here (anything else is query.soql.no-such-function). */
export const FUNCTIONS = [
  ...AGGREGATES, ...Object.keys(TRUNC), ...Object.keys(EXTRACT),
  'upper', 'lower', 'starts_with', 'within_box', 'within_circle', 'case', 'coalesce', 'abs', 'length',
];

const EARTH_RADIUS_M = 6371008.8;

class Compiler {
  readonly params = new Params();
  private readonly byName = new Map<string, SoqlColumn>();
  private readonly byLower = new Map<string, SoqlColumn>();

  constructor(readonly ds: SoqlDataset) {
    for (const col of ds.columns) {
      this.byName.set(col.name, col);
      if (!this.byLower.has(col.name.toLowerCase())) this.byLower.set(col.name.toLowerCase(), col);
    }
  }

  column(name: string): SoqlColumn | undefined {
    return this.byName.get(name) ?? this.byLower.get(name.toLowerCase());
  }

  private noSuchColumn(name: string): SoqlError {
    return new SoqlError('query.soql.no-such-column', `No such column: ${name}`, { column: name });
  }

  private createdAtParam(): string {
    const d = new Date(this.ds.createdAt);
    const floating = Number.isNaN(d.getTime()) ? '1970-01-01T00:00:00.000' : d.toISOString().slice(0, 23);
    return `CAST(${this.params.add(floating, VARCHAR)} AS TIMESTAMP)`;
  }

  col(name: string): C {
    const lower = name.toLowerCase();
    if (lower === ':id') return { sql: `('row-' || ${quoteIdent(this.ds.rowKey)})`, type: 'text' };
    if (lower === ':created_at' || lower === ':updated_at') return { sql: this.createdAtParam(), type: 'timestamp' };
    const col = this.column(name);
    if (!col) throw this.noSuchColumn(name);
    return { sql: quoteIdent(col.name), type: publishedToS(col.type) };
  }

  literalNumber(value: string): C {
    if (/^\d+$/.test(value)) {
      const n = BigInt(value);
      if (n <= BigInt(Number.MAX_SAFE_INTEGER)) return { sql: this.params.add(n, BIGINT), type: 'integer', lit: 'num' };
    }
    const n = Number(value);
    if (!Number.isFinite(n)) throw malformed(`Number out of range: ${value}`);
    return { sql: this.params.add(n, DOUBLE), type: 'number', lit: 'num' };
  }

  /** Re-type a string literal to `t` (CAST of the bound parameter), or check the types agree. */
  coerce(c: C, t: SType, what: string): C {
    if (c.type === t || c.type === 'null' || t === 'null' || (isNum(c.type) && isNum(t))) return c;
    if (c.type === 'meta' && t === 'text') return c;
    if (c.lit === 'str' && SQL_CAST[t]) return { sql: `CAST(${c.sql} AS ${SQL_CAST[t]})`, type: t };
    throw mismatch(`Type mismatch in ${what}: ${TYPE_NAMES[c.type]} where ${TYPE_NAMES[t]} was expected`);
  }

  unify(a: C, b: C, what: string): [C, C] {
    if (a.type === 'null') return [a, b];
    if (b.type === 'null') return [a, b];
    if (a.lit === 'str' && b.lit !== 'str') return [this.coerce(a, b.type, what), b];
    return [a, this.coerce(b, a.type, what)];
  }

  bool(c: C, what: string): C {
    if (c.type === 'checkbox' || c.type === 'null') return c;
    throw mismatch(`${what} needs a true/false (checkbox) expression, got ${TYPE_NAMES[c.type]}`);
  }

  num(c: C, what: string): C {
    if (isNum(c.type) || c.type === 'null') return c;
    if (c.lit === 'str') return this.coerce(c, 'number', what);
    throw mismatch(`${what} needs a number, got ${TYPE_NAMES[c.type]}`);
  }

  expr(e: Expr): C {
    const sub = (x: Expr) => this.expr(x);
    switch (e.kind) {
      case 'col':
        return this.col(e.name);
      case 'str':
        return { sql: this.params.add(e.value, VARCHAR), type: 'text', lit: 'str' };
      case 'num':
        return this.literalNumber(e.value);
      case 'bool':
        return { sql: e.value ? 'TRUE' : 'FALSE', type: 'checkbox' };
      case 'null':
        return { sql: 'NULL', type: 'null' };
      case 'star':
        throw malformed('"*" is only allowed as count(*) or in $select', e.pos);
      case 'not': {
        const c = this.bool(sub(e.expr), 'NOT');
        return { sql: `(NOT ${c.sql})`, type: 'checkbox', agg: c.agg };
      }
      case 'neg': {
        const c = this.num(sub(e.expr), 'unary minus');
        return { sql: `(- ${c.sql})`, type: c.type === 'null' ? 'number' : c.type, agg: c.agg };
      }
      case 'isnull': {
        const c = sub(e.expr);
        return { sql: `(${c.sql} IS ${e.not ? 'NOT ' : ''}NULL)`, type: 'checkbox', agg: c.agg };
      }
      case 'in': {
        const c = sub(e.expr);
        const items = e.list.map((x) => this.unify(c, sub(x), 'IN')[1]);
        return { sql: `(${c.sql} ${e.not ? 'NOT ' : ''}IN (${items.map((i) => i.sql).join(', ')}))`, type: 'checkbox', agg: c.agg };
      }
      case 'between': {
        const c = sub(e.expr);
        const lo = this.unify(c, sub(e.lo), 'BETWEEN')[1];
        const hi = this.unify(c, sub(e.hi), 'BETWEEN')[1];
        return { sql: `(${c.sql} ${e.not ? 'NOT ' : ''}BETWEEN ${lo.sql} AND ${hi.sql})`, type: 'checkbox', agg: c.agg };
      }
      case 'like': {
        const c = this.coerce(sub(e.expr), 'text', 'LIKE');
        const p = this.coerce(sub(e.pattern), 'text', 'LIKE');
        return { sql: `(${c.sql} ${e.not ? 'NOT ' : ''}LIKE ${p.sql})`, type: 'checkbox', agg: c.agg };
      }
      case 'bin':
        return this.binary(e.op, sub(e.left), sub(e.right));
      case 'call':
        return this.call(e);
    }
  }

  binary(op: string, l: C, r: C): C {
    const agg = l.agg || r.agg;
    if (op === 'AND' || op === 'OR') {
      return { sql: `(${this.bool(l, op).sql} ${op} ${this.bool(r, op).sql})`, type: 'checkbox', agg };
    }
    if (op === '||') {
      return { sql: `(CAST(${l.sql} AS VARCHAR) || CAST(${r.sql} AS VARCHAR))`, type: 'text', agg };
    }
    if (['=', '!=', '<', '<=', '>', '>='].includes(op)) {
      const [a, b] = this.unify(l, r, `"${op}"`);
      return { sql: `(${a.sql} ${op === '!=' ? '<>' : op} ${b.sql})`, type: 'checkbox', agg };
    }
    // arithmetic
    const a = this.num(l, `"${op}"`);
    const b = this.num(r, `"${op}"`);
    const type: SType = a.type === 'integer' && b.type === 'integer' && op !== '/' ? 'integer' : 'number';
    const sql = op === '/' ? `(CAST(${a.sql} AS DOUBLE) / ${b.sql})` : `(${a.sql} ${op} ${b.sql})`;
    return { sql, type, agg };
  }

  private geoColumns(): { lat: string; lon: string } {
    const lat = this.ds.columns.find((c) => /^(latitude|lat)$/i.test(c.name));
    const lon = this.ds.columns.find((c) => /^(longitude|lon|lng|long)$/i.test(c.name));
    if (!lat || !lon) throw mismatch('This dataset has no latitude/longitude columns for geo functions');
    return { lat: quoteIdent(lat.name), lon: quoteIdent(lon.name) };
  }

  private geoTarget(arg: Expr | undefined, fn: string): { lat: string; lon: string } {
    if (!arg || arg.kind !== 'col') throw mismatch(`${fn} needs a location column (or latitude/longitude) as its first argument`);
    const geo = this.geoColumns();
    const lower = arg.name.toLowerCase();
    const col = this.column(arg.name);
    if (!col && !['location', 'the_geom', 'point', 'geocoded_column'].includes(lower)) throw this.noSuchColumn(arg.name);
    if (col && quoteIdent(col.name) !== geo.lat && quoteIdent(col.name) !== geo.lon) {
      throw mismatch(`${fn} works on the location (latitude/longitude) columns, not ${col.name}`);
    }
    return geo;
  }

  call(e: Extract<Expr, { kind: 'call' }>): C {
    const name = e.name;
    const sub = (x: Expr) => this.expr(x);
    const arity = (min: number, max = min) => {
      if (e.args.length < min || e.args.length > max) {
        throw mismatch(`${name}() takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${e.args.length}`);
      }
    };
    if (!FUNCTIONS.includes(name)) {
      throw new SoqlError('query.soql.no-such-function', `No such function: ${name}`, { function: name });
    }
    if (e.distinct && name !== 'count') throw malformed(`DISTINCT is only supported inside count()`, e.pos);
    if (AGGREGATES.has(name)) {
      arity(1);
      const a = e.args[0];
      if (a.kind === 'star') {
        if (name !== 'count') throw malformed(`${name}(*) is not allowed; only count(*)`, a.pos);
        return { sql: 'count(*)', type: 'integer', agg: true };
      }
      const c = sub(a);
      if (c.agg) throw mismatch(`Aggregates cannot be nested (${name})`);
      if (name === 'count') return { sql: `count(${e.distinct ? 'DISTINCT ' : ''}${c.sql})`, type: 'integer', agg: true };
      if (name === 'sum' || name === 'avg') {
        const n = this.num(c, `${name}()`);
        return { sql: `${name}(${n.sql})`, type: name === 'sum' && n.type === 'integer' ? 'integer' : 'number', agg: true };
      }
      return { sql: `${name}(${c.sql})`, type: c.type, agg: true };
    }
    for (const a of e.args) if (a.kind === 'star') throw malformed(`"*" is only allowed in count(*)`, a.pos);
    if (TRUNC[name]) {
      arity(1);
      const c = this.coerce(sub(e.args[0]), 'timestamp', `${name}()`);
      return { sql: `date_trunc('${TRUNC[name]}', CAST(${c.sql} AS TIMESTAMP))`, type: 'timestamp', agg: c.agg };
    }
    if (EXTRACT[name]) {
      arity(1);
      const c = this.coerce(sub(e.args[0]), 'timestamp', `${name}()`);
      return { sql: `CAST(${EXTRACT[name]}(CAST(${c.sql} AS TIMESTAMP)) AS INTEGER)`, type: 'integer', agg: c.agg };
    }
    switch (name) {
      case 'upper':
      case 'lower': {
        arity(1);
        const c = this.coerce(sub(e.args[0]), 'text', `${name}()`);
        return { sql: `${name}(${c.sql})`, type: 'text', agg: c.agg };
      }
      case 'length': {
        arity(1);
        const c = this.coerce(sub(e.args[0]), 'text', `${name}()`);
        return { sql: `length(${c.sql})`, type: 'integer', agg: c.agg };
      }
      case 'abs': {
        arity(1);
        const c = this.num(sub(e.args[0]), 'abs()');
        return { sql: `abs(${c.sql})`, type: c.type, agg: c.agg };
      }
      case 'starts_with': {
        arity(2);
        const a = this.coerce(sub(e.args[0]), 'text', 'starts_with()');
        const b = this.coerce(sub(e.args[1]), 'text', 'starts_with()');
        return { sql: `starts_with(${a.sql}, ${b.sql})`, type: 'checkbox', agg: a.agg || b.agg };
      }
      case 'coalesce': {
        if (e.args.length < 1) arity(1, 99);
        const cs = e.args.map(sub);
        const first = cs.find((c) => c.type !== 'null' && c.lit !== 'str') ?? cs.find((c) => c.type !== 'null');
        const typed = first ? cs.map((c) => this.coerce(c, first.type, 'coalesce()')) : cs;
        return { sql: `coalesce(${typed.map((c) => c.sql).join(', ')})`, type: first?.type ?? 'null', agg: cs.some((c) => c.agg) };
      }
      case 'case': {
        if (e.args.length < 2 || e.args.length % 2 !== 0) throw mismatch('case() takes pairs of (condition, value)');
        const parts: string[] = [];
        const values: C[] = [];
        let agg = false;
        for (let i = 0; i < e.args.length; i += 2) {
          const cond = this.bool(sub(e.args[i]), 'case() condition');
          const val = sub(e.args[i + 1]);
          agg ||= !!cond.agg || !!val.agg;
          parts.push(cond.sql);
          values.push(val);
        }
        const first = values.find((v) => v.type !== 'null' && v.lit !== 'str') ?? values.find((v) => v.type !== 'null');
        const typed = first ? values.map((v) => this.coerce(v, first.type, 'case()')) : values;
        const body = parts.map((cond, i) => `WHEN ${cond} THEN ${typed[i].sql}`).join(' ');
        return { sql: `(CASE ${body} END)`, type: first?.type ?? 'null', agg };
      }
      case 'within_box': {
        arity(5);
        const g = this.geoTarget(e.args[0], name);
        const [nwLat, nwLon, seLat, seLon] = e.args.slice(1).map((a) => this.num(sub(a), 'within_box()').sql);
        return {
          sql: `(CAST(${g.lat} AS DOUBLE) BETWEEN ${seLat} AND ${nwLat} AND CAST(${g.lon} AS DOUBLE) BETWEEN ${nwLon} AND ${seLon})`,
          type: 'checkbox',
        };
      }
      case 'within_circle': {
        arity(4);
        const g = this.geoTarget(e.args[0], name);
        const [lat, lon, radius] = e.args.slice(1).map((a) => this.num(sub(a), 'within_circle()').sql);
        const dLat = `radians(CAST(${g.lat} AS DOUBLE) - ${lat})`;
        const dLon = `radians(CAST(${g.lon} AS DOUBLE) - ${lon})`;
        const hav = `pow(sin(${dLat} / 2), 2) + cos(radians(${lat})) * cos(radians(CAST(${g.lat} AS DOUBLE))) * pow(sin(${dLon} / 2), 2)`;
        return { sql: `(2 * ${EARTH_RADIUS_M} * asin(sqrt(${hav})) <= ${radius})`, type: 'checkbox' };
      }
    }
    throw new SoqlError('query.soql.no-such-function', `No such function: ${name}`, { function: name });
  }
}

/** Socrata's key for an unaliased expression: the column name, or function name + argument names. */
function autoName(e: Expr): string {
  switch (e.kind) {
    case 'col':
      return e.name;
    case 'call': {
      const args = e.args.map(autoName).filter(Boolean);
      return [e.name, ...args].join('_');
    }
    case 'bin':
      return [autoName(e.left), autoName(e.right)].filter(Boolean).join('_');
    case 'not':
    case 'neg':
    case 'isnull':
    case 'in':
    case 'between':
    case 'like':
      return autoName(e.expr);
    default:
      return '';
  }
}

function hasAggregate(e: Expr): boolean {
  switch (e.kind) {
    case 'call':
      return AGGREGATES.has(e.name) || e.args.some(hasAggregate);
    case 'bin':
      return hasAggregate(e.left) || hasAggregate(e.right);
    case 'not':
    case 'neg':
    case 'isnull':
      return hasAggregate(e.expr);
    case 'in':
      return hasAggregate(e.expr) || e.list.some(hasAggregate);
    case 'between':
      return hasAggregate(e.expr) || hasAggregate(e.lo) || hasAggregate(e.hi);
    case 'like':
      return hasAggregate(e.expr) || hasAggregate(e.pattern);
    default:
      return false;
  }
}

function limitValue(raw: number | string | undefined, dflt: number, max: number, what: string): number {
  if (raw === undefined) return dflt;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new SoqlError('query.invalid', `${what} must be a non-negative integer`);
  if (n > max) throw new SoqlError('query.invalid', `${what} must be at most ${max}, got ${n}`);
  return n;
}

/** Compile one SoQL request against a dataset. Throws SoqlError for anything it does not accept. */
export function compileSoql(req: SoqlRequest, ds: SoqlDataset): Compiled {
  const cx = new Compiler(ds);
  let select: SelectList | undefined;
  let where: Expr | undefined;
  let order: OrderItem[] | undefined;
  let group: Expr[] | undefined;
  let having: Expr | undefined;
  let search = req.q;
  let limit: number;
  let offset: number;

  if (req.query !== undefined) {
    const others = (['select', 'where', 'order', 'group', 'having', 'q'] as const).filter((k) => req[k] !== undefined);
    if (others.length) throw new SoqlError('query.invalid', `$query cannot be combined with ${others.map((k) => `$${k}`).join(', ')}`);
    const st = parseStatement(req.query);
    ({ select, where, order, group, having } = st);
    search = st.search;
    limit = limitValue(st.limit ?? req.limit, DEFAULT_LIMIT, MAX_LIMIT, 'LIMIT');
    offset = limitValue(st.offset ?? req.offset, 0, Number.MAX_SAFE_INTEGER, 'OFFSET');
  } else {
    select = req.select !== undefined && req.select.trim() ? parseSelect(req.select) : undefined;
    where = req.where !== undefined && req.where.trim() ? parseExpr(req.where) : undefined;
    order = req.order !== undefined && req.order.trim() ? parseOrder(req.order) : undefined;
    group = req.group !== undefined && req.group.trim() ? parseGroup(req.group) : undefined;
    having = req.having !== undefined && req.having.trim() ? parseExpr(req.having) : undefined;
    limit = limitValue(req.limit, DEFAULT_LIMIT, MAX_LIMIT, '$limit');
    offset = limitValue(req.offset, 0, Number.MAX_SAFE_INTEGER, '$offset');
  }

  // Outputs.
  const outputs: Output[] = [];
  const outSql: string[] = [];
  const outC: C[] = [];
  const used = new Set<string>();
  const addOutput = (name: string, c: C, explicit: boolean) => {
    let unique = name;
    if (used.has(unique)) {
      if (explicit) throw new SoqlError('query.soql.invalid', `Duplicate output name: ${name}`);
      for (let i = 1; used.has(unique); i++) unique = `${name}_${i}`;
    }
    used.add(unique);
    const out: Output = { name: unique, type: c.type, alias: `__c${outputs.length}` };
    outputs.push(out);
    outSql.push(c.sql);
    outC.push(c);
    return out;
  };
  const systemFields = () => {
    addOutput(':id', { sql: `('row-' || ${quoteIdent(ds.rowKey)})`, type: 'meta' }, false);
    const d = new Date(ds.createdAt);
    const stamp = cx.params.add(Number.isNaN(d.getTime()) ? ds.createdAt : d.toISOString(), VARCHAR);
    addOutput(':created_at', { sql: stamp, type: 'meta' }, false);
    addOutput(':updated_at', { sql: stamp, type: 'meta' }, false);
  };
  const allColumns = () => {
    for (const col of ds.columns) addOutput(col.name, { sql: quoteIdent(col.name), type: publishedToS(col.type) }, false);
  };
  const exprByAlias = new Map<string, Expr>();
  const explicitAliases = new Map<string, { out: Output; c: C }>();
  const autoAliases = new Map<string, { out: Output; c: C }>();
  if (!select) {
    if (req.systemFields) systemFields();
    allColumns();
  } else {
    select.items.forEach((item, i) => {
      if (item.kind === 'all') {
        if (req.systemFields && !select!.items.some((x) => x.kind === 'system')) systemFields();
        allColumns();
      } else if (item.kind === 'system') systemFields();
      else {
        const c = cx.expr(item.expr);
        const name = item.alias ?? (autoName(item.expr) || `expr_${i}`);
        const out = addOutput(name, c, item.alias !== undefined);
        exprByAlias.set(out.alias, item.expr);
        (item.alias !== undefined ? explicitAliases : autoAliases).set(out.name, { out, c });
      }
    });
  }
  if (!outputs.length) throw new SoqlError('query.soql.invalid', 'Nothing selected');
  // Aliases usable in ORDER / GROUP / HAVING: explicit ones shadow columns; automatic names don't.
  const resolveAlias = (e: Expr): { out: Output; c: C } | undefined => {
    if (e.kind !== 'col') return undefined;
    return explicitAliases.get(e.name) ?? (cx.column(e.name) ? undefined : autoAliases.get(e.name));
  };

  const grouped =
    !!group?.length || !!having || (select?.items ?? []).some((i) => i.kind === 'expr' && hasAggregate(i.expr));
  const distinct = !!select?.distinct;

  // WHERE: $where, $q, and plain column=value filters.
  const conds: string[] = [];
  if (where) {
    const w = cx.bool(cx.expr(where), '$where');
    if (w.agg) throw mismatch('Aggregate functions are not allowed in $where; use $having');
    conds.push(w.sql);
  }
  if (search !== undefined && search !== '') {
    const texts = ds.columns.filter((c) => c.type === 'text');
    const needle = cx.params.add(search.toLowerCase(), VARCHAR);
    conds.push(texts.length ? `(${texts.map((c) => `contains(lower(${quoteIdent(c.name)}), ${needle})`).join(' OR ')})` : 'FALSE');
  }
  for (const [name, value] of req.filters ?? []) {
    const col = cx.column(name);
    if (!col) throw new SoqlError('query.soql.no-such-column', `No such column: ${name}`, { column: name });
    const t = publishedToS(col.type);
    const lit: C = { sql: cx.params.add(t === 'checkbox' ? value.toLowerCase() : value, VARCHAR), type: 'text', lit: 'str' };
    conds.push(`(${quoteIdent(col.name)} = ${cx.coerce(lit, t, `filter ${name}`).sql})`);
  }

  // GROUP BY / HAVING.
  let groupSql = '';
  if (group?.length) {
    groupSql = group
      .map((g) => {
        const alias = resolveAlias(g);
        if (alias) return alias.out.alias;
        const c = cx.expr(g);
        if (c.agg) throw mismatch('Aggregate functions are not allowed in $group');
        const same = outSql.indexOf(c.sql);
        return same >= 0 ? outputs[same].alias : c.sql;
      })
      .join(', ');
  }
  let havingSql = '';
  if (having) {
    // HAVING sees select aliases as the expressions they name.
    const substituted = substituteAliases(having, (name) => {
      const hit = explicitAliases.get(name) ?? (cx.column(name) ? undefined : autoAliases.get(name));
      return hit ? exprByAlias.get(hit.out.alias) : undefined;
    });
    havingSql = cx.bool(cx.expr(substituted), '$having').sql;
  }

  // ORDER BY: user keys, then a stable tie-break.
  const keys: SortKey[] = [];
  const extra: string[] = [];
  /** Per user sort key, whether it is the row key ascending, nulls last (the tie-breaks are). */
  const inKeyOrder: boolean[] = [];
  const rowKeySql = quoteIdent(ds.rowKey);
  const byKey = (sql: string, k: SortKey) => sql === rowKeySql && !k.desc && !k.nullsFirst;
  for (const o of order ?? []) {
    const nullsFirst = o.nullsFirst ?? o.desc;
    const alias = resolveAlias(o.expr);
    if (alias) {
      keys.push({ alias: alias.out.alias, desc: o.desc, nullsFirst });
      inKeyOrder.push(byKey(alias.c.sql, keys.at(-1)!));
      continue;
    }
    const isId = o.expr.kind === 'col' && o.expr.name.toLowerCase() === ':id';
    const c = isId ? { sql: quoteIdent(ds.rowKey), type: 'text' as SType } : cx.expr(o.expr);
    const same = outSql.indexOf(c.sql);
    if (same >= 0) {
      keys.push({ alias: outputs[same].alias, desc: o.desc, nullsFirst });
      inKeyOrder.push(byKey(c.sql, keys.at(-1)!));
      continue;
    }
    if (distinct) throw new SoqlError('query.soql.invalid', 'With DISTINCT, $order may only use selected columns');
    const alias2 = `__o${extra.length}`;
    extra.push(`${c.sql} AS ${alias2}`);
    keys.push({ alias: alias2, desc: o.desc, nullsFirst });
    inKeyOrder.push(byKey(c.sql, keys.at(-1)!));
  }
  if (grouped || distinct) {
    for (const out of outputs) if (!keys.some((k) => k.alias === out.alias)) keys.push({ alias: out.alias, desc: false, nullsFirst: false });
  } else {
    extra.push(`${quoteIdent(ds.rowKey)} AS __k0`);
    keys.push({ alias: '__k0', desc: false, nullsFirst: false });
    if (ds.hasRowNumber) {
      extra.push('file_row_number AS __k1');
      keys.push({ alias: '__k1', desc: false, nullsFirst: false });
    }
  }

  const selectCols = [...outSql.map((s, i) => `${s} AS ${outputs[i].alias}`), ...extra].join(', ');
  const whereSql = conds.length ? ` WHERE ${conds.join(' AND ')}` : '';
  const orderSql = keys.map(keySql).join(', ');
  if (!grouped && !distinct && ds.keyOrdered && ds.hasRowNumber && inKeyOrder.every(Boolean)) {
    const sql = pageByPosition(cx.params, selectCols, ds.from, conds, orderSql, limit, offset);
    return { sql, params: cx.params, outputs, keys, limit, offset };
  }
  const limitPh = cx.params.add(BigInt(limit), BIGINT);
  const offsetPh = cx.params.add(BigInt(offset), BIGINT);
  let body = `SELECT ${distinct ? 'DISTINCT ' : ''}${selectCols} FROM ${ds.from}${whereSql}`;
  if (groupSql) body += ` GROUP BY ${groupSql}`;
  if (havingSql) body += ` HAVING ${havingSql}`;
  const sql = distinct
    ? `SELECT * FROM (${body}) __d ORDER BY ${orderSql} LIMIT ${limitPh} OFFSET ${offsetPh}`
    : `${body} ORDER BY ${orderSql} LIMIT ${limitPh} OFFSET ${offsetPh}`;
  return { sql, params: cx.params, outputs, keys, limit, offset };
}

/**
 * A page in row-key order over rows stored in that order (SoqlDataset.keyOrdered): the rows are
 * found by position instead of sorting every matching row up to the offset, which grows with the
 * offset (a page at offset 5,000,000 of 11 M calls: ~9 s). The page's rows are the matching rows
 * from the (offset + 1)-th to the (offset + limit)-th in file order, which is key order; so they
 * are the matching rows between the first and the last of those positions. With no filter the
 * positions are the offset itself; with one, a top-N over `file_row_number` alone finds them.
 * DuckDB reads only the row groups between the two positions for the page itself.
 */
function pageByPosition(params: Params, selectCols: string, from: string, conds: string[], orderSql: string, limit: number, offset: number): string {
  const select = `SELECT ${selectCols} FROM ${from}`;
  if (!conds.length) {
    const first = params.add(BigInt(offset), BIGINT);
    const end = params.add(BigInt(offset) + BigInt(limit), BIGINT);
    return `${select} WHERE file_row_number >= ${first} AND file_row_number < ${end} ORDER BY ${orderSql}`;
  }
  const where = conds.join(' AND ');
  const limitPh = params.add(BigInt(limit), BIGINT);
  const offsetPh = params.add(BigInt(offset), BIGINT);
  const positions = `SELECT file_row_number AS p FROM ${from} WHERE ${where} ORDER BY file_row_number LIMIT ${limitPh} OFFSET ${offsetPh}`;
  return `WITH __pos AS (${positions}) ${select} WHERE ${where} AND file_row_number BETWEEN (SELECT min(p) FROM __pos) AND (SELECT max(p) FROM __pos) ORDER BY ${orderSql}`;
}

export const keySql = (k: SortKey): string => `${k.alias} ${k.desc ? 'DESC' : 'ASC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`;

function substituteAliases(e: Expr, lookup: (name: string) => Expr | undefined): Expr {
  const s = (x: Expr) => substituteAliases(x, lookup);
  switch (e.kind) {
    case 'col':
      return lookup(e.name) ?? e;
    case 'call':
      return { ...e, args: e.args.map(s) };
    case 'bin':
      return { ...e, left: s(e.left), right: s(e.right) };
    case 'not':
    case 'neg':
    case 'isnull':
      return { ...e, expr: s(e.expr) };
    case 'in':
      return { ...e, expr: s(e.expr), list: e.list.map(s) };
    case 'between':
      return { ...e, expr: s(e.expr), lo: s(e.lo), hi: s(e.hi) };
    case 'like':
      return { ...e, expr: s(e.expr), pattern: s(e.pattern) };
    default:
      return e;
  }
}
