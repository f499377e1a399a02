// The resilience suite (`npm run test:resilience`): crash trials (SIGKILL during runs), source and
// disk faults, hostile HTTP traffic, admin surface and a 60 s load run. Slow, so it is not part of
// the default `npm test`; files run one at a time so the load run has the machine to itself.
import { defineConfig } from 'vitest/config';

process.env.TZ = 'UTC';

export default defineConfig({
  test: {
    include: ['tests/resilience/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    globalSetup: ['tests/global-tmp.ts'],
    fileParallelism: false,
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-resilience.json' },
  },
});
