// X1, X2, C1, U5, U6: definition checks. They produce no SQL; they refuse a dataset definition
// that would read a forbidden field, so a mistake fails the run instead of leaking.
import { z } from 'zod';
import type { Sensitivity } from '../../pipelines/contract.ts';
import { defineTechnique, type CheckContext } from './types.ts';

function readers(ctx: CheckContext<unknown>, field: string): string[] {
  return [...ctx.reads].filter(([, fields]) => fields.includes(field)).map(([col]) => col);
}

export const dropFields = defineTechnique({
  name: 'drop_fields',
  summary: 'These fields are never published, in any form.',
  params: z.object({}).default({}),
  protects: [],
  check(ctx) {
    return ctx.stepFields.flatMap((f) => readers(ctx, f).map((col) => `column "${col}" reads dropped field "${f}"`));
  },
  describe: () => 'not published',
});

export const forbidSensitivity = defineTechnique({
  name: 'forbid_sensitivity',
  summary: 'No published column may read a field of this kind, whatever rules it applies.',
  params: z.object({ sensitivity: z.array(z.enum(['direct', 'free_text', 'exact_location', 'record_id', 'quasi', 'none'])) }),
  protects: [],
  check(ctx) {
    const banned = new Set<Sensitivity>(ctx.params.sensitivity);
    return ctx.fields
      .filter((f) => banned.has(f.sensitivity))
      .flatMap((f) => readers(ctx, f.name).map((col) => `column "${col}" reads ${f.sensitivity} field "${f.name}"`));
  },
  describe: (p) => `no column may read ${p.sensitivity.join(', ')} fields`,
});

export const allowlist = defineTechnique({
  name: 'allowlist',
  summary: 'Only the columns declared in the dataset definition leave the staging database; every other field stays behind.',
  params: z.object({}).default({}),
  protects: [],
  check: () => [],
  describe: () => 'only declared columns are selected',
});

export const publishAsIs = defineTechnique({
  name: 'publish_as_is',
  summary: 'Publishes the value unchanged; the rule records that publishing it was reviewed.',
  params: z.object({}).default({}),
  protects: [],
  column: (ctx) => ctx.expr,
  describe: () => 'published as recorded',
});
