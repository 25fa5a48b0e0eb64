// A folder download (--recursive). The listing streams in as the server
// walks, read only as fast as the queue takes it (tree-listing.ts; nothing
// of it is kept but the folders, whose times are set at the end), and files
// go through the transfer queue as they are listed, a few tasks ahead:
//
// - small files (one chunk at most, by the listing) whose destination does
//   not exist yet are gathered into batches of up to MAX_BATCH_FILES files or
//   BATCH_BYTES, each batch one request and one durable landing
//   (batch-fetch.ts, small-files.ts): no stat and no handshake per file;
// - every other file (large, or in the way of a file already here, whose
//   conflict policy needs the server's hashes first) takes the one-file path,
//   which resumes and applies the policy.
//
// A file a batch could not deliver for a reason of its own (changed while
// read, grew past a chunk, failed its check) is fetched again on the one-file
// path, which knows what to do about each; files cut off by a lost
// connection are asked for again in a batch, up to LOST_CONNECTION_ATTEMPTS.
// Small files skip the download cache: its index is one file rewritten under
// a lock for every entry admitted, which for thousands of files of a few KiB
// costs far more than fetching them, and such files are quick to fetch again.

import { lstatSync, mkdirSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { type BatchOutcome, fetchBatch, MAX_BATCH_FILE_BYTES, MAX_BATCH_FILES, type SmallFile } from './batch-fetch.js';
import { FilesystemSync, type Syncer } from './fs-sync.js';
import { confineLocal } from './local-path.js';
import type { ServerLink } from './server-link.js';
import { treeListing } from './tree-listing.js';
import { DEFAULT_TRANSFERS, eitherSignal, type QueueTask, TransferQueue } from './transfer-queue.js';
import type { DownloadOptions, DownloadResult, Entry, RemoteStat, TreeCounts } from './types.js';

/** Times a file is tried when its connection is lost, each resuming the last. */
export const LOST_CONNECTION_ATTEMPTS = 5;
/** Bytes of files in one batch at most (by the listing's sizes). */
const BATCH_BYTES = 8 * 1024 * 1024;

/** The one-file path: stat the remote file again and download it to `dest` (its folder exists). */
export type OneFile = (remotePath: string, dest: string, options: DownloadOptions & { signal: AbortSignal }) => Promise<DownloadResult>;

export async function downloadTree(client: ServerLink, root: RemoteStat, destDir: string, options: DownloadOptions, oneFile: OneFile): Promise<DownloadResult> {
  const started = performance.now();
  const base = root.path === '' ? '' : `${root.path}/`;
  const top = confineLocal(destDir, root.name || client.info.share || 'share');
  const local = (p: string, name: string) => confineLocal(top, p.startsWith(base) ? p.slice(base.length) : name);
  const batching = client.info.features.includes('batch') && (options.transport ?? 'tcp') === 'tcp';
  const keep = options.keepFiles !== false;
  const files: DownloadResult[] = [];
  const counts: TreeCounts = { files: 0, fetched: 0, identical: 0, skipped: 0, failed: 0 };
  let bytes = 0;
  let transferred = 0;
  let allVerified = true;
  let allHits = true;
  let failure: unknown;
  // Folders: made as they are listed (before their files), given their times at the end.
  const folders: { dest: string; mtimeMs: number; depth: number }[] = [];
  // Folders this download created: nothing was in them, so their files need no look first (a file
  // that appears there meanwhile is still never replaced: a batch links, and EXISTS goes the one-file way).
  const fresh = new Set<string>();
  if (mkdirSync(top, { recursive: true }) !== undefined) fresh.add(top);

  const settled = (r: DownloadResult) => {
    counts.files++;
    if (r.identical) counts.identical++;
    else if (r.skipped) counts.skipped++;
    else counts.fetched++;
    bytes += r.bytes;
    transferred += r.transferred;
    allVerified &&= r.verified;
    allHits &&= r.cache === 'hit';
    options.onFile?.(r);
    if (keep) files.push(r);
  };
  const transfers = options.transfers ?? DEFAULT_TRANSFERS;
  // A task is a batch of up to MAX_BATCH_FILES files: a few waiting keep every transfer busy.
  const queue = new TransferQueue<DownloadResult[]>(
    transfers,
    (o) => {
      if (o.ok) return void o.value.forEach(settled);
      counts.failed++;
      failure ??= o.error;
      queue.cancelAll();
    },
    { readAhead: transfers * 2 },
  );
  const stop = () => queue.cancelAll();
  options.signal?.addEventListener('abort', stop, { once: true });

  const single = (file: Entry): QueueTask<DownloadResult[]> => ({
    label: file.path,
    size: file.size,
    run: async (signal) => [
      await oneFileRetrying(file.path, local(file.path, file.name), { ...options, signal: eitherSignal(signal, options.signal) }, oneFile),
    ],
  });
  const batch = (group: SmallFile[], size: number): QueueTask<DownloadResult[]> => ({
    label: group[0]!.path,
    size,
    run: (signal) => runBatch(client, group, { ...options, signal: eitherSignal(signal, options.signal) }, oneFile, syncer),
  });

  async function* tasks(): AsyncGenerator<QueueTask<DownloadResult[]>> {
    let group: SmallFile[] = [];
    let groupBytes = 0;
    for await (const entry of treeListing(client, root.path, options.signal)) {
      const dest = local(entry.path, entry.name);
      if (entry.type === 'dir') {
        if (mkdirSync(dest, { recursive: true }) !== undefined) fresh.add(dest);
        folders.push({ dest, mtimeMs: entry.mtimeMs, depth: entry.path.split('/').length });
        continue;
      }
      if (entry.type !== 'file' || options.foldersOnly) continue;
      if (!batching || entry.size > MAX_BATCH_FILE_BYTES || (!fresh.has(path.dirname(dest)) && exists(dest))) {
        yield single(entry);
        continue;
      }
      group.push({ path: entry.path, dest });
      groupBytes += entry.size;
      if (group.length >= MAX_BATCH_FILES || groupBytes >= BATCH_BYTES) {
        yield batch(group, groupBytes);
        group = [];
        groupBytes = 0;
      }
    }
    if (group.length > 0) yield batch(group, groupBytes);
  }

  // One sync of the destination's filesystem per batch, where the platform has it (fs-sync.ts).
  const syncer = batching ? FilesystemSync.for(top) : undefined;
  queue.pushFrom(tasks());
  try {
    await queue.idle();
  } finally {
    syncer?.close();
  }
  options.signal?.removeEventListener('abort', stop);
  if (options.signal?.aborted) throw new FerryError(ErrorCode.Cancelled, 'cancelled');
  if (failure !== undefined) throw failure;
  // Folders last and deepest first: writing into a folder changes its time.
  folders.sort((x, y) => y.depth - x.depth);
  for (const f of folders) await keepTime(f.dest, f.mtimeMs);
  await keepTime(top, root.mtimeMs);
  return {
    path: root.path,
    dest: top,
    bytes,
    transferred,
    md5: '',
    verified: allVerified,
    transport: options.transport ?? 'tcp',
    cache: allHits && counts.files > 0 ? 'hit' : 'miss',
    seconds: (performance.now() - started) / 1000,
    mtime: root.mtime,
    counts,
    ...(keep ? { files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) } : {}),
  };
}

/**
 * One batch, and what it could not deliver: files cut off by a lost
 * connection are asked for again (a batch of just those, once the server
 * answers), the others take the one-file path. Its first failure fails the task.
 */
async function runBatch(
  client: ServerLink,
  group: SmallFile[],
  options: DownloadOptions & { signal: AbortSignal },
  oneFile: OneFile,
  syncer: Syncer | undefined,
): Promise<DownloadResult[]> {
  const results: DownloadResult[] = [];
  let pending = group;
  for (let attempt = 1; ; attempt++) {
    const outcomes: BatchOutcome[] = await fetchBatch(client, pending, {
      signal: options.signal,
      ...(syncer ? { syncer } : {}),
      ...(options.md5 ? { md5: true } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const lost: SmallFile[] = [];
    let lostError: FerryError | undefined;
    for (const o of outcomes) {
      if (o.ok) results.push(o.result);
      else if (o.error.code === ErrorCode.ConnectionLost) {
        lost.push(o.file);
        lostError = o.error;
      } else if (o.error.code === ErrorCode.Cancelled) throw o.error;
      else results.push(await oneFileRetrying(o.file.path, o.file.dest, options, oneFile));
    }
    if (lost.length === 0) return results;
    if (attempt >= LOST_CONNECTION_ATTEMPTS || options.signal.aborted) throw lostError;
    // stat waits (up to the client's reconnect wait) for a server that went away.
    await client.stat(lost[0]!.path);
    pending = lost;
  }
}

/** The one-file path, tried again (resuming) when its connection is lost. */
async function oneFileRetrying(
  remotePath: string,
  dest: string,
  options: DownloadOptions & { signal: AbortSignal },
  oneFile: OneFile,
): Promise<DownloadResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await oneFile(remotePath, dest, options);
    } catch (err) {
      // A connection lost mid-file leaves its verified chunks in the .part: try again, resuming.
      const lost = err instanceof FerryError && err.code === ErrorCode.ConnectionLost;
      if (!lost || attempt >= LOST_CONNECTION_ATTEMPTS || options.signal.aborted) throw err;
    }
  }
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The server's modification time on a folder (files get theirs as they land). */
async function keepTime(destAbs: string, mtimeMs: number): Promise<void> {
  const seconds = mtimeMs / 1000;
  await utimes(destAbs, seconds, seconds);
}
