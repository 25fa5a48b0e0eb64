#!/usr/bin/env node
// The published entry point: the built CLI, bundled into one file (see rolldown.config.mjs).
import { main } from '../dist/bundle/main.js';

main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => {
    process.stderr.write(`ferry: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
