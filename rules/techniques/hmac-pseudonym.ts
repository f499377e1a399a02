// X4, U1: keyed pseudonyms. HMAC-SHA256(key, namespace ␟ value), computed inside DuckDB from
// precomputed inner/outer key pads, so millions of ids hash at SQL speed. Never an unkeyed hash.
import { z } from 'zod';
import { defineTechnique } from './types.ts';

const Params = z.object({
  /** Hex characters kept from the digest (16 = 64 bits). */
  length: z.number().int().min(12).max(64).default(16),
  /** Separates id spaces, so the same value in two fields gets unrelated pseudonyms. */
  namespace: z.string().min(1).optional(),
});

/** The HMAC inner and outer key pads (64 bytes each) as hex. */
export function hmacPads(secretHex: string): { ipad: string; opad: string } {
  let key = Buffer.from(secretHex, 'hex');
  if (key.length === 0) throw new Error('HMAC key is empty');
  if (key.length > 64) throw new Error('HMAC key longer than 64 bytes');
  const padded = Buffer.alloc(64);
  key.copy(padded);
  const ipad = Buffer.alloc(64);
  const opad = Buffer.alloc(64);
  for (let i = 0; i < 64; i++) {
    ipad[i] = padded[i] ^ 0x36;
    opad[i] = padded[i] ^ 0x5c;
  }
  key = Buffer.alloc(0);
  return { ipad: ipad.toString('hex'), opad: opad.toString('hex') };
}

/** SQL computing the lowercase hex HMAC-SHA256 of a VARCHAR expression. */
export function hmacSql(secretHex: string, messageSql: string): string {
  const { ipad, opad } = hmacPads(secretHex);
  const inner = `unhex(sha256(unhex('${ipad}') || encode(${messageSql})))`;
  return `sha256(unhex('${opad}') || ${inner})`;
}

/** RE2 pattern a whole pseudonym of `length` hex characters matches (what `column` below produces). */
export function pseudonymFormat(length: number): string {
  return `[0-9a-f]{${length}}`;
}

export const hmacPseudonym = defineTechnique({
  name: 'hmac_pseudonym',
  summary: 'Replaces an id with a keyed pseudonym (HMAC-SHA256 with a secret key held outside the repository).',
  params: Params,
  protects: ['record_id', 'direct'],
  column(ctx) {
    const ns = (ctx.params.namespace ?? ctx.field.name).replaceAll("'", "''");
    const message = `'${ns}' || chr(31) || CAST(${ctx.expr} AS VARCHAR)`;
    return `CASE WHEN ${ctx.expr} IS NULL THEN NULL ELSE substr(${hmacSql(ctx.secretHex, message)}, 1, ${ctx.params.length}) END`;
  },
  describe: (p) => `keyed HMAC-SHA256, first ${p.length} hex characters${p.namespace ? `, namespace "${p.namespace}"` : ''}`,
});
