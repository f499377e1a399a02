// Deployment settings: the agency, where records come from, where releases go. Defaults run the
// embedded demo; a publisher.config.yaml (never committed with secrets) overrides any of them.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_PART_LAYOUT } from '../publisher/parts.ts';
import { readYamlFile } from '../rules/yaml-file.ts';

export const Config = z.object({
  agency: z.object({
    name: z.string().default('Demo City Police Department'),
    timezone: z.string().default('America/Los_Angeles'),
    contactEmail: z.string().email().default('opendata@police.demo-city.example'),
  }).default({ name: 'Demo City Police Department', timezone: 'America/Los_Angeles', contactEmail: 'opendata@police.demo-city.example' }),
  /** Where records come from: a CSV drop folder, or PostgreSQL (connection from PG* env vars). */
  source: z.enum(['csv', 'postgres']).default('csv'),
  /** The CSV drop folder. */
  sourceDir: z.string().default('demo-records'),
  /** PostgreSQL schema holding the contract's tables. */
  postgresSchema: z.string().default('records'),
  /** An agency's source mapping file (other column names or codes onto the contract). */
  mappingFile: z.string().optional(),
  /** Where releases, staging and run history live. */
  dataDir: z.string().default('data'),
  /** The portal's public address, used in metadata links. */
  publicUrl: z.string().url().default('http://localhost:8080'),
  /** The rule catalog and dataset definitions; the ones shipped in this repository by default. */
  catalogDir: z.string().optional(),
  datasetsDir: z.string().optional(),
  /** DuckDB's memory budget for staging; larger work spills to DATA/staging/tmp. */
  stagingMemoryLimit: z.string().regex(/^\d+(\.\d+)?\s*(MB|GB|MiB|GiB)$/).default('4GB'),
  /** Bulk CSV/JSON of datasets with more than `above` rows are stored as parts of `rows` rows, and a
   *  run rewrites only the parts whose rows changed (publisher/parts.ts). */
  bulkParts: z.object({ above: z.number().int().min(0).default(DEFAULT_PART_LAYOUT.above), rows: z.number().int().min(10).default(DEFAULT_PART_LAYOUT.rows) })
    .default(DEFAULT_PART_LAYOUT),
  /** Releases kept on disk. */
  keepReleases: z.number().int().min(1).default(5),
  /** Demo records generated when the source folder is empty. */
  demo: z.object({ years: z.number().int().min(1).max(20).default(2), seed: z.number().int().default(1) }).default({ years: 2, seed: 1 }),
});
export type Config = z.infer<typeof Config>;

export const CONFIG_FILE = 'publisher.config.yaml';

/** Reads publisher.config.yaml from `dir` if present; relative paths resolve against `dir`. */
export async function loadConfig(dir = process.cwd(), file = path.join(dir, CONFIG_FILE)): Promise<Config> {
  const config = existsSync(file) ? await readYamlFile(file, Config) : Config.parse({});
  const resolve = (p: string | undefined) => (p === undefined ? undefined : path.resolve(dir, p));
  return {
    ...config,
    sourceDir: path.resolve(dir, config.sourceDir),
    dataDir: path.resolve(dir, config.dataDir),
    catalogDir: resolve(config.catalogDir),
    mappingFile: resolve(config.mappingFile),
    datasetsDir: resolve(config.datasetsDir),
  };
}
