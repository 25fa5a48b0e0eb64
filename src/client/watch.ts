// Following a folder of the share across connection drops. The server's watch
// lives on the control connection; when that is lost, the watch is asked for
// again on the new one, and then a `rescan` tells the caller that changes may
// have been missed meanwhile, so it lists the folder again and converges.

import { MAX_PATH_BYTES } from '../protocol/limits.js';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { WATCH_KINDS, type WatchEvent } from '../protocol/messages.js';
import { escapeControls } from '../safe-text.js';
import type { RpcConnection } from './rpc.js';
import type { WatchOptions } from './types.js';

/** What a watch needs of the client: its control connection, re-established by itself. */
export interface ControlLink {
  rpc(): Promise<RpcConnection>;
  readonly isClosed: boolean;
}

/** Codes after which the watch is asked for again once the server answers: the connection went, not the watch. */
const DROPPED: ReadonlySet<string> = new Set([ErrorCode.ConnectionLost, ErrorCode.ShuttingDown]);

export async function watchFolder(link: ControlLink, path: string, options: WatchOptions): Promise<void> {
  const { signal } = options;
  let again = false;
  while (!signal?.aborted && !link.isClosed) {
    let rpc: RpcConnection | undefined;
    try {
      // While the server is away this waits for it to come back; a stop ends the wait at once.
      const next = await untilAborted(link.rpc(), signal);
      if (next === undefined) return;
      rpc = next;
      let root = path;
      await rpc.request(
        { op: 'watch', path, ...(options.recursive ? { recursive: true } : {}) },
        {
          ...(signal ? { signal } : {}),
          onItem: (h) => {
            if (h.ready === true) {
              if (typeof h.path === 'string') root = h.path;
              options.onReady?.();
              // Changes while there was no watch are unknown: the caller lists again.
              if (again) options.onEvents([{ path: root, kind: 'rescan', reason: 'reconnected' }]);
              again = true;
              return;
            }
            const events = eventsOf(h.events);
            if (events.length > 0) options.onEvents(events);
          },
        },
      );
      return; // the server ended the watch itself
    } catch (err) {
      if (signal?.aborted || link.isClosed) return;
      if (!(err instanceof FerryError) || !DROPPED.has(err.code)) throw err;
      again = true;
      // A server going away refuses new requests until its connection closes: wait for that, not in a loop.
      const conn = rpc;
      if (conn && !conn.closed) await new Promise<void>((resolve) => conn.onClosed(() => resolve()));
    }
  }
}

/** An ITEM's events, checked: a known kind, a path of bounded length; anything else is left out. */
function eventsOf(value: unknown): WatchEvent[] {
  if (!Array.isArray(value)) return [];
  const out: WatchEvent[] = [];
  for (const e of value) {
    if (typeof e !== 'object' || e === null) continue;
    const { path, kind, reason } = e as Record<string, unknown>;
    if (typeof path !== 'string' || typeof kind !== 'string' || !WATCH_KINDS.has(kind) || Buffer.byteLength(path) > MAX_PATH_BYTES) continue;
    // Paths stay exact (the caller acts on them); the reason is only shown.
    out.push({ path, kind: kind as WatchEvent['kind'], ...(typeof reason === 'string' ? { reason: escapeControls(reason.slice(0, 64)) } : {}) });
  }
  return out;
}

/** The promise's value, or undefined as soon as `signal` aborts (its failure after that is dropped). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => {});
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const stop = () => {
      p.catch(() => {});
      resolve(undefined);
    };
    signal.addEventListener('abort', stop, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', stop);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', stop);
        reject(err);
      },
    );
  });
}
