// X3: what the scan gate looks for in published text. Each pattern is RE2-compatible (DuckDB
// runs it over millions of values) and JavaScript-compatible (tests and page scans run it too).

export interface ScanPattern {
  kind: string;
  /** Case-insensitive regular expression. */
  regex: string;
}

const STREET_SUFFIX = '(ST|STREET|AVE|AVENUE|WAY|PL|PLACE|RD|ROAD|BLVD|DR|DRIVE|LN|LANE|CT|COURT|TER|TERRACE|PKWY|HWY|CIR|LOOP)';

export const SCAN_PATTERNS: readonly ScanPattern[] = [
  { kind: 'ssn', regex: String.raw`\b\d{3}-\d{2}-\d{4}\b` },
  { kind: 'phone', regex: String.raw`(\(\d{3}\)\s?|\b\d{3}[-. ])\d{3}[-.]\d{4}\b` },
  { kind: 'email', regex: String.raw`[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}` },
  { kind: 'date of birth', regex: String.raw`\b(DOB|D\.O\.B\.?|BORN|BIRTH[A-Z]*)\b[^0-9]{0,12}\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}` },
  // A house number followed by a street: anything not in "NNXX BLOCK OF" form.
  { kind: 'exact address', regex: String.raw`\b\d{1,6}[A-Z]?\s+([NSEW]\s+)?(\d+(ST|ND|RD|TH)|[A-Z]{2,})(\s+[A-Z]{2,}){0,3}\s+${STREET_SUFFIX}\b` },
  { kind: 'licence plate', regex: String.raw`\b(PLATE|LIC|LICENSE|LICENCE|TAG|VEH|VEHICLE)\b.{0,30}\b([A-Z]{2,3}-?\d{3,4}|\d[A-Z]{3}\d{3}|[A-Z]\d{2,3}[A-Z]{2,3})\b` },
];

/** The same patterns as JavaScript regular expressions (global, case-insensitive). */
export function jsPatterns(): { kind: string; re: RegExp }[] {
  return SCAN_PATTERNS.map((p) => ({ kind: p.kind, re: new RegExp(p.regex, 'gi') }));
}

/**
 * Normalizes text for matching source values: upper case, every run of characters other than
 * letters and digits becomes one space. Used on both sides (source terms and published text).
 */
export function normalizeForTerms(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9]+/g, ' ').trim();
}

/** The SQL twin of normalizeForTerms. */
export function normalizeSql(expr: string): string {
  return `trim(regexp_replace(upper(${expr}), '[^A-Z0-9]+', ' ', 'g'))`;
}
