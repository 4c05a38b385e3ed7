import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: more workers only contend; e2e tests spawn their own processes.
    pool: 'forks',
    maxWorkers: 2,
  },
});
