// The entries of a recursive listing for a folder download, as the server
// walks, holding no more than the download needs next: past LISTING_HOLD
// entries taken from the server and not yet by the download, reading stops
// (list-flow.ts) until it has taken half of them. So a folder of 100,000
// files holds about a thousand entries here, not 100,000.

import { ListFlow } from './list-flow.js';
import type { ServerLink } from './server-link.js';
import { eitherSignal } from './transfer-queue.js';
import type { Entry } from './types.js';

/** Entries held at most before reading stops (plus what one read brings: a batch or a few of up to 128). */
export const LISTING_HOLD = 1024;

/**
 * The entries of a recursive listing of `path`, batch by batch as they
 * arrive. Aborting `signal` cancels the walk; leaving the loop early does too.
 */
export async function* treeListing(client: Pick<ServerLink, 'listStream'>, path: string, signal?: AbortSignal, flow = new ListFlow()): AsyncGenerator<Entry> {
  const batches: Entry[][] = [];
  let held = 0;
  let wake: (() => void) | undefined;
  let ended = false;
  let error: unknown;
  const stopped = new AbortController();
  const walk = client
    .listStream(
      { path, recursive: true },
      {
        onBatch: (entries) => {
          batches.push(entries);
          held += entries.length;
          if (held >= LISTING_HOLD) flow.pause();
          wake?.();
        },
        signal: eitherSignal(stopped.signal, signal),
        flow,
      },
    )
    .then(
      () => (ended = true),
      (err: unknown) => (error = err),
    )
    .finally(() => wake?.());
  try {
    for (;;) {
      const next = batches.shift();
      if (next) {
        held -= next.length;
        if (held < LISTING_HOLD / 2) flow.resume();
        yield* next;
        continue;
      }
      if (error !== undefined) throw error;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    if (!ended && error === undefined) stopped.abort();
    await walk;
  }
}
