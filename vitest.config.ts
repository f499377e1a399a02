// Test runner settings: fixed time zone, generous timeouts for DuckDB-backed end-to-end tests.
import { defineConfig } from 'vitest/config';

process.env.TZ = 'UTC';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Slow crash, fault and load trials: `npm run test:resilience` (vitest.resilience.config.ts).
    exclude: ['**/node_modules/**', 'tests/resilience/**'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    globalSetup: ['tests/global-tmp.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
  },
});
