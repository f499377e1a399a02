// SoQL grammar → AST. Precedence, loosest first: OR, AND, NOT, comparison / IS NULL / IN / BETWEEN /
// LIKE, ||, + -, * / %, unary - +. Keywords are case-insensitive; identifiers may be backtick-quoted.
import { malformed } from './errors.ts';
import { tokenize, type Token } from './tokenizer.ts';

export type Expr =
  | { kind: 'col'; name: string; pos: number }
  | { kind: 'str'; value: string }
  | { kind: 'num'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'star'; pos: number }
  | { kind: 'call'; name: string; args: Expr[]; distinct: boolean; pos: number }
  | { kind: 'bin'; op: string; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'neg'; expr: Expr }
  | { kind: 'isnull'; expr: Expr; not: boolean }
  | { kind: 'in'; expr: Expr; list: Expr[]; not: boolean }
  | { kind: 'between'; expr: Expr; lo: Expr; hi: Expr; not: boolean }
  | { kind: 'like'; expr: Expr; pattern: Expr; not: boolean };

export type SelectItem = { kind: 'all' } | { kind: 'system' } | { kind: 'expr'; expr: Expr; alias?: string };
export interface SelectList {
  distinct: boolean;
  items: SelectItem[];
}
export interface OrderItem {
  expr: Expr;
  desc: boolean;
  nullsFirst?: boolean;
}
export interface Statement {
  select?: SelectList;
  where?: Expr;
  group?: Expr[];
  having?: Expr;
  order?: OrderItem[];
  search?: string;
  limit?: string;
  offset?: string;
}

const RESERVED = new Set([
  'and', 'or', 'not', 'is', 'null', 'in', 'between', 'like', 'as', 'true', 'false', 'select', 'where', 'group', 'by',
  'having', 'order', 'limit', 'offset', 'search', 'distinct', 'asc', 'desc', 'from',
]);
const MAX_DEPTH = 64;
const COMPARISON = new Set(['=', '!=', '<', '<=', '>', '>=']);

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  private isKw(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && t.value.toLowerCase() === word;
  }
  private acceptKw(word: string): boolean {
    if (!this.isKw(word)) return false;
    this.i++;
    return true;
  }
  private expectKw(word: string): void {
    if (!this.acceptKw(word)) this.fail(`Expected ${word.toUpperCase()}`);
  }
  private isOp(op: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === op;
  }
  private acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.i++;
    return true;
  }
  private expectOp(op: string): void {
    if (!this.acceptOp(op)) this.fail(`Expected "${op}"`);
  }
  fail(message: string): never {
    const t = this.peek();
    const found = t.kind === 'eof' ? 'end of input' : t.kind === 'string' ? 'a string literal' : `"${t.value}"`;
    throw malformed(`${message} but found ${found}`, t.pos);
  }
  atEnd(): boolean {
    return this.peek().kind === 'eof';
  }
  expectEnd(): void {
    if (!this.atEnd()) this.fail('Expected end of input');
  }

  expr(): Expr {
    if (++this.depth > MAX_DEPTH) throw malformed('Expression is nested too deeply');
    try {
      return this.or();
    } finally {
      this.depth--;
    }
  }
  private or(): Expr {
    let left = this.and();
    while (this.acceptKw('or')) left = { kind: 'bin', op: 'OR', left, right: this.and() };
    return left;
  }
  private and(): Expr {
    let left = this.not();
    while (this.acceptKw('and')) left = { kind: 'bin', op: 'AND', left, right: this.not() };
    return left;
  }
  private not(): Expr {
    if (this.acceptKw('not')) {
      if (++this.depth > MAX_DEPTH) throw malformed('Expression is nested too deeply');
      try {
        return { kind: 'not', expr: this.not() };
      } finally {
        this.depth--;
      }
    }
    return this.comparison();
  }
  private comparison(): Expr {
    const left = this.concat();
    const t = this.peek();
    if (t.kind === 'op' && COMPARISON.has(t.value)) {
      this.i++;
      return { kind: 'bin', op: t.value, left, right: this.concat() };
    }
    if (this.acceptKw('is')) {
      const not = this.acceptKw('not');
      this.expectKw('null');
      return { kind: 'isnull', expr: left, not };
    }
    let not = false;
    if (this.isKw('not') && (this.isKw('in', 1) || this.isKw('between', 1) || this.isKw('like', 1))) {
      this.i++;
      not = true;
    }
    if (this.acceptKw('in')) {
      this.expectOp('(');
      const list: Expr[] = [this.expr()];
      while (this.acceptOp(',')) list.push(this.expr());
      this.expectOp(')');
      return { kind: 'in', expr: left, list, not };
    }
    if (this.acceptKw('between')) {
      const lo = this.concat();
      this.expectKw('and');
      return { kind: 'between', expr: left, lo, hi: this.concat(), not };
    }
    if (this.acceptKw('like')) return { kind: 'like', expr: left, pattern: this.concat(), not };
    if (not) this.fail('Expected IN, BETWEEN or LIKE after NOT');
    return left;
  }
  private concat(): Expr {
    let left = this.additive();
    while (this.acceptOp('||')) left = { kind: 'bin', op: '||', left, right: this.additive() };
    return left;
  }
  private additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      if (this.acceptOp('+')) left = { kind: 'bin', op: '+', left, right: this.multiplicative() };
      else if (this.acceptOp('-')) left = { kind: 'bin', op: '-', left, right: this.multiplicative() };
      else return left;
    }
  }
  private multiplicative(): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (t.value === '*' || t.value === '/' || t.value === '%')) {
        this.i++;
        left = { kind: 'bin', op: t.value, left, right: this.unary() };
      } else return left;
    }
  }
  private unary(): Expr {
    if (this.acceptOp('-')) return { kind: 'neg', expr: this.unaryNested() };
    if (this.acceptOp('+')) return this.unaryNested();
    return this.primary();
  }
  private unaryNested(): Expr {
    if (++this.depth > MAX_DEPTH) throw malformed('Expression is nested too deeply');
    try {
      return this.unary();
    } finally {
      this.depth--;
    }
  }
  private primary(): Expr {
    const t = this.peek();
    if (t.kind === 'number') {
      this.i++;
      return { kind: 'num', value: t.value };
    }
    if (t.kind === 'string') {
      this.i++;
      return { kind: 'str', value: t.value };
    }
    if (t.kind === 'qident') {
      this.i++;
      return { kind: 'col', name: t.value, pos: t.pos };
    }
    if (t.kind === 'op' && t.value === '(') {
      this.i++;
      const e = this.expr();
      this.expectOp(')');
      return e;
    }
    if (t.kind === 'ident') {
      const lower = t.value.toLowerCase();
      if (lower === 'true' || lower === 'false') {
        this.i++;
        return { kind: 'bool', value: lower === 'true' };
      }
      if (lower === 'null') {
        this.i++;
        return { kind: 'null' };
      }
      if (this.peek(1).kind === 'op' && this.peek(1).value === '(' && !t.value.startsWith(':')) {
        this.i += 2;
        return this.call(lower, t.pos);
      }
      if (RESERVED.has(lower)) this.fail('Expected an expression');
      if (t.value === ':*') this.fail('Expected an expression');
      this.i++;
      return { kind: 'col', name: t.value, pos: t.pos };
    }
    this.fail('Expected an expression');
  }
  private call(name: string, pos: number): Expr {
    if (++this.depth > MAX_DEPTH) throw malformed('Expression is nested too deeply');
    try {
      if (this.isOp('*') && this.peek(1).kind === 'op' && this.peek(1).value === ')') {
        const star = this.next();
        this.i++;
        return { kind: 'call', name, args: [{ kind: 'star', pos: star.pos }], distinct: false, pos };
      }
      const distinct = this.acceptKw('distinct');
      const args: Expr[] = [];
      if (!this.acceptOp(')')) {
        args.push(this.expr());
        while (this.acceptOp(',')) args.push(this.expr());
        this.expectOp(')');
      }
      return { kind: 'call', name, args, distinct, pos };
    } finally {
      this.depth--;
    }
  }

  alias(): string {
    const t = this.next();
    if (t.kind === 'qident') return t.value;
    if (t.kind === 'ident' && !t.value.startsWith(':') && !RESERVED.has(t.value.toLowerCase())) return t.value;
    this.i--;
    this.fail('Expected an alias after AS');
  }

  selectList(stop: (p: Parser) => boolean): SelectList {
    const distinct = this.acceptKw('distinct');
    const items: SelectItem[] = [];
    do {
      if (this.isOp('*')) {
        this.i++;
        items.push({ kind: 'all' });
      } else if (this.peek().kind === 'ident' && this.peek().value === ':*') {
        this.i++;
        items.push({ kind: 'system' });
      } else {
        const expr = this.expr();
        const alias = this.acceptKw('as') ? this.alias() : undefined;
        items.push({ kind: 'expr', expr, alias });
      }
    } while (this.acceptOp(','));
    if (!stop(this)) this.fail('Expected "," or the end of the select list');
    return { distinct, items };
  }

  orderList(): OrderItem[] {
    const items: OrderItem[] = [];
    do {
      const expr = this.expr();
      let desc = false;
      if (this.acceptKw('desc')) desc = true;
      else this.acceptKw('asc');
      let nullsFirst: boolean | undefined;
      if (this.isKw('null') || this.isKw('nulls')) {
        this.i++;
        if (this.acceptKw('first')) nullsFirst = true;
        else if (this.acceptKw('last')) nullsFirst = false;
        else this.fail('Expected FIRST or LAST');
      }
      items.push({ expr, desc, nullsFirst });
    } while (this.acceptOp(','));
    return items;
  }

  exprList(): Expr[] {
    const items: Expr[] = [this.expr()];
    while (this.acceptOp(',')) items.push(this.expr());
    return items;
  }

  integer(what: string): string {
    const t = this.next();
    if (t.kind !== 'number' || !/^\d+$/.test(t.value)) {
      this.i--;
      this.fail(`${what} must be a non-negative integer`);
    }
    return t.value;
  }

  isClauseStart(): boolean {
    return ['where', 'group', 'having', 'order', 'limit', 'offset', 'search', 'from'].some((k) => this.isKw(k));
  }

  statement(): Statement {
    const st: Statement = {};
    const seen = new Set<string>();
    const once = (k: string) => {
      if (seen.has(k)) this.fail(`${k.toUpperCase()} given twice`);
      seen.add(k);
    };
    if (this.atEnd()) this.fail('Expected SELECT');
    while (!this.atEnd()) {
      const t = this.peek();
      const kw = t.kind === 'ident' ? t.value.toLowerCase() : '';
      if (kw === 'select') {
        once(kw);
        this.i++;
        st.select = this.selectList((p) => p.atEnd() || p.isClauseStart());
      } else if (kw === 'where') {
        once(kw);
        this.i++;
        st.where = this.expr();
      } else if (kw === 'group') {
        once(kw);
        this.i++;
        this.expectKw('by');
        st.group = this.exprList();
      } else if (kw === 'having') {
        once(kw);
        this.i++;
        st.having = this.expr();
      } else if (kw === 'order') {
        once(kw);
        this.i++;
        this.expectKw('by');
        st.order = this.orderList();
      } else if (kw === 'limit') {
        once(kw);
        this.i++;
        st.limit = this.integer('LIMIT');
      } else if (kw === 'offset') {
        once(kw);
        this.i++;
        st.offset = this.integer('OFFSET');
      } else if (kw === 'search') {
        once(kw);
        this.i++;
        const s = this.next();
        if (s.kind !== 'string') {
          this.i--;
          this.fail('SEARCH needs a string literal');
        }
        st.search = s.value;
      } else if (kw === 'from') {
        throw malformed('$query takes no FROM clause: the dataset is the one in the URL', t.pos);
      } else {
        this.fail('Expected SELECT, WHERE, GROUP BY, HAVING, ORDER BY, SEARCH, LIMIT or OFFSET');
      }
    }
    return st;
  }
}

const parser = (text: string) => new Parser(tokenize(text));

export function parseExpr(text: string): Expr {
  const p = parser(text);
  const e = p.expr();
  p.expectEnd();
  return e;
}

export function parseSelect(text: string): SelectList {
  const p = parser(text);
  return p.selectList((q) => q.atEnd());
}

export function parseOrder(text: string): OrderItem[] {
  const p = parser(text);
  const o = p.orderList();
  p.expectEnd();
  return o;
}

export function parseGroup(text: string): Expr[] {
  const p = parser(text);
  const g = p.exprList();
  p.expectEnd();
  return g;
}

export function parseStatement(text: string): Statement {
  return parser(text).statement();
}
