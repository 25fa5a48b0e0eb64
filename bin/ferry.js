#!/usr/bin/env node
// The published entry point: the built CLI, bundled into one file (see rolldown.config.mjs).
// In a clone the bundle comes from `npm install` (its prepare step builds it); when
// that did not happen, say how to get it rather than print a module-loader stack.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * `ferry serve` runs for days and answers whoever connects. Its live memory is
 * bounded by design (the hash index at most ~100 MB, every request and
 * connection by a limit), but V8 grows its heap lazily against the machine's
 * size: 40 clients listing 200,000 entries left 360 MB resident, with only
 * garbage above ~170 MB. With this limit V8 collects sooner (the same storm
 * peaked at 183 MB), and a leak would show as an error instead of swap.
 */
const SERVE_HEAP_MB = 256;

if (process.argv[2] === 'serve' && !process.execArgv.some((a) => a.startsWith('--max-old-space-size'))) {
  // Run the server again with the limit (V8 reads it only at start). Signals
  // are passed on (a second Ctrl-C from the terminal is harmless), and the IPC
  // channel tells the server when we are gone, even killed with SIGKILL.
  const child = spawn(
    process.execPath,
    [`--max-old-space-size=${SERVE_HEAP_MB}`, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    },
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    process.stderr.write(`ferry: cannot start the server: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
} else {
  if (process.channel && process.argv[2] === 'serve') {
    // Started by the lines above: stop when the launcher goes, however it went.
    process.channel.unref();
    process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }
  let main;
  try {
    ({ main } = await import('../dist/bundle/main.js'));
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/bundle/main.js')) throw err;
    process.stderr.write('ferry: the CLI is not built yet (no dist/bundle/main.js). Run `npm install` (or `npm run build`) in the ferry folder first.\n');
    process.exit(1);
  }

  main(process.argv.slice(2)).then(
    (code) => {
      if (typeof code === 'number') process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`ferry: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
