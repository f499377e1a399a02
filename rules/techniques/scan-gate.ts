// X3: the scan gate. Its search patterns live in publisher/scan-patterns.ts and the search runs
// in publisher/scan.ts over every artifact of a release; this entry records the reviewed rule.
import { z } from 'zod';
import { defineTechnique } from './types.ts';

export const scanGate = defineTechnique({
  name: 'scan_gate',
  summary: 'Searches every artifact of a release for personal data before it is switched in; any hit blocks the release.',
  params: z.object({}).default({}),
  protects: [],
  describe: () => 'SSNs, phones, emails, dates of birth, exact addresses, plates near context words, and every source name, phone, id and serial',
});
