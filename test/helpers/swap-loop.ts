// The race a local user with write access to the share can run: `root/race`
// (a real folder) and `root/race-sym` (a symlink to outside the share) trade
// places by rename, over and over, while requests use paths through `race/`.

import { rename } from 'node:fs/promises';

export interface SwapLoop {
  /** True once stop() was called or the loop ended by itself. */
  readonly stopped: boolean;
  stop(): void;
  /** Resolves with the number of full swaps made (each: to the link and back). */
  readonly done: Promise<number>;
}

/** Swap for at most `ms` or `max` swaps, whichever comes first, or until stopped. */
export function startSwapLoop(root: string, { ms = 1500, max = 20_000 } = {}): SwapLoop {
  let stopped = false;
  const done = (async () => {
    let swaps = 0;
    const deadline = Date.now() + ms;
    try {
      while (!stopped && Date.now() < deadline && swaps < max) {
        await rename(`${root}/race`, `${root}/race-parked`);
        await rename(`${root}/race-sym`, `${root}/race`);
        await new Promise((r) => setImmediate(r));
        await rename(`${root}/race`, `${root}/race-sym`);
        await rename(`${root}/race-parked`, `${root}/race`);
        await new Promise((r) => setImmediate(r));
        swaps++;
      }
    } finally {
      stopped = true;
    }
    return swaps;
  })();
  return {
    get stopped() {
      return stopped;
    },
    stop: () => {
      stopped = true;
    },
    done,
  };
}
