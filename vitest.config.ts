import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Every file works in a temp folder of its own, checked empty at its end.
    globalSetup: ['test/setup/global-temp.ts'],
    setupFiles: ['test/setup/file-temp.ts'],
    // Integration tests start real servers and move real bytes; give them room
    // on a loaded 2-core machine, but never let a hung socket hang the suite.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
