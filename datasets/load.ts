// Loads every dataset definition in datasets/*.yaml through the DatasetDef schema, once.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefinitionError, readYamlFile } from '../rules/yaml-file.ts';
import { DatasetDef } from './schema.ts';

export const DEFAULT_DATASETS_DIR = path.dirname(fileURLToPath(import.meta.url));

export interface LoadedDataset {
  file: string;
  def: DatasetDef;
}

export async function loadDatasets(dir = DEFAULT_DATASETS_DIR): Promise<LoadedDataset[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.yaml')).sort();
  const out: LoadedDataset[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const def = await readYamlFile(file, DatasetDef);
    if (name !== `${def.slug}.yaml`) throw new DefinitionError(file, `slug: dataset ${def.slug} must live in ${def.slug}.yaml`);
    const clash = out.find((d) => d.def.id === def.id);
    if (clash) throw new DefinitionError(file, `id: ${def.id} is already used by ${clash.file}`);
    out.push({ file, def });
  }
  return out;
}
