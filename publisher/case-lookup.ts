// I7, the case status lookup: a person who holds a report number can see its public status.
// Releases carry a table keyed by HMAC(lookup key, "case" ␟ REPORT NUMBER); the portal, which
// holds the lookup key (never the pseudonym key), computes the same hash from what is typed.
import { createHmac } from 'node:crypto';

export const CASE_LOOKUP_FILE = 'case-lookup.parquet';
export const CASE_NAMESPACE = 'case';
export const CASE_HASH_LENGTH = 32;

export function normalizeCaseNumber(value: string): string {
  return value.trim().toUpperCase();
}

export function caseLookupHash(keyHex: string, caseNumber: string): string {
  return createHmac('sha256', Buffer.from(keyHex, 'hex'))
    .update(`${CASE_NAMESPACE}\x1f${normalizeCaseNumber(caseNumber)}`)
    .digest('hex')
    .slice(0, CASE_HASH_LENGTH);
}
