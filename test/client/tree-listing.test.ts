// A folder download's listing is read only as fast as the download takes
// it: however fast the server walks, the entries held between the two stay
// bounded (counted here, not timed), and every entry still arrives once.

import { afterEach, describe, expect, it } from 'vitest';
import { KEEP_ALIVE_MS, ListFlow } from '../../src/client/list-flow.js';
import { LISTING_HOLD, treeListing } from '../../src/client/tree-listing.js';
import type { Entry, ListOptions, ListStream } from '../../src/client/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const BATCH = 128;

function entry(i: number): Entry {
  const name = `f${i}.bin`;
  return { path: `big/${name}`, name, ext: 'bin', size: 1, mtimeMs: 0, mtime: new Date(0).toISOString(), type: 'file' };
}

/**
 * A server that walks as fast as it can: it sends batch after batch for as
 * long as the listing reads (synchronously, so nothing but the flow can hold
 * it back), and stops while its reading is paused.
 */
function fastServer(total: number) {
  const state = { sent: 0, pauses: 0 };
  const listStream = (_options: ListOptions, stream: ListStream): Promise<number> =>
    new Promise((resolve, reject) => {
      let paused = false;
      stream.signal?.addEventListener('abort', () => reject(stream.signal!.reason), { once: true });
      const pump = () => {
        while (!paused && state.sent < total) {
          if (stream.signal?.aborted) return reject(stream.signal.reason);
          const n = Math.min(BATCH, total - state.sent);
          const batch = Array.from({ length: n }, (_, k) => entry(state.sent + k));
          state.sent += n;
          stream.onBatch(batch);
        }
        if (state.sent === total) resolve(total);
      };
      stream.flow?.attach({
        pause: () => {
          paused = true;
          state.pauses++;
        },
        resume: () => {
          paused = false;
          queueMicrotask(pump);
        },
      });
      pump();
    });
  return { state, client: { listStream } };
}

describe('treeListing', () => {
  it('holds about LISTING_HOLD entries of 100,000, whatever the pace of its consumer, and gives each once', async () => {
    const total = 100_000;
    const { state, client } = fastServer(total);
    let taken = 0;
    let mostHeld = 0;
    const seen = new Set<string>();
    for await (const e of treeListing(client, 'big')) {
      taken++;
      seen.add(e.path);
      mostHeld = Math.max(mostHeld, state.sent - taken);
      // A slow consumer: every so often it waits a turn of the event loop, as a queue waiting on a transfer does.
      if (taken % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(taken).toBe(total);
    expect(seen.size).toBe(total);
    expect(state.pauses).toBeGreaterThan(10);
    expect(mostHeld).toBeLessThanOrEqual(LISTING_HOLD + BATCH);
  });

  it('stops the walk when the consumer leaves early', async () => {
    const { state, client } = fastServer(10_000);
    let taken = 0;
    for await (const _ of treeListing(client, 'big')) if (++taken === 300) break;
    expect(state.sent).toBeLessThanOrEqual(LISTING_HOLD + BATCH);
  });
});

describe('a paced listing from a real server', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('gives every entry once, on a connection of its own: the control connection answers while it is paused', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`tree/d${i % 7}/f${i}.txt`] = 'x';
    t = await startTestServer(files);
    const client = await t.connect({ noCache: true });
    const flow = new ListFlow();
    let paused = 0;
    const seen = new Set<string>();
    for await (const e of treeListing(client, 'tree', undefined, flow)) {
      seen.add(e.path);
      // A slow consumer, as a queue of transfers is: the server's batches pile up until reading stops.
      if (seen.size % 20 === 0) await new Promise((r) => setTimeout(r, 1));
      if (flow.isPaused && paused++ === 0) {
        // The listing waits for us; a request on the control connection does not.
        expect((await client.stat('tree/d0/f0.txt')).size).toBe(1);
      }
    }
    expect(paused).toBeGreaterThan(0);
    expect([...seen].filter((p) => p.endsWith('.txt'))).toHaveLength(3000);
    expect(seen.size).toBe(3007);
  });
});

describe('ListFlow', () => {
  it('paused long, reads one batch more and pauses again, so the server does not take the connection for dead', async () => {
    const calls: string[] = [];
    const flow = new ListFlow(5);
    flow.attach({ pause: () => calls.push('pause'), resume: () => calls.push('resume') });
    flow.pause();
    expect(calls).toEqual(['pause']);
    await until(() => calls.length === 2);
    expect(calls).toEqual(['pause', 'resume']);
    expect(flow.isPaused).toBe(false);
    flow.arrived(); // the one batch
    expect(calls).toEqual(['pause', 'resume', 'pause']);
    expect(flow.isPaused).toBe(true);
    flow.resume();
    expect(calls.at(-1)).toBe('resume');
    flow.arrived(); // reading freely: nothing changes
    expect(calls).toHaveLength(4);
    flow.detach();
    expect(KEEP_ALIVE_MS).toBeLessThan(60_000); // the server's default sendStallMs
  });
});

/** Poll `condition` until it holds (deadline 5 s). */
async function until(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 5000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}
