// Unit tests of the SoQL tokenizer, parser and SQL generator: precedence, literals as bound
// parameters (never in the SQL text), identifier checks, the function allowlist, and injection
// attempts that must fail with a clear error.
import { describe, expect, it } from 'vitest';
import { compileSoql, type SoqlDataset, type SoqlRequest } from '../../../site/soql/compile.ts';
import { SoqlError } from '../../../site/soql/errors.ts';
import { parseExpr, parseOrder, parseSelect, parseStatement } from '../../../site/soql/parser.ts';
import { tokenize } from '../../../site/soql/tokenizer.ts';

const DS: SoqlDataset = {
  columns: [
    { name: 'event_id', type: 'text' },
    { name: 'received_hour', type: 'timestamp' },
    { name: 'precinct', type: 'text' },
    { name: 'priority', type: 'integer' },
    { name: 'latitude', type: 'number' },
    { name: 'longitude', type: 'number' },
    { name: 'arrest_made', type: 'boolean' },
    { name: 'odd name', type: 'text' },
  ],
  rowKey: 'event_id',
  from: '"r_view"',
  createdAt: '2026-01-01T00:00:00Z',
  hasRowNumber: true,
};

const compile = (req: SoqlRequest) => compileSoql(req, DS);

function soqlError(fn: () => unknown): SoqlError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SoqlError);
    return err as SoqlError;
  }
  throw new Error('expected a SoqlError');
}

describe('tokenizer', () => {
  it('splits identifiers, system fields, backticks, strings, numbers and operators', () => {
    const toks = tokenize("select `odd name`, :id WHERE x >= 1.5e3 AND y <> 'it''s' || \"dq\"");
    expect(toks.map((t) => `${t.kind}:${t.value}`)).toEqual([
      'ident:select', 'qident:odd name', 'op:,', 'ident::id', 'ident:WHERE', 'ident:x', 'op:>=', 'number:1.5e3', 'ident:AND',
      'ident:y', 'op:!=', "string:it's", 'op:||', 'string:dq', 'eof:',
    ]);
  });

  it.each([
    ["name = 'open", /Unterminated string/],
    ['`col', /Unterminated backtick/],
    ['a = 1; DROP TABLE x', /Unexpected character ";"/],
    ['a = 1 -- comment', /Comments are not allowed/],
    ['a = 1 /* c */', /Comments are not allowed/],
    ['a # b', /Unexpected character "#"/],
    ['12abc', /Malformed number/],
  ])('rejects %s', (text, message) => {
    const err = soqlError(() => tokenize(text));
    expect(err.code).toBe('query.compiler.malformed');
    expect(err.message).toMatch(message);
  });
});

describe('parser', () => {
  it('gives AND precedence over OR, and NOT over AND', () => {
    expect(parseExpr('a = 1 OR b = 2 AND NOT c = 3')).toMatchObject({
      kind: 'bin', op: 'OR',
      left: { kind: 'bin', op: '=', left: { kind: 'col', name: 'a' }, right: { kind: 'num', value: '1' } },
      right: {
        kind: 'bin', op: 'AND',
        left: { kind: 'bin', op: '=', left: { kind: 'col', name: 'b' }, right: { kind: 'num', value: '2' } },
        right: { kind: 'not', expr: { kind: 'bin', op: '=', left: { kind: 'col', name: 'c' }, right: { kind: 'num', value: '3' } } },
      },
    });
  });

  it('binds * tighter than +, and || looser than +', () => {
    const e = parseExpr('a || b + c * d');
    expect(e).toMatchObject({ kind: 'bin', op: '||', right: { kind: 'bin', op: '+', right: { kind: 'bin', op: '*' } } });
  });

  it('parses IN, NOT IN, BETWEEN, LIKE, NOT LIKE, IS [NOT] NULL with case-insensitive keywords', () => {
    expect(parseExpr("a not in ('x', 'y')")).toMatchObject({ kind: 'in', not: true, list: [{ value: 'x' }, { value: 'y' }] });
    expect(parseExpr('a Between 1 aNd 2')).toMatchObject({ kind: 'between', not: false });
    expect(parseExpr("a NOT LIKE 'x%'")).toMatchObject({ kind: 'like', not: true });
    expect(parseExpr('a is not null')).toMatchObject({ kind: 'isnull', not: true });
  });

  it('parses select lists with distinct, *, :* and aliases, and order lists', () => {
    expect(parseSelect('DISTINCT a AS b, count(*)')).toMatchObject({ distinct: true, items: [{ kind: 'expr', alias: 'b' }, { kind: 'expr', expr: { kind: 'call', name: 'count' } }] });
    expect(parseSelect(':*, *').items.map((i) => i.kind)).toEqual(['system', 'all']);
    expect(parseOrder('a DESC NULL LAST, b')).toMatchObject([{ desc: true, nullsFirst: false }, { desc: false }]);
  });

  it('parses $query clauses in any order and case', () => {
    expect(parseStatement("select a where b = 1 limit 3 order by a desc offset 2 search 'x'")).toMatchObject({
      select: { items: [{ kind: 'expr' }] }, where: { kind: 'bin' }, limit: '3', offset: '2', order: [{ desc: true }], search: 'x',
    });
  });

  it.each([
    ['a =', /Expected an expression but found end of input/],
    ['(a = 1', /Expected "\)"/],
    ['a = 1)', /Expected end of input/],
    ['a IN 1', /Expected "\("/],
    ['NOT', /Expected an expression/],
  ])('reports %s as malformed', (text, message) => {
    const err = soqlError(() => parseExpr(text));
    expect(err.code).toBe('query.compiler.malformed');
    expect(err.message).toMatch(message);
  });

  it('refuses FROM in $query and very deep nesting', () => {
    expect(soqlError(() => parseStatement('SELECT a FROM other')).message).toMatch(/no FROM/);
    expect(soqlError(() => parseExpr('('.repeat(500) + '1' + ')'.repeat(500))).message).toMatch(/nested too deeply/);
    expect(soqlError(() => parseExpr('- '.repeat(500) + '1')).message).toMatch(/nested too deeply/);
    expect(soqlError(() => parseExpr('NOT '.repeat(500) + 'a')).message).toMatch(/nested too deeply/);
  });
});

describe('SQL generation', () => {
  it('binds every literal as a parameter and quotes identifiers from the manifest', () => {
    const c = compile({ where: "precinct = 'NORTH' AND priority > 2.5 AND `odd name` LIKE 'x%'", select: 'event_id, precinct' });
    expect(c.sql).not.toContain('NORTH');
    expect(c.sql).not.toContain('2.5');
    expect(c.sql).not.toContain('x%');
    expect(c.sql).toContain('"precinct" = $');
    expect(c.sql).toContain('"odd name" LIKE $');
    expect(c.params.values).toEqual(expect.arrayContaining(['NORTH', 2.5, 'x%']));
  });

  it('casts string literals to the column type they are compared with', () => {
    const c = compile({ where: "received_hour > '2025-01-01T00:00:00' AND arrest_made = 'true'" });
    expect(c.sql).toMatch(/"received_hour" > CAST\(\$\d+ AS TIMESTAMP\)/);
    expect(c.sql).toMatch(/"arrest_made" = CAST\(\$\d+ AS BOOLEAN\)/);
  });

  it('names unaliased expressions like Socrata', () => {
    const c = compile({ select: 'count(*), count(precinct), sum(priority), avg(priority), date_trunc_ym(received_hour), precinct' , group: 'date_trunc_ym(received_hour), precinct' });
    expect(c.outputs.map((o) => o.name)).toEqual(['count', 'count_precinct', 'sum_priority', 'avg_priority', 'date_trunc_ym_received_hour', 'precinct']);
  });

  it('orders by the row key (then file row) when no $order is given, and pages with bound limit/offset', () => {
    const c = compile({ limit: 10, offset: 20 });
    expect(c.sql).toMatch(/ORDER BY __k0 ASC NULLS LAST, __k1 ASC NULLS LAST LIMIT \$\d+ OFFSET \$\d+$/);
    expect(c.params.values).toEqual(expect.arrayContaining([10n, 20n]));
  });

  it('defaults $limit to 1000 and rejects more than 50000', () => {
    expect(compile({}).limit).toBe(1000);
    expect(compile({ limit: 50000 }).limit).toBe(50000);
    expect(soqlError(() => compile({ limit: 50001 })).code).toBe('query.invalid');
    expect(soqlError(() => compile({ query: 'SELECT * LIMIT 50001' })).code).toBe('query.invalid');
  });

  it('names the unknown column', () => {
    const err = soqlError(() => compile({ where: 'foo = 1' }));
    expect(err.code).toBe('query.soql.no-such-column');
    expect(err.message).toBe('No such column: foo');
    expect(soqlError(() => compile({ select: 'event_id, `no such`' })).message).toBe('No such column: no such');
    expect(soqlError(() => compile({ filters: [['nope', 'x']] })).message).toBe('No such column: nope');
    expect(soqlError(() => compile({ order: 'file_row_number' })).message).toBe('No such column: file_row_number');
  });

  it('refuses functions outside the allowlist, including DuckDB table functions', () => {
    for (const fn of ["read_csv('/etc/passwd')", "read_parquet('x')", 'getenv(1)', "query('select 1')", 'pg_sleep(10)']) {
      const err = soqlError(() => compile({ select: fn }));
      expect(err.code, fn).toBe('query.soql.no-such-function');
      expect(err.message).toMatch(/^No such function: /);
    }
  });

  it('checks types', () => {
    expect(soqlError(() => compile({ where: 'precinct + 1 > 2' })).code).toBe('query.soql.type-mismatch');
    expect(soqlError(() => compile({ where: 'priority' })).code).toBe('query.soql.type-mismatch');
    expect(soqlError(() => compile({ where: 'precinct = 1' })).code).toBe('query.soql.type-mismatch');
    expect(soqlError(() => compile({ where: 'count(*) > 1' })).message).toMatch(/\$having/);
  });

  it('refuses $query combined with other SoQL parameters', () => {
    expect(soqlError(() => compile({ query: 'SELECT *', where: 'priority = 1' })).message).toMatch(/\$query cannot be combined with \$where/);
  });
});

describe('injection attempts', () => {
  const attempts: [string, SoqlRequest, RegExp][] = [
    ["' OR 1=1 --", { where: "precinct = '' OR 1=1 --" }, /Comments are not allowed/],
    ['unterminated quote', { where: "precinct = 'NORTH" }, /Unterminated string/],
    ['; DROP', { where: 'priority = 1; DROP TABLE x' }, /Unexpected character ";"/],
    ['stacked query in $select', { select: 'event_id; SELECT 1' }, /Unexpected character ";"/],
    ['quote breaking out of a string', { where: "precinct = 'x'' OR ''1''=''1'" }, /^$/],
    ['identifier breaking out of quotes', { select: '`a" FROM x; --`' }, /No such column/],
    ['read_csv as a function', { where: "read_csv('/etc/passwd') IS NOT NULL" }, /No such function: read_csv/],
    ['subquery', { where: 'priority IN (SELECT 1)' }, /Expected an expression/],
    ['UNION in $query', { query: 'SELECT event_id UNION SELECT 1' }, /Expected "?,"? or the end of the select list but found "UNION"/],
  ];

  it.each(attempts)('%s', (_name, req, message) => {
    if (message.source === '^$') {
      // A doubled quote stays inside the literal: one bound parameter, nothing pasted.
      const c = compile(req);
      expect(c.params.values).toContain("x' OR '1'='1");
      expect(c.sql).not.toMatch(/ OR /);
      return;
    }
    const err = soqlError(() => compile(req));
    expect(err.message).toMatch(message);
  });
});
