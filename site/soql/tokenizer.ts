// SoQL tokenizer: identifiers (bare, `:system` and `backtick-quoted`), string literals ('it''s' and
// "double"), numbers, operators and punctuation. Anything else (`;`, `--`, `/*`, `#`, an
// unterminated quote) is a malformed query: nothing is ever passed through to SQL as text.
import { malformed } from './errors.ts';

export type TokenKind = 'ident' | 'qident' | 'string' | 'number' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** ident: the text as written; qident/string: the unquoted value; number: the literal; op: the operator. */
  value: string;
  pos: number;
}

export const MAX_QUERY_LENGTH = 20_000;

const OPERATORS = ['<=', '>=', '<>', '!=', '==', '||', '=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ','];

export function tokenize(text: string): Token[] {
  if (text.length > MAX_QUERY_LENGTH) throw malformed(`Query is too long (more than ${MAX_QUERY_LENGTH} characters)`);
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === "'" || ch === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw malformed(`Unterminated string literal starting with ${ch}`, start);
        if (text[i] === ch) {
          if (text[i + 1] === ch) {
            value += ch;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      tokens.push({ kind: 'string', value, pos: start });
      continue;
    }
    if (ch === '`') {
      const end = text.indexOf('`', i + 1);
      if (end < 0) throw malformed('Unterminated backtick-quoted identifier', start);
      const value = text.slice(i + 1, end);
      if (!value) throw malformed('Empty backtick-quoted identifier', start);
      tokens.push({ kind: 'qident', value, pos: start });
      i = end + 1;
      continue;
    }
    const num = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (num) {
      if (/[A-Za-z_]/.test(text[i + num[0].length] ?? '')) throw malformed(`Malformed number "${text.slice(i, i + num[0].length + 1)}"`, start);
      tokens.push({ kind: 'number', value: num[0], pos: start });
      i += num[0].length;
      continue;
    }
    const ident = /^(?::\*|:?@?[A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i, i + 400));
    if (ident) {
      tokens.push({ kind: 'ident', value: ident[0], pos: start });
      i += ident[0].length;
      continue;
    }
    if (text.startsWith('--', i) || text.startsWith('/*', i)) throw malformed('Comments are not allowed in SoQL', start);
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', value: op === '==' ? '=' : op === '<>' ? '!=' : op, pos: start });
      i += op.length;
      continue;
    }
    throw malformed(`Unexpected character ${JSON.stringify(ch)}`, start);
  }
  tokens.push({ kind: 'eof', value: '', pos: text.length });
  return tokens;
}
