import { defineConfig } from 'vitest/config';

// Two projects selected by folder: `unit` needs nothing but the repo; `integration` talks to a
// real PostgreSQL (DATABASE_URL, or the local server at 127.0.0.1:5432) and runs files serially.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
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
