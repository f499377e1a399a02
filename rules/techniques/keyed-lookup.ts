// I7: the case status lookup. Its table is built by pipelines/case-lookup.ts; this entry records
// the reviewed parameters (namespace and hash length).
import { z } from 'zod';
import { defineTechnique } from './types.ts';

export const keyedLookup = defineTechnique({
  name: 'keyed_lookup',
  summary: 'Lets a person who holds a case number look up its public status, through an HMAC with a key only the portal holds.',
  params: z.object({ namespace: z.string().min(1), length: z.number().int().min(16).max(64) }),
  protects: [],
  describe: (p) => `HMAC-SHA256 of "${p.namespace}" and the number, first ${p.length} hex characters; status and report day only`,
});
