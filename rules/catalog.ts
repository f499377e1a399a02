// The rule catalog: every rules/catalog/<ID>.yaml, validated, keyed by id. Technique names and
// parameters are checked here too, so a bad catalog fails before any data is touched.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { technique } from './registry.ts';
import { Rule } from './schema.ts';
import { DefinitionError, formatZodIssues, readYamlFile } from './yaml-file.ts';

export const DEFAULT_CATALOG_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'catalog');

export interface Catalog {
  dir: string;
  rules: ReadonlyMap<string, Rule>;
  /** The file each rule came from, for error messages. */
  files: ReadonlyMap<string, string>;
}

export async function loadCatalog(dir = DEFAULT_CATALOG_DIR): Promise<Catalog> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.yaml')).sort();
  const rules = new Map<string, Rule>();
  const files = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    const rule = await readYamlFile(file, Rule);
    if (name !== `${rule.id}.yaml`) throw new DefinitionError(file, `id: rule ${rule.id} must live in ${rule.id}.yaml`);
    if (rules.has(rule.id)) throw new DefinitionError(file, `id: duplicate rule id ${rule.id}`);
    rule.steps.forEach((step, i) => {
      let t;
      try {
        t = technique(step.technique);
      } catch (err) {
        throw new DefinitionError(file, `steps.${i}.technique: ${(err as Error).message}`);
      }
      const parsed = t.params.safeParse(step.params);
      if (parsed.error) throw new DefinitionError(file, `steps.${i}.params: ${formatZodIssues(parsed.error)}`);
      step.params = parsed.data as Record<string, unknown>;
    });
    rules.set(rule.id, rule);
    files.set(rule.id, file);
  }
  return { dir, rules, files };
}
