// Test helper: JSON Schema validators for the metadata tests. DCAT-US 1.1 uses the official
// draft-04 schemas in ../shared/schemas/dcat-us-1.1 (resolved from the repository root); the
// Frictionless profile is the minimal hand-written one in tests/publisher/fixtures.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import Ajv04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { NON_FEDERAL_OMITTED } from '../../publisher/dcat.ts';

// CommonJS default exports, seen through nodenext ESM interop.
const cjs = <T>(m: { default: T }): T => (m.default ?? m) as T;
const Ajv04 = cjs(Ajv04Module);
const Ajv = cjs(AjvModule);
const addFormats = cjs(addFormatsModule);

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DCAT_SCHEMA_DIR = path.resolve(REPO_ROOT, '../shared/schemas/dcat-us-1.1');
const DCAT_FILES = ['catalog.json', 'dataset.json', 'distribution.json', 'organization.json', 'vcard.json'];

export type Schema = Record<string, unknown> & { id: string; required?: string[] };

export function loadDcatSchemas(): Record<string, Schema> {
  return Object.fromEntries(DCAT_FILES.map((f) => [f, JSON.parse(readFileSync(path.join(DCAT_SCHEMA_DIR, f), 'utf8')) as Schema]));
}

/** The official dataset schema with only the federal-only codes dropped from `required`. */
export function nonFederalDatasetSchema(official: Schema): Schema {
  return { ...official, required: (official.required ?? []).filter((r) => !(NON_FEDERAL_OMITTED as readonly string[]).includes(r)) };
}

/** A validator for a whole data.json; `federal: true` uses the schemas exactly as published. */
export function dcatValidator(opts: { federal?: boolean } = {}) {
  const schemas = loadDcatSchemas();
  if (!opts.federal) schemas['dataset.json'] = nonFederalDatasetSchema(schemas['dataset.json']);
  // The official schemas use keywords ajv's strict mode rejects (e.g. minItems beside $ref), and
  // regex escapes (`\_`, `\~`, ...) that are valid only without the `u` flag.
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  for (const s of Object.values(schemas)) ajv.addSchema(s);
  const validate = ajv.getSchema(schemas['catalog.json'].id);
  if (!validate) throw new Error('catalog.json did not compile');
  return validate;
}

export function dataPackageValidator() {
  const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'tests/publisher/fixtures/tabular-data-package.schema.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  addFormats(ajv);
  return ajv.compile(schema);
}
