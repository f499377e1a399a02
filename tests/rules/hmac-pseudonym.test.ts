// X4, U1: hmac_pseudonym matches Node's HMAC, depends on key and namespace, and resists brute force.
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacPads, hmacPseudonym, hmacSql } from '../../rules/techniques/hmac-pseudonym.ts';
import { openDuck, runStep, TEST_KEY_HEX, type Duck } from './duck.ts';

const nodeHmac = (keyHex: string, ns: string, value: string, length = 16) =>
  createHmac('sha256', Buffer.from(keyHex, 'hex')).update(`${ns}\x1f${value}`).digest('hex').slice(0, length);

const OTHER_KEY = 'a0'.repeat(32);
const SAMPLES = ['S10001', 'E2025-000123', '', 'Zoë Ñúñez', '警察署-42', '🚓 unit 7', "O'Brien", 'tab\tand\nnewline'];

let duck: Duck;
beforeAll(async () => {
  duck = await openDuck();
});
afterAll(() => duck.close());

const pseudonyms = (vals: (string | null)[], params: object, secretHex = TEST_KEY_HEX) =>
  runStep(duck, hmacPseudonym, { cols: { id: 'text' }, rows: vals.map((v) => [v]), field: 'id', params, secretHex, sensitivity: 'record_id' });

describe('hmac_pseudonym', () => {
  it('equals createHmac(sha256, key)(namespace ␟ value), truncated, for ASCII and unicode values', async () => {
    const out = await pseudonyms(SAMPLES, { namespace: 'officer', length: 16 });
    expect(out).toEqual(SAMPLES.map((v) => nodeHmac(TEST_KEY_HEX, 'officer', v)));
  });

  it('honours length, including the full 64-character digest', async () => {
    for (const length of [12, 16, 32, 64]) {
      const [p] = await pseudonyms(['S12345'], { namespace: 'officer', length });
      expect(p).toBe(nodeHmac(TEST_KEY_HEX, 'officer', 'S12345', length));
      expect(p).toMatch(new RegExp(`^[0-9a-f]{${length}}$`));
    }
  });

  it('uses the field name as namespace when none is given', async () => {
    const [p] = await pseudonyms(['E1'], {});
    expect(p).toBe(nodeHmac(TEST_KEY_HEX, 'id', 'E1'));
  });

  it('escapes a quote in the namespace', async () => {
    const [p] = await pseudonyms(['E1'], { namespace: "o'fficer" });
    expect(p).toBe(nodeHmac(TEST_KEY_HEX, "o'fficer", 'E1'));
  });

  it('works with short keys (zero-padded, as RFC 2104 says) and refuses empty or over-long keys', async () => {
    const shortKey = 'deadbeef';
    const [p] = await pseudonyms(['S1'], { namespace: 'n' }, shortKey);
    expect(p).toBe(nodeHmac(shortKey, 'n', 'S1'));
    expect(() => hmacPads('')).toThrow(/empty/);
    expect(() => hmacPads('ab'.repeat(65))).toThrow(/longer than 64/);
  });

  it('gives unrelated pseudonyms under different keys', async () => {
    const a = await pseudonyms(SAMPLES, { namespace: 'officer' });
    const b = await pseudonyms(SAMPLES, { namespace: 'officer' }, OTHER_KEY);
    a.forEach((p, i) => expect(p).not.toBe(b[i]));
  });

  it('gives unrelated pseudonyms in different namespaces', async () => {
    const a = await pseudonyms(SAMPLES, { namespace: 'officer' });
    const b = await pseudonyms(SAMPLES, { namespace: 'incident_number' });
    a.forEach((p, i) => expect(p).not.toBe(b[i]));
  });

  it('is stable (same value → same pseudonym) and distinct for distinct values', async () => {
    const vals = ['S1', 'S2', 'S1', 'S10', 'S01'];
    const out = await pseudonyms(vals, { namespace: 'officer' });
    expect(out[0]).toBe(out[2]);
    expect(new Set(out).size).toBe(4);
  });

  it('keeps null as null', async () => {
    expect(await pseudonyms([null, 'S1'], { namespace: 'officer' })).toEqual([null, nodeHmac(TEST_KEY_HEX, 'officer', 'S1')]);
  });

  it('never puts the key itself into the SQL (only the derived pads)', () => {
    const sql = hmacSql(TEST_KEY_HEX, "'x'");
    expect(sql.toLowerCase()).not.toContain(TEST_KEY_HEX);
  });
});

describe('attack 2: brute-forcing pseudonyms over the whole serial space S10000..S99999', () => {
  const officers = ['S10000', 'S23456', 'S54321', 'S77777', 'S99999'];
  let published: string[];

  beforeAll(async () => {
    published = await pseudonyms(officers, { namespace: 'officer', length: 16 });
  });

  /** How many published pseudonyms a candidate-hash SQL expression (over `s`) reproduces. */
  async function matches(hashOf: (s: string) => string): Promise<number> {
    const list = published.map((p) => `'${p}'`).join(', ');
    const [row] = await duck.all(`SELECT count(DISTINCT h) AS n FROM (
        SELECT substr(${hashOf('s')}, 1, 16) AS h FROM (SELECT 'S' || i AS s FROM range(10000, 100000) r(i))
      ) WHERE h IN (${list})`);
    return Number(row.n);
  }

  it('control: with the real key the attack finds every officer (so the harness can fail)', async () => {
    expect(await matches((s) => hmacSql(TEST_KEY_HEX, `'officer' || chr(31) || ${s}`))).toBe(officers.length);
  });

  it('an unkeyed sha256 of the serial, with or without the namespace, matches none', async () => {
    expect(await matches((s) => `sha256(${s})`)).toBe(0);
    expect(await matches((s) => `sha256('officer' || chr(31) || ${s})`)).toBe(0);
    expect(await matches((s) => `sha256(${s} || 'officer')`)).toBe(0);
  });

  it('an HMAC under a wrong key matches none', async () => {
    expect(await matches((s) => hmacSql(OTHER_KEY, `'officer' || chr(31) || ${s}`))).toBe(0);
    expect(await matches((s) => hmacSql('00', `'officer' || chr(31) || ${s}`))).toBe(0);
  });

  it('cross-check in Node: no unkeyed digest of any serial is a published pseudonym', () => {
    const set = new Set(published);
    let hits = 0;
    for (let i = 10000; i < 100000; i++) {
      const s = `S${i}`;
      if (set.has(createHash('sha256').update(s).digest('hex').slice(0, 16))) hits++;
      if (set.has(createHash('sha256').update(`officer\x1f${s}`).digest('hex').slice(0, 16))) hits++;
    }
    expect(hits).toBe(0);
  });
});
