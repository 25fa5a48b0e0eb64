// The native BLAKE3 binding, loaded the first time something hashes. A static
// import would load the addon (~9 ms) at every CLI start-up, though most
// commands (--version, compare, index, logs) never hash in the client.
// Loading it is computation like the static import it replaces: no I/O of
// protocol/'s own, so protocol/ stays pure (test/architecture.test.ts).

import { createRequire } from 'node:module';
import type * as Blake from '@napi-rs/blake-hash';

let binding: typeof Blake | undefined;

/** The binding, loaded on first use. */
export function blake(): typeof Blake {
  binding ??= createRequire(import.meta.url)('@napi-rs/blake-hash') as typeof Blake;
  return binding;
}
