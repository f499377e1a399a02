// Reading a YAML file through a zod schema, once, with errors that name the file, the field
// path and what is allowed. Used for rules, dataset definitions and config.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { z } from 'zod';

export class DefinitionError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'DefinitionError';
  }
}

export function formatZodIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`)
    .join('; ');
}

export function parseWith<T>(file: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new DefinitionError(file, formatZodIssues(result.error));
  return result.data;
}

export async function readYamlFile<T>(file: string, schema: z.ZodType<T>): Promise<T> {
  let value: unknown;
  try {
    value = parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new DefinitionError(file, `not readable YAML: ${(err as Error).message}`);
  }
  return parseWith(file, schema, value);
}
