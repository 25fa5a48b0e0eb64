#!/usr/bin/env node
// The published entry point: the built CLI, bundled into one file (see rolldown.config.mjs).
// In a clone the bundle comes from `npm install` (its prepare step builds it); when
// that did not happen, say how to get it rather than print a module-loader stack.
let main;
try {
  ({ main } = await import('../dist/bundle/main.js'));
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/bundle/main.js')) throw err;
  process.stderr.write('ferry: the CLI is not built yet (no dist/bundle/main.js). Run `npm install` (or `npm run build`) in the ferry folder first.\n');
  process.exit(1);
}

main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => {
    process.stderr.write(`ferry: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
