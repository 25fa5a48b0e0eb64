// `ferry sync --watch`: one whole sync, then the destination kept in step as
// the source changes. Pulling, the source is the server's folder, followed
// with its watch (recursive); pushing, it is the local folder, followed with
// fs.watch (local-watch.ts). Either way the changed paths gather in one
// bounded map (protocol/watch-pending.ts) and each round syncs just those
// (syncPaths: compared, planned and carried out exactly as a whole sync does,
// with its verification and conflict rules). A `rescan` (the server dropped
// details, the connection came back, more paths than the map holds) is a
// whole sync again, which converges whatever was missed.
//
// Rule for the server's side, from docs/protocol.md: list after the watch is
// ready, apply events, list again on rescan. So the first whole sync starts
// only once the server is watching: nothing changed meanwhile falls between.
//
// A round that fails (the server went away mid-round) is retried whole after
// a pause that grows, or as soon as the connection is back. The pair's state
// is kept in memory and saved now and then and at the end, so a sync stopped
// with Ctrl-C is resumed by the next run like any other.

import { statSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { type ChangeKind, PendingChanges } from '../protocol/watch-pending.js';
import { DeadlineTimer } from '../transport/deadline-timer.js';
import type { Difference } from './compare.js';
import { EchoGuard } from './echo-guard.js';
import { LocalTreeWatcher } from './local-watch.js';
import { type SyncClient, type SyncOptions, type SyncResult, syncPaths, syncTrees } from './sync.js';
import { loadSyncState, type SyncRecord, saveSyncState } from './sync-state.js';
import type { ConnectionStatus, WatchOptions } from './types.js';

export interface WatchSyncClient extends SyncClient {
  watch(path: string, options: WatchOptions): Promise<void>;
  onStatus?(listener: (status: ConnectionStatus) => void): () => void;
}

/** Changed paths held between two rounds at most, as the server holds for one client. */
export const DEFAULT_MAX_PENDING = 4096;
/** Local changes are gathered this long after the first (the server gathers its own as long). */
export const GATHER_MS = 100;
/** A gathering pause this much late means events were not read for that long. */
const LAG_RESCAN_MS = 2000;
/** The state file is written at most this often while watching (and always at the end). */
const SAVE_EVERY_MS = 2000;
const RETRY_FIRST_MS = 500;
const FATAL: ReadonlySet<string> = new Set([ErrorCode.ReadOnly, ErrorCode.UnsupportedVersion, ErrorCode.BadRequest, ErrorCode.Unauthorized]);
const RETRY_MAX_MS = 30_000;

export interface WatchRound {
  /** A whole sync (first, or after a rescan), or a sync of `paths` changed paths. */
  whole: boolean;
  /** Why a whole sync: 'start', or the rescan's reason. */
  reason?: string;
  paths: number;
}

export interface WatchSyncOptions extends Omit<SyncOptions, 'dryRun' | 'state' | 'leaveAlone'> {
  /** Changed paths held at most; past it, a whole sync. */
  maxPending?: number;
  /** A round starts. */
  onRound?: (round: WatchRound) => void;
  /** A round ended, with what it did. */
  onRoundDone?: (round: WatchRound, result: SyncResult) => void;
  /** A round failed and will be tried again, whole. */
  onRoundFailed?: (round: WatchRound, error: unknown) => void;
}

export interface WatchSyncResult {
  rounds: number;
  wholeSyncs: number;
  /** Actions carried out, and failed, over all rounds. */
  done: number;
  failed: number;
  transferred: number;
  /** Events left alone because they showed what the sync itself had written. */
  echoes: number;
}

/**
 * Sync, then follow the source until `options.signal` aborts (resolves) or the
 * source cannot be followed any more (rejects: the watched folder went away).
 */
export async function watchSync(client: WatchSyncClient, remoteDir: string, localDir: string, options: WatchSyncOptions): Promise<WatchSyncResult> {
  const pull = options.direction === 'pull';
  const signal = options.signal;
  const remoteRoot = remoteDir.replace(/^\/+|\/+$/g, '');
  const localRoot = path.resolve(localDir);
  const pending = new PendingChanges('', options.maxPending ?? DEFAULT_MAX_PENDING);
  const guard = new EchoGuard(options.maxPending ?? DEFAULT_MAX_PENDING);
  const state: Map<string, SyncRecord> = options.stateFile ? await loadSyncState(options.stateFile) : new Map();
  const total: WatchSyncResult = { rounds: 0, wholeSyncs: 0, done: 0, failed: 0, transferred: 0, echoes: 0 };

  // One waiter at a time (this loop); woken by a change, the end of the watch, a reconnection or an abort.
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const sleep = (ms?: number) =>
    new Promise<void>((resolve) => {
      const timer = new DeadlineTimer(() => poke());
      wake = () => {
        timer.clear();
        resolve();
      };
      if (ms !== undefined) {
        const now = performance.now();
        timer.set(now + ms, now);
      }
    });
  /** A pause changes do not cut short. */
  const gather = (ms: number) =>
    new Promise<void>((resolve) => {
      const now = performance.now();
      new DeadlineTimer(resolve).set(now + ms, now);
    });
  signal?.addEventListener('abort', poke, { once: true });

  let ended: unknown;
  let ready = false;
  const stopWatch = new AbortController();
  let localWatcher: LocalTreeWatcher | undefined;
  const heard = (rel: string, kind: ChangeKind) => {
    pending.add(rel, kind);
    poke();
  };
  const rescan = (reason: string) => {
    pending.rescan(reason);
    poke();
  };
  let watching: Promise<void> | undefined;
  let connected = 0;
  const unfollow = client.onStatus?.((s) => {
    if (s.state === 'connected') {
      connected++;
      poke();
    }
  });

  try {
    if (pull) {
      const base = remoteRoot === '' ? '' : `${remoteRoot}/`;
      watching = client
        .watch(remoteRoot, {
          recursive: true,
          signal: stopWatch.signal,
          onReady: () => {
            ready = true;
            poke();
          },
          onEvents: (events) => {
            for (const e of events) {
              if (e.kind === 'rescan') rescan(e.reason ?? 'rescan');
              else if (e.path.startsWith(base) && e.path !== remoteRoot) heard(e.path.slice(base.length), e.kind);
            }
          },
        })
        .then(
          () => {
            ended ??= new FerryError(ErrorCode.ConnectionLost, 'the server stopped following the folder');
            poke();
          },
          (err: unknown) => {
            ended ??= err;
            poke();
          },
        );
      while (!ready && ended === undefined && !signal?.aborted) await sleep();
    } else {
      localWatcher = new LocalTreeWatcher(localRoot, { change: heard, rescan });
      localWatcher.start();
      ready = true;
    }

    pending.rescan('start');
    let retryMs = RETRY_FIRST_MS;
    let lastSave = performance.now();
    while (!signal?.aborted) {
      if (ended !== undefined) throw ended;
      if (!pending.due) {
        await sleep();
        continue;
      }
      // Local events come one by one: gather a moment's worth into one round (the server gathers its own).
      if (!pull) {
        const asked = performance.now();
        await gather(GATHER_MS);
        // Held up this long, the kernel's queue may have overflowed unseen (as the server reasons, subscription.ts).
        if (performance.now() - asked > GATHER_MS + LAG_RESCAN_MS) pending.rescan('overflow');
      }
      if (signal?.aborted) break;
      const batch = pending.take(Number.POSITIVE_INFINITY);
      const first = batch[0];
      const whole = first?.kind === 'rescan';
      const round: WatchRound = whole ? { whole, reason: first.reason ?? 'rescan', paths: 0 } : { whole, paths: batch.length };
      if (batch.length === 0) continue;
      if (whole && !pull && !isFolder(localRoot)) throw new FerryError(ErrorCode.NotFound, `${localRoot} is no longer a folder`);
      options.onRound?.(round);
      total.rounds++;
      if (whole) total.wholeSyncs++;
      const connectedBefore = connected;
      try {
        const roundOptions: SyncOptions = {
          ...options,
          state,
          onAction: (a, o) => {
            if (o.ok && a.kind === 'copy') guard.note(a.path, { size: a.size, mtimeMs: a.mtimeMs });
            else if (a.kind === 'delete' || a.kind === 'mkdir') guard.forget(a.path);
            options.onAction?.(a, o);
          },
          leaveAlone: (d: Difference) => {
            const src = pull ? d.remote : d.local;
            const echo = src?.type === 'file' && !src.error && guard.isEcho(d.path, src);
            if (echo) total.echoes++;
            return echo;
          },
        };
        const r = whole
          ? await syncTrees(client, remoteRoot, localRoot, roundOptions)
          : await syncPaths(
              client,
              remoteRoot,
              localRoot,
              batch.map((e) => e.path),
              roundOptions,
            );
        total.done += r.done;
        total.failed += r.failed.length;
        total.transferred += r.transferred;
        retryMs = RETRY_FIRST_MS;
        options.onRoundDone?.(round, r);
      } catch (err) {
        if (signal?.aborted) break;
        // What retrying cannot mend ends the watch: a read-only server, an older one, a plain bug.
        if (!(err instanceof FerryError) || FATAL.has(err.code)) throw err;
        options.onRoundFailed?.(round, err);
        // What the round would have done is unknown now: the next one is whole.
        pending.rescan('failed');
        if (connected === connectedBefore) await sleep(retryMs);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        continue;
      }
      if (options.stateFile && performance.now() - lastSave > SAVE_EVERY_MS) {
        await saveSyncState(options.stateFile, state);
        lastSave = performance.now();
      }
    }
    return total;
  } finally {
    signal?.removeEventListener('abort', poke);
    unfollow?.();
    stopWatch.abort();
    localWatcher?.close();
    await watching;
    if (options.stateFile) await saveSyncState(options.stateFile, state);
  }
}

function isFolder(abs: string): boolean {
  try {
    return statSync(abs).isDirectory();
  } catch {
    return false;
  }
}
