import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Native addons (nodejieba, hnswlib-node) are happiest in forked processes.
    pool: 'forks',
  },
});
