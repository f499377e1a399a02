// Load the disclosure records once at startup: every *.yaml in the records folder, parsed and
// validated; any error names the file and the field path (e.g. "body-worn-video.yaml: retention.days: ...").
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Disclosure } from './schema.ts';

export const RECORDS_DIR = fileURLToPath(new URL('./records/', import.meta.url));

export class DisclosureError extends Error {}

/** Parse and validate one record; throws DisclosureError naming `file` and each failing path. */
export function parseDisclosure(file: string, text: string): Disclosure {
  let doc: unknown;
  try {
    doc = parse(text, { prettyErrors: true });
  } catch (err) {
    throw new DisclosureError(`${file}: YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = Disclosure.safeParse(doc);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${file}: ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new DisclosureError(lines.join('\n'));
  }
  const expected = path.basename(file).replace(/\.ya?ml$/, '');
  if (parsed.data.id !== expected) throw new DisclosureError(`${file}: id: "${parsed.data.id}" must match the file name "${expected}"`);
  return parsed.data;
}

/** All records in `dir`, sorted by name; throws on the first invalid file. */
export function loadDisclosures(dir = RECORDS_DIR): Disclosure[] {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  const out = files.map((f) => parseDisclosure(f, readFileSync(path.join(dir, f), 'utf8')));
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
