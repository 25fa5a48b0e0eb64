// What the app's transfer queue holds: one job per file, small descriptions
// made as the queue reads them (marked files from their list, a folder's files
// from its listing), and how a failed one is worded for its row.

import { Failure, type FailureReason, failureReason } from '../../client/failure.js';
import { confineLocal } from '../../client/local-path.js';
import type { Entry, FerryApi, Transport } from '../../client/types.js';
import { errorText } from '../errors.js';

/** One file to move: what the queue holds until a slot is free. */
export type Job =
  | { kind: 'download'; path: string; transport: Transport; dest: string; size?: number; overwrite?: boolean }
  | { kind: 'upload'; localPath: string; path: string; size?: number }
  /** Something that cannot even start (a folder that could not be listed): a failed row. */
  | { kind: 'broken'; path: string; transport: Transport; error: unknown; size?: undefined };

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
}

export interface FileToUpload {
  localPath: string;
  remotePath: string;
  size?: number;
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
export async function* jobsOf<T>(items: readonly T[], make: (item: T) => Job, alive: () => boolean): AsyncGenerator<Job> {
  for (const item of items) {
    if (!alive()) return;
    yield make(item);
  }
}

/**
 * A folder's files as jobs: listed when the queue first asks, each into its place
 * below `dest`. `onListed` counts them into the batch (a listing that fails is one
 * broken job, counted as one file).
 */
export async function* folderJobs(
  api: FerryApi,
  folder: { path: string; transport: Transport; dest: string; overwrite?: boolean },
  alive: () => boolean,
  onListed: (files: number, bytes: number) => void,
): AsyncGenerator<Job> {
  const { path, transport, dest, overwrite } = folder;
  let files: Entry[];
  try {
    files = (await api.list({ path, recursive: true })).filter((e) => e.type === 'file' && e.path.startsWith(`${path}/`));
  } catch (error) {
    if (!alive()) return;
    onListed(1, 0);
    yield { kind: 'broken', path, transport, error };
    return;
  }
  if (!alive()) return;
  onListed(
    files.length,
    files.reduce((n, f) => n + f.size, 0),
  );
  for (const f of files) {
    if (!alive()) return;
    let to: string;
    try {
      to = folderFileDest(dest, path, f.path);
    } catch (error) {
      yield { kind: 'broken', path: f.path, transport, error };
      continue;
    }
    yield { kind: 'download', path: f.path, transport, dest: to, size: f.size, overwrite };
  }
}
