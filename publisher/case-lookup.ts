// I7, the case status lookup: a person who holds a report number can see its public status.
// Releases carry a table keyed by HMAC(lookup key, "case" ␟ REPORT NUMBER); the portal, which
// holds the lookup key (never the pseudonym key), computes the same hash from what is typed.
import { createHmac } from 'node:crypto';
import type { ScanDataset } from './scan-bulk.ts';

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

/**
 * What the scan gate (X3) reads of a release's lookup table: the statuses as text, and the lookup
 * column, keyed hashes of a fixed length (a million on the bench's offenses), checked against the
 * hash format instead of n-grammed (publisher/scan-bulk.ts): a raw case number there blocks the release.
 */
export function caseLookupScanTarget(datasetId: string, table: string): ScanDataset {
  return {
    id: datasetId, table, rowKey: 'lookup', textColumns: ['lookup', 'statuses'], file: CASE_LOOKUP_FILE,
    pseudonymColumns: [{ column: 'lookup', format: `[0-9a-f]{${CASE_HASH_LENGTH}}` }],
  };
}
