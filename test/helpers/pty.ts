// The pseudo-terminal behind the end-to-end tests. @lydell/node-pty is node-pty
// with prebuilt binaries for Linux, macOS and Windows on x64 and arm64, so an
// ordinary `npm install` needs no compiler (node-pty itself builds with node-gyp).
// On a platform it has no binary for, the terminal tests are skipped with a line
// saying how to get one; in CI a missing terminal fails the run instead, so those
// tests can never be skipped there without anyone noticing.

import type * as Pty from '@lydell/node-pty';

async function load(): Promise<typeof Pty | undefined> {
  try {
    return await import('@lydell/node-pty');
  } catch (err) {
    const why =
      `no pseudo-terminal for the end-to-end tests: @lydell/node-pty did not load (${(err as Error).message}). ` +
      'It ships prebuilt binaries for linux, darwin and win32 on x64 and arm64; elsewhere install node-pty with a C++ toolchain.';
    if (process.env.CI) throw new Error(why);
    process.stderr.write(`skipping: ${why}\n`);
    return undefined;
  }
}

export const pty = await load();
export type IPty = Pty.IPty;
