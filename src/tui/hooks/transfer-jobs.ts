// What the app's transfer queue holds: one job per file, small descriptions
// made as the queue reads them (marked files from their list, a folder's files
// from its listing), and how a failed one is worded for its row.

import { Failure, type FailureReason, failureReason } from '../../client/failure.js';
import { confineLocal } from '../../client/local-path.js';
import type { FerryApi, Transport } from '../../client/types.js';
import { errorText } from '../errors.js';
import type { ConflictAnswer } from '../state/conflicts.js';
import type { JobGroup } from './upload-folder-jobs.js';

/**
 * One file to move: what the queue holds until a slot is free. `scope` is its
 * batch (for answers "for all the rest of this batch"), `existing` the answer
 * to its own conflict once the user gave one.
 */
export type Job =
  | {
      kind: 'download';
      path: string;
      transport: Transport;
      dest: string;
      size?: number;
      overwrite?: boolean;
      /** The folder or batch it belongs to, counting its files as they land (a folder moved here, a sync). */
      group?: JobGroup;
      scope?: number;
      index?: number;
      existing?: ConflictAnswer;
    }
  | {
      kind: 'upload';
      localPath: string;
      path: string;
      size?: number;
      overwrite?: boolean;
      parents?: boolean;
      /** The folder or batch it belongs to, counting its files as they land (a folder moved to the server, a sync). */
      group?: JobGroup;
      scope?: number;
      index?: number;
      existing?: ConflictAnswer;
    }
  /** Something that cannot even start (a folder that could not be listed): a failed row. */
  | { kind: 'broken'; path: string; transport: Transport; error: unknown; size?: undefined; scope?: number; index?: number };

export interface FailedTransfer {
  /** The transfer's row, to drop once a retry replaces it. */
  id: number;
  kind: 'download' | 'upload';
  path: string;
  error: string;
  /** The client's error code ('EXISTS', 'NOT_FOUND', …) when it gave one. */
  code?: string;
  /** Why it failed, to switch on (CANCELLED when the user stopped it). */
  reason: FailureReason;
  transport: Transport;
  dest?: string;
  size?: number;
}

export interface FileToDownload {
  path: string;
  size?: number;
  /** Its own destination folder (a sync's files land each in its place), instead of the batch's. */
  dest?: string;
  /** Replace a differing file there (a sync the user confirmed). */
  overwrite?: boolean;
  /** Counts it as it lands (a sync records each file it made). */
  group?: JobGroup;
}

export interface FileToUpload {
  localPath: string;
  remotePath: string;
  size?: number;
  /** Replace a differing file on the server (a sync the user confirmed). */
  overwrite?: boolean;
  /** Make the folders above it on the server that are missing. */
  parents?: boolean;
  /** Counts it as it lands (a sync records each file it made). */
  group?: JobGroup;
}

export function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * What a failed row says. The client words a differing local file for the command
 * line (--overwrite); here the user is asked instead, and the file stays unless
 * they say otherwise.
 */
export function rowError(err: unknown, aborted: boolean): string {
  switch (failureReason(err, aborted)) {
    case Failure.Cancelled:
      return 'cancelled';
    case Failure.Differs:
      return "kept the local copy: it differs from the server's";
    default:
      return errorText(err);
  }
}

/** Where a file of a folder download lands: `dest`, then its path below the folder's parent. */
export function folderFileDest(dest: string, folder: string, file: string): string {
  const parent = folder.includes('/') ? folder.slice(0, folder.lastIndexOf('/')) : '';
  const rel = parent === '' ? file : file.slice(parent.length + 1);
  const abs = confineLocal(dest, rel); // a server-supplied name never leaves `dest`
  return abs.slice(0, abs.lastIndexOf('/'));
}

/** Jobs made from `items` one at a time, as the queue asks, until `alive` says stop (cancel-all). */
export async function* jobsOf<T>(items: readonly T[], make: (item: T, index: number) => Job, alive: () => boolean): AsyncGenerator<Job> {
  for (let i = 0; i < items.length; i++) {
    if (!alive()) return;
    yield make(items[i]!, i);
  }
}

/** Listing entries a folder job holds, read and not yet made into jobs: for tests and the bench to watch. */
export interface ListingHeld {
  now: number;
  most: number;
}

/**
 * A folder's files as jobs, each into its place below `dest`. The folder is
 * walked one folder at a time, each listing streamed: files become jobs as
 * their batches arrive, subfolders wait on a stack of names, so what is held
 * is one folder's files not yet taken (as small records), never the tree.
 * `onListed` counts files into the batch as they are seen, and once more with
 * `done` at the end; a folder that cannot be listed is one broken job,
 * counted as one file. A `group` counts the jobs (a move waits for all of
 * them to land) and hears at the end whether the walk was whole.
 */
export async function* folderJobs(
  api: FerryApi,
  folder: { path: string; transport: Transport; dest: string; overwrite?: boolean; group?: JobGroup },
  alive: () => boolean,
  onListed: (files: number, bytes: number, done: boolean) => void,
  held: ListingHeld = { now: 0, most: 0 },
): AsyncGenerator<Job> {
  const { path, transport, dest, overwrite, group } = folder;
  const dirs: string[] = [path];
  let whole = true;
  let complete = false;
  try {
    while (dirs.length > 0) {
      const dir = dirs.pop()!;
      const files: { path: string; size: number }[] = [];
      let head = 0;
      let wake: (() => void) | null = null;
      let ended = false;
      let failed: { error: unknown } | null = null;
      const stop = new AbortController();
      const listing = api
        .listStream(
          { path: dir },
          {
            signal: stop.signal,
            onBatch: (batch) => {
              if (!alive()) return;
              let n = 0;
              let bytes = 0;
              for (const e of batch) {
                if (e.type === 'dir') dirs.push(e.path);
                else if (e.type === 'file' && e.path.startsWith(`${path}/`)) {
                  files.push({ path: e.path, size: e.size });
                  n++;
                  bytes += e.size;
                }
              }
              held.now += n;
              held.most = Math.max(held.most, held.now);
              if (n > 0) onListed(n, bytes, false);
              wake?.();
            },
          },
        )
        .then(
          () => void (ended = true),
          (error: unknown) => void ((ended = true), (failed = { error })),
        )
        .finally(() => wake?.());
      try {
        for (;;) {
          if (head < files.length) {
            const f = files[head]!;
            // Taken: the slot is freed, and the array itself once all are taken.
            files[head++] = undefined as never;
            held.now--;
            if (head === files.length) (files.length = 0), (head = 0);
            if (!alive()) return;
            let to: string;
            try {
              to = folderFileDest(dest, path, f.path);
            } catch (error) {
              whole = false;
              yield { kind: 'broken', path: f.path, transport, error };
              continue;
            }
            group?.add(f.path);
            yield { kind: 'download', path: f.path, transport, dest: to, size: f.size, overwrite, ...(group ? { group } : {}) };
            continue;
          }
          if (ended) break;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
      } finally {
        // Stopped early (cancel all): the server stops walking too.
        if (!ended) stop.abort();
        held.now -= files.length - head;
        await listing;
      }
      if (failed !== null) {
        if (!alive()) return;
        whole = false;
        onListed(1, 0, false);
        yield { kind: 'broken', path: dir, transport, error: (failed as { error: unknown }).error };
      }
    }
    complete = true;
  } finally {
    // Stopped early (cancel all, or the queue let go of it): not whole.
    group?.end(whole && complete);
    onListed(0, 0, true);
  }
}
