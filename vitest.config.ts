import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Integration tests start real servers and move real bytes; give them room
    // on a loaded 2-core machine, but never let a hung socket hang the suite.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
