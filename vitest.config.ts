import { defineConfig } from 'vitest/config';

// Two projects selected by folder: `unit` needs nothing but the repo (browser tests are integration); `integration` talks to a
// real PostgreSQL (DATABASE_URL, or the local server at 127.0.0.1:5432) and runs files serially.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // web/test: the explorer's own logic (decoders, placement, colours, words), no browser.
          include: ['test/unit/**/*.test.ts', 'web/test/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
