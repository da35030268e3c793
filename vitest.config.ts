import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/browser/** and test/compat/** run too; without Chromium (or, for test/compat/python.test.ts,
    // Debian's python3-authlib and python3-requests-oauthlib) they skip with the reason, or fail when CI is set
    exclude: ['node_modules/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
