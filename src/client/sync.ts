// `ferry sync`: bring a destination folder in line with a source folder, one
// way. Compare (compare.ts), plan (sync-plan.ts), then carry the plan out:
// files through the transfer queue (a few at a time, each download verified
// chunk by chunk and given the source's time, as `ferry download` does: this
// calls the client's download and upload, nothing beneath them), deletions
// only with --delete and into a trash folder under the destination's root
// unless told otherwise. A sync cut off half way leaves what it finished in
// place (and the .part of what it was fetching), so running it again
// compares, finds those identical, and does only what is left.

import { mkdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { type CompareOptions, compareTrees, type Difference, type RemoteTree } from './compare.js';
import { confineLocal } from './local-path.js';
import { TRASH_DIR } from './local-tree.js';
import type { LocalHashIndex } from './local-index.js';
import { type ConflictPolicy, type Direction, planSync, type SyncAction } from './sync-plan.js';
import { loadSyncState, saveSyncState, type SyncRecord } from './sync-state.js';
import { DEFAULT_TRANSFERS, TransferQueue } from './transfer-queue.js';
import type { DownloadOptions, DownloadResult, FileOps, UploadOptions, UploadResult } from './types.js';

export interface SyncClient extends RemoteTree, Pick<FileOps, 'mkdir' | 'move' | 'remove'> {
  download(path: string, options?: DownloadOptions): Promise<DownloadResult>;
  upload(localPath: string, options?: UploadOptions): Promise<UploadResult>;
}

export interface SyncOptions extends Omit<CompareOptions, 'signal' | 'index'> {
  /** The local hash index (needed when comparing by content); sync remembers what it writes in it. */
  index?: LocalHashIndex;
  direction: Direction;
  delete?: boolean;
  /** With delete: remove for good instead of moving to <destination>/.ferry-trash/<time>/. */
  noTrash?: boolean;
  dryRun?: boolean;
  conflicts?: ConflictPolicy;
  /** The pair's state file (sync-state.ts); none: every difference is a conflict, nothing is remembered. */
  stateFile?: string;
  transfers?: number;
  /** Downloads bypass the download cache. */
  noCache?: boolean;
  signal?: AbortSignal;
  /** The plan, once made (before anything is changed). */
  onPlan?: (actions: readonly SyncAction[]) => void;
  /** Each action as it finishes (or fails). */
  onAction?: (action: SyncAction, outcome: { ok: boolean; error?: unknown; transferred?: number }) => void;
}

export interface SyncResult {
  diffs: Difference[];
  actions: SyncAction[];
  done: number;
  failed: { path: string; error: unknown }[];
  /** Bytes that crossed the network. */
  transferred: number;
  interrupted: boolean;
  /** Where deleted files went, when any did. */
  trash?: string;
}

export async function syncTrees(client: SyncClient, remoteDir: string, localDir: string, options: SyncOptions): Promise<SyncResult> {
  const pull = options.direction === 'pull';
  if (!pull && !client.info.features.includes('upload')) {
    throw new FerryError(ErrorCode.ReadOnly, `${client.info.address} is read-only (its server was not started with --allow-write): nothing can be pushed`);
  }
  // Deleting and making folders on the server came after uploads (feature 'write').
  if (!pull && options.delete && !client.info.features.includes('write')) {
    throw new FerryError(ErrorCode.ReadOnly, `${client.info.address} takes uploads but cannot delete (an older server): --push --delete is not possible`);
  }
  const localRoot = path.resolve(localDir);
  const remoteRoot = remoteDir.replace(/^\/+|\/+$/g, '');
  const remotePath = (p: string) => (remoteRoot === '' ? p : `${remoteRoot}/${p}`);
  const localPath = (p: string) => confineLocal(localRoot, p);

  const diffs = await compareTrees(client, remoteRoot, localRoot, { ...options, ...(options.signal ? { signal: options.signal } : {}) });
  const last = options.stateFile ? await loadSyncState(options.stateFile) : new Map<string, SyncRecord>();
  const actions = planSync(diffs, {
    direction: options.direction,
    ...(options.delete ? { delete: true } : {}),
    ...(options.conflicts ? { conflicts: options.conflicts } : {}),
    last,
  });
  const result: SyncResult = { diffs, actions, done: 0, failed: [], transferred: 0, interrupted: false };
  options.onPlan?.(actions);
  if (options.dryRun) return result;

  // The destination as this sync leaves it: what was identical, then what it changes.
  const records = new Map<string, SyncRecord>();
  for (const d of diffs) {
    const dest = pull ? d.local : d.remote;
    if (d.category === 'identical' && dest?.type === 'file')
      records.set(d.path, { size: dest.size, mtimeMs: dest.mtimeMs, ...(d.remote?.blake3 ? { blake3: d.remote.blake3 } : {}) });
    else if (d.category !== 'identical' && last.has(d.path)) records.set(d.path, last.get(d.path)!); // a conflict left alone stays one
  }
  const blake3Of = new Map(diffs.map((d) => [d.path, (pull ? d.remote : d.local)?.blake3]));
  const settled = (a: SyncAction, ok: boolean, error?: unknown, transferred?: number) => {
    if (ok) result.done++;
    else result.failed.push({ path: a.path, error });
    options.onAction?.(a, { ok, ...(error !== undefined ? { error } : {}), ...(transferred !== undefined ? { transferred } : {}) });
  };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const madeDirs: { path: string; mtimeMs: number }[] = [];

  try {
    for (const a of actions) {
      if (options.signal?.aborted) break;
      try {
        if (a.kind === 'delete') {
          if (pull) await deleteLocal(a.path);
          else await deleteRemote(a.path);
          records.delete(a.path);
          settled(a, true);
        } else if (a.kind === 'mkdir') {
          if (pull) await mkdir(localPath(a.path), { recursive: true });
          else await client.mkdir(remotePath(a.path), { parents: true });
          madeDirs.push(a);
          settled(a, true);
        } else if (a.kind === 'touch') {
          const abs = localPath(a.path);
          await utimes(abs, a.mtimeMs / 1000, a.mtimeMs / 1000);
          await remember(abs, a.path, blake3Of.get(a.path));
          settled(a, true);
        }
      } catch (err) {
        settled(a, false, err);
      }
    }

    const copies = actions.filter((a): a is Extract<SyncAction, { kind: 'copy' }> => a.kind === 'copy');
    const byPath = new Map(copies.map((c) => [c.path, c]));
    const queue = new TransferQueue<{ transferred: number }>(options.transfers ?? DEFAULT_TRANSFERS, (o) => {
      const a = byPath.get(o.task.label)!;
      if (o.ok) {
        result.transferred += o.value.transferred;
        settled(a, true, undefined, o.value.transferred);
      } else if (!o.cancelled) settled(a, false, o.error);
    });
    const stop = () => {
      result.interrupted = true;
      queue.cancelAll();
    };
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    for (const a of copies) {
      queue.push({
        label: a.path,
        size: a.size,
        run: async (signal) => {
          if (pull) {
            const abs = localPath(a.path);
            const r = await client.download(remotePath(a.path), {
              dest: path.dirname(abs),
              existing: a.keepBoth ? 'keep-both' : 'overwrite',
              signal,
              ...(options.noCache ? { noCache: true } : {}),
            });
            if (!a.keepBoth) await remember(abs, a.path, r.blake3);
            return { transferred: r.transferred };
          }
          const r = await client.upload(localPath(a.path), { as: remotePath(a.path), parents: true, overwrite: true, signal });
          records.set(a.path, { size: a.size, mtimeMs: a.mtimeMs, ...(blake3Of.get(a.path) ? { blake3: blake3Of.get(a.path)! } : {}) });
          return { transferred: r.bytes };
        },
      });
    }
    await queue.idle();
    options.signal?.removeEventListener('abort', stop);
    // Folders' times last, deepest first: putting files in a folder changes its time.
    // (On the server a folder keeps the time it is made at: no op sets it.)
    for (const d of pull ? madeDirs.sort((x, y) => y.path.length - x.path.length) : []) {
      await utimes(localPath(d.path), d.mtimeMs / 1000, d.mtimeMs / 1000).catch(() => undefined);
    }
  } finally {
    if (options.stateFile) await saveSyncState(options.stateFile, records);
    await options.index?.flush();
  }
  if (options.signal?.aborted) result.interrupted = true;
  return result;

  /** Into the trash under the local root, or gone with --no-trash. */
  async function deleteLocal(rel: string): Promise<void> {
    const abs = localPath(rel);
    if (options.noTrash) return rm(abs, { recursive: true, force: true });
    result.trash = path.join(localRoot, TRASH_DIR, stamp);
    const to = confineLocal(result.trash, rel);
    await mkdir(path.dirname(to), { recursive: true });
    await rename(abs, to);
  }

  /** The same on the server: moved into the share's trash folder (one atomic rename), or removed. */
  async function deleteRemote(rel: string): Promise<void> {
    if (options.noTrash) {
      await client.remove(remotePath(rel), { recursive: true });
      return;
    }
    const trash = remotePath(`${TRASH_DIR}/${stamp}`);
    result.trash = trash;
    const to = `${trash}/${rel}`;
    await client.mkdir(to.slice(0, to.lastIndexOf('/')), { parents: true });
    await client.move(remotePath(rel), to);
  }

  /** A file just made equal to the source: its state for the next sync, and its root in the local index so the next compare reads nothing. */
  async function remember(abs: string, rel: string, blake3: string | undefined): Promise<void> {
    const st = await stat(abs);
    records.set(rel, { size: st.size, mtimeMs: st.mtimeMs, ...(blake3 ? { blake3 } : {}) });
    if (blake3) options.index?.remember(st, { blake3 });
  }
}
