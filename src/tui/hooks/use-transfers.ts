// Background transfers through one queue. Every download and upload the app
// starts (one file, marked files, a whole folder) waits in a TransferQueue as a
// description and runs only when one of its `transfers` slots is free, so 20,000
// marked files are 20,000 small queue entries, never 20,000 open transfers; a
// folder is listed when the queue reaches it and its files read as it drains.
// Progress lands in a ref and reaches React at most every REDRAW_MS, so a fast
// download never waits on the screen and the screen never floods.

import { useCallback, useEffect, useRef } from 'react';
import { DEFAULT_TRANSFERS } from '../../client/download.js';
import { formatBytes } from '../../format.js';
import { Failure, failureReason } from '../../client/failure.js';
import type { SavedEntry } from '../../client/saved-queue.js';
import { type Outcome, type QueueTask, TransferQueue } from '../../client/transfer-queue.js';
import type { DownloadResult, FerryApi, Transport, TransferProgress, UploadResult } from '../../client/types.js';
import { errorText } from '../errors.js';
import { type ConflictAnswer, type ConflictsState, conflictsReducer, initialConflicts, settledBy } from '../state/conflicts.js';
import { initialTransfers, rowCount, runningCount, transfersReducer, type TransfersState } from '../state/transfers.js';
import { runJobOnce } from './run-job.js';
import {
  codeOf,
  type FailedTransfer,
  type FileToDownload,
  type FileToUpload,
  folderJobs,
  type Job,
  jobsOf,
  type ListingHeld,
  rowError,
} from './transfer-jobs.js';
import { Unfinished } from './unfinished.js';
import { JobGroup, localFolderJobs } from './upload-folder-jobs.js';
import { type Latest, useStore, useThrottledStore } from './use-store.js';

export type { FailedTransfer, FileToDownload, FileToUpload } from './transfer-jobs.js';

export const REDRAW_MS = 100;
/**
 * Conflicts waiting for an answer before the queue stops for them: up to this
 * many wait without holding a transfer slot (the queue goes on with other
 * files); beyond it each holds its slot until answered, so a batch where every
 * file conflicts cannot pile up without end.
 */
export const MAX_WAITING_CONFLICTS = 1000;

export interface TransferHooks {
  /** Downloads also compute their MD5 here. */
  md5Here?: boolean;
  /** Transfers open at once (the rest wait in the queue); DEFAULT_TRANSFERS unless set. */
  concurrency?: number;
  onDownloaded?: (r: DownloadResult) => void;
  onUploaded?: (r: UploadResult) => void;
  onFailed?: (f: FailedTransfer) => void;
}

export interface UploadFolderOptions {
  overwrite?: boolean;
  onDone?: (allLanded: boolean, files: number) => void;
}

export interface Transfers {
  transfers: TransfersState;
  /** The newest state, before React has drawn it. */
  latest: Latest<TransfersState>;
  download(path: string, transport: Transport, dest: string, size?: number, overwrite?: boolean): void;
  /** Many files into `dest`: queued at once, read by the queue as it drains. */
  downloadFiles(files: readonly FileToDownload[], transport: Transport, dest: string): void;
  /**
   * A whole remote folder into `dest`/<name>: listed when the queue reaches it, one queue entry per file.
   * A `group` counts its files as they land and hears whether the listing was whole (a move waits for it).
   */
  downloadFolder(path: string, transport: Transport, dest: string, overwrite?: boolean, group?: JobGroup): void;
  upload(localPath: string, remotePath: string, size?: number): void;
  uploadFiles(files: readonly FileToUpload[]): void;
  /**
   * A whole local folder (absolute `localPath`) as `remotePath` on the server:
   * walked as the queue drains, its folders made there (empty ones too).
   * `onDone` says, once, whether every file of it landed verified.
   */
  uploadFolder(localPath: string, remotePath: string, options?: UploadFolderOptions): void;
  clearFinished(): void;
  /** Cancel a running transfer, or drop a finished one from the list. */
  cancel(id: number): void;
  /** Stop starting new transfers (running ones finish), or start again. */
  togglePause(): void;
  /** Cancel everything: running transfers abort, queued ones never start. */
  cancelAll(): void;
  /** Abort everything still running or queued (on quit). */
  abortAll(): void;
  /** Destinations that exist and differ, waiting for the user, oldest first. */
  conflicts: ConflictsState;
  conflictsLatest: Latest<ConflictsState>;
  /** Answer the oldest conflict, or with `forAll` every waiting one of its batch and the rest of that batch to come. */
  answerConflict(answer: ConflictAnswer, forAll: boolean): void;
  /** What is not finished, to keep across a quit (at most `max` entries, and how many more there were). */
  unfinished(max: number): { entries: SavedEntry[]; left: number };
  /** Counts of what the app holds for its transfers, for tests and the bench: all bounded whatever the batch. */
  held(): { open: number; rows: number; listing: number; conflicts: number };
}

export function useTransfers(api: FerryApi, hooks: TransferHooks): Transfers {
  // Drawn at most every REDRAW_MS: a batch of small files changes it twice a file.
  const [transfers, dispatch, latest] = useThrottledStore(transfersReducer, (): TransfersState => initialTransfers, REDRAW_MS);
  const [conflicts, dispatchConflicts, conflictsLatest] = useStore(conflictsReducer, (): ConflictsState => initialConflicts);
  const pending = useRef(new Map<number, TransferProgress>());
  const controllers = useRef(new Map<number, AbortController>());
  const nextId = useRef(1);
  const hooksRef = useRef(hooks);
  hooksRef.current = hooks;
  const queueRef = useRef<TransferQueue<void> | null>(null);
  /** Bumped by cancel-all: a folder listed after it adds nothing. */
  const generation = useRef(0);
  /** Every batch's entries not yet finished; a batch's number (its unit) is also its scope for "for all". */
  const ledger = useRef(new Unfinished());
  /** Answers given "for all the rest of this batch", by batch. */
  const forAll = useRef(new Map<number, ConflictAnswer>());
  /** The job behind each waiting conflict, and the slot-holders waiting for theirs. */
  const conflictJobs = useRef(new Map<number, Job>());
  const slotHolders = useRef(new Map<number, () => void>());
  const nextConflict = useRef(1);
  const listingHeld = useRef<ListingHeld>({ now: 0, most: 0 });
  /** Groups of jobs whose files are still being counted in (folders going up or moved here, a sync's files). */
  const groups = useRef(new Set<JobGroup>());
  const running = runningCount(transfers) > 0;

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      if (pending.current.size === 0) return;
      const updates = pending.current;
      pending.current = new Map();
      dispatch({ type: 'progress', updates });
    }, REDRAW_MS);
    return () => clearInterval(timer);
  }, [running]);

  /** A conflict for the user; resolves at once unless too many wait already (then when it is answered). */
  const ask = (job: Job, here: string): Promise<void> => {
    if (job.kind === 'broken') return Promise.resolve();
    const id = nextConflict.current++;
    conflictJobs.current.set(id, job);
    dispatchConflicts({ type: 'add', conflict: { id, kind: job.kind, path: job.path, here, scope: job.scope ?? 0 } });
    if (conflictJobs.current.size <= MAX_WAITING_CONFLICTS) return Promise.resolve();
    return new Promise((resolve) => slotHolders.current.set(id, resolve));
  };

  /** Runs one job in a queue slot; settles its row and never throws. */
  const runJob = async (job: Job, signal: AbortSignal): Promise<void> => {
    const id = nextId.current++;
    const own = new AbortController();
    controllers.current.set(id, own);
    const both = AbortSignal.any([signal, own.signal]);
    const transport = job.kind === 'upload' ? 'tcp' : job.transport;
    const kind = job.kind === 'upload' ? 'upload' : 'download';
    dispatch({ type: 'start', id, kind, path: job.path, transport, total: job.size, now: Date.now() });
    const onProgress = (p: TransferProgress) => void pending.current.set(id, p);
    let waiting = false;
    try {
      if (job.kind === 'broken') throw job.error;
      for (;;) {
        const answer = job.existing ?? (job.scope !== undefined ? forAll.current.get(job.scope) : undefined);
        const out = await runJobOnce(api, job, answer, { signal: both, onProgress, md5Here: hooksRef.current.md5Here });
        pending.current.delete(id);
        if (out.kind === 'conflict') {
          // An answer for all of its batch came while it ran: no need to ask.
          if (answer === undefined && job.scope !== undefined && forAll.current.has(job.scope)) continue;
          dispatch({ type: 'conflict', id });
          waiting = true;
          controllers.current.delete(id);
          await ask(job, out.here);
          return;
        }
        if (out.kind === 'kept') {
          // The same bytes already there (checked by MD5) count as landed; a file left as it was does not.
          job.group?.settle(out.outcome === 'identical', job.path);
          dispatch({ type: 'done', id, bytes: 0, md5: out.md5, seconds: 0, note: out.note, outcome: out.outcome, now: Date.now() });
        } else if (out.kind === 'downloaded') {
          const r = out.r;
          const note = r.identical
            ? 'already identical'
            : r.restarted
              ? 'restarted: file changed'
              : r.resumedFrom
                ? `resumed at ${formatBytes(r.resumedFrom)}`
                : undefined;
          const outcome = r.identical ? ('identical' as const) : undefined;
          dispatch({
            type: 'done',
            id,
            bytes: r.bytes,
            md5: r.md5,
            seconds: r.seconds,
            cache: r.cache,
            retxPercent: r.udp?.lossPercent,
            note,
            outcome,
            now: Date.now(),
          });
          hooksRef.current.onDownloaded?.(r);
          if (job.kind === 'download') job.group?.settle(r.verified && !r.skipped, job.path);
        } else {
          const r = out.r;
          dispatch({ type: 'done', id, bytes: r.bytes, md5: r.md5, seconds: r.seconds, now: Date.now() });
          if (job.kind === 'upload') job.group?.settle(r.verified, job.path);
          hooksRef.current.onUploaded?.(r);
        }
        return;
      }
    } catch (err) {
      pending.current.delete(id);
      if (job.kind !== 'broken') job.group?.settle(false, job.path);
      const aborted = both.aborted;
      // Cancelled by the user: say so plainly, whatever the client's wording.
      const error = aborted ? 'cancelled' : errorText(err);
      dispatch({ type: 'failed', id, error: kind === 'download' ? rowError(err, aborted) : error, cancelled: aborted, now: Date.now() });
      hooksRef.current.onFailed?.({
        id,
        kind,
        path: job.path,
        error,
        code: aborted ? Failure.Cancelled : codeOf(err),
        reason: failureReason(err, aborted),
        transport,
        ...(job.kind === 'download' ? { dest: job.dest } : {}),
        size: job.size,
      });
    } finally {
      controllers.current.delete(id);
      // A job waiting for an answer is still to do (and kept across a quit).
      if (!waiting && job.scope !== undefined) ledger.current.settle(job.scope, job.index ?? 0);
    }
  };

  const task = (job: Job): QueueTask<void> => ({ label: job.path, size: job.size, run: (signal) => runJob(job, signal) });
  /** The queue's tasks for one batch (`scope`): each job numbered in it and counted as read when the queue takes it. */
  async function* tasksOf(jobs: AsyncIterable<Job>, scope: number, folder = false): AsyncGenerator<QueueTask<void>> {
    let index = 0;
    for await (const job of jobs) {
      const i = folder ? 0 : index++;
      ledger.current.read(scope, i);
      yield task({ ...job, scope, index: i });
    }
    ledger.current.exhausted(scope);
  }
  /** The callers' groups among `items`, so cancel-all ends them (a group over, its move or sync settled, is let go). */
  const watchGroups = (items: readonly { group?: JobGroup | undefined }[]) => {
    for (const g of groups.current) if (g.done) groups.current.delete(g);
    for (const it of items) if (it.group) groups.current.add(it.group);
  };
  /** True until the next cancel-all: a source read after it yields nothing more. */
  const alive = () => {
    const gen = generation.current;
    return () => gen === generation.current;
  };

  const onSettled = (o: Outcome<void>) => {
    if (o.ok) return;
    // Jobs settle their own rows; a rejection here is a task that never started.
    if (o.cancelled) dispatch({ type: 'dropped', files: 1, bytes: o.task.size ?? 0, now: Date.now() });
    else void runJob({ kind: 'broken', path: o.task.label, transport: 'tcp', error: o.error }, new AbortController().signal);
  };

  /** The queue, made on first use (and again after cancel-all, which retires one). */
  const queue = (): TransferQueue<void> => {
    if (queueRef.current) return queueRef.current;
    const q = new TransferQueue<void>(hooksRef.current.concurrency ?? DEFAULT_TRANSFERS, onSettled);
    if (latest.current.paused) q.pause();
    queueRef.current = q;
    return q;
  };

  const downloadFiles = useCallback(
    (files: readonly FileToDownload[], transport: Transport, dest: string, overwrite?: boolean) => {
      if (files.length === 0) return;
      dispatch({ type: 'enqueue', files: files.length, bytes: files.reduce((n, f) => n + (f.size ?? 0), 0), now: Date.now() });
      const scope = ledger.current.add(files.length, (i) => ({
        dir: 'down',
        path: files[i]!.path,
        dest: files[i]!.dest ?? dest,
        transport,
        ...sized(files[i]!.size),
      }));
      watchGroups(files);
      const make = (f: FileToDownload): Job => {
        const over = f.overwrite ?? overwrite;
        return {
          kind: 'download',
          path: f.path,
          transport,
          dest: f.dest ?? dest,
          size: f.size,
          ...(over ? { overwrite: over } : {}),
          ...(f.group ? { group: f.group } : {}),
        };
      };
      queue().pushFrom(tasksOf(jobsOf(files, make, alive()), scope));
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api],
  );

  const download = useCallback(
    (path: string, transport: Transport, dest: string, size?: number, overwrite?: boolean) => downloadFiles([{ path, size }], transport, dest, overwrite),
    [downloadFiles],
  );

  const downloadFolder = useCallback(
    (path: string, transport: Transport, dest: string, overwrite?: boolean, group?: JobGroup) => {
      dispatch({ type: 'enqueue', files: 0, bytes: 0, listing: 1, now: Date.now() });
      const stillAlive = alive();
      const onListed = (files: number, bytes: number, done: boolean) => {
        if (stillAlive()) dispatch({ type: 'listed', files, bytes, done, now: Date.now() });
      };
      const scope = ledger.current.add(1, () => ({ dir: 'down', path, dest, transport, folder: true }), true);
      const q = queue();
      if (group) watchGroups([{ group }]);
      q.pushFrom(
        tasksOf(folderJobs(api, { path, transport, dest, overwrite, ...(group ? { group } : {}) }, stillAlive, onListed, listingHeld.current), scope, true),
      );
      // Once everything queued has landed: the folder's empty folders, and every
      // folder's time (writing files into a folder changes it, so this comes last).
      void q.idle().then(() => {
        if (stillAlive()) void api.download(path, { dest, transport, recursive: true, foldersOnly: true }).catch(() => {});
      });
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api],
  );

  const uploadFiles = useCallback(
    (files: readonly FileToUpload[]) => {
      if (files.length === 0) return;
      dispatch({ type: 'enqueue', files: files.length, bytes: files.reduce((n, f) => n + (f.size ?? 0), 0), now: Date.now() });
      const scope = ledger.current.add(files.length, (i) => ({ dir: 'up', local: files[i]!.localPath, path: files[i]!.remotePath, ...sized(files[i]!.size) }));
      watchGroups(files);
      const make = (f: FileToUpload): Job => ({
        kind: 'upload',
        localPath: f.localPath,
        path: f.remotePath,
        size: f.size,
        ...(f.overwrite ? { overwrite: true } : {}),
        ...(f.parents ? { parents: true } : {}),
        ...(f.group ? { group: f.group } : {}),
      });
      queue().pushFrom(tasksOf(jobsOf(files, make, alive()), scope));
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api],
  );

  const upload = useCallback((localPath: string, remotePath: string, size?: number) => uploadFiles([{ localPath, remotePath, size }]), [uploadFiles]);

  const uploadFolder = useCallback(
    (localPath: string, remotePath: string, options: UploadFolderOptions = {}) => {
      dispatch({ type: 'enqueue', files: 0, bytes: 0, listing: 1, now: Date.now() });
      const stillAlive = alive();
      const onListed = (files: number, bytes: number, done: boolean) => {
        if (stillAlive()) dispatch({ type: 'listed', files, bytes, done, now: Date.now() });
      };
      const group = new JobGroup((ok, files) => {
        groups.current.delete(group);
        options.onDone?.(ok, files);
      });
      groups.current.add(group);
      const scope = ledger.current.add(1, () => ({ dir: 'up', local: localPath, path: remotePath, folder: true }), true);
      const folder = { abs: localPath, remote: remotePath, group, ...(options.overwrite ? { overwrite: true } : {}) };
      queue().pushFrom(tasksOf(localFolderJobs(api, folder, stillAlive, onListed), scope, true));
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api],
  );

  const answerConflict = useCallback(
    (answer: ConflictAnswer, all: boolean) => {
      const answered = settledBy(conflictsLatest.current, all);
      if (answered.length === 0) return;
      if (all) forAll.current.set(answered[0]!.scope, answer);
      dispatchConflicts({ type: 'answered', ids: answered.map((c) => c.id) });
      for (const c of answered) {
        const job = conflictJobs.current.get(c.id);
        conflictJobs.current.delete(c.id);
        slotHolders.current.get(c.id)?.();
        slotHolders.current.delete(c.id);
        if (!job || job.kind === 'broken') continue;
        if (answer !== 'skip') {
          queue().push(task({ ...job, existing: answer }));
          continue;
        }
        // Left as it is: settled here, no transfer needed.
        const id = nextId.current++;
        const now = Date.now();
        const kind = job.kind === 'upload' ? 'upload' : 'download';
        dispatch({ type: 'start', id, kind, path: job.path, transport: job.kind === 'upload' ? 'tcp' : job.transport, total: job.size, now });
        const note = job.kind === 'upload' ? "kept the server's copy" : 'kept the local copy';
        dispatch({ type: 'done', id, bytes: 0, md5: '', seconds: 0, note, outcome: 'skipped', now });
        job.group?.settle(false, job.path);
        if (job.scope !== undefined) ledger.current.settle(job.scope, job.index ?? 0);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api],
  );

  const clearFinished = useCallback(() => dispatch({ type: 'clearFinished' }), [dispatch]);
  const cancel = useCallback(
    (id: number) => {
      const ac = controllers.current.get(id);
      if (ac) ac.abort();
      else dispatch({ type: 'remove', id });
    },
    [dispatch],
  );
  const togglePause = useCallback(() => {
    const now = Date.now();
    if (latest.current.paused) {
      queueRef.current?.resume();
      dispatch({ type: 'resume', now });
    } else {
      queueRef.current?.pause();
      dispatch({ type: 'pause', now });
    }
  }, [dispatch, latest]);
  const cancelAll = useCallback(() => {
    generation.current++;
    const q = queueRef.current;
    // A cancelled queue takes nothing new: the next transfer gets a fresh one.
    queueRef.current = null;
    // Conflicts waiting are cancelled with the rest (cancelRest counts them).
    const waiting = [...conflictJobs.current.keys()];
    conflictJobs.current.clear();
    for (const wake of slotHolders.current.values()) wake();
    slotHolders.current.clear();
    if (waiting.length > 0) dispatchConflicts({ type: 'answered', ids: waiting });
    q?.cancelAll(); // waiting tasks settle as dropped now; running ones abort and settle as cancelled
    ledger.current.clear();
    forAll.current.clear();
    // A folder cut short has not landed whole: a move of it keeps its original.
    for (const g of [...groups.current]) g.abandon();
    dispatch({ type: 'cancelRest', now: Date.now() });
    dispatch({ type: 'resume', now: Date.now() });
  }, [dispatch]);

  const unfinished = useCallback((max: number) => ledger.current.entries(max), []);
  const held = useCallback(
    () => ({ open: controllers.current.size, rows: rowCount(latest.current), listing: listingHeld.current.now, conflicts: conflictJobs.current.size }),
    [latest],
  );

  return {
    transfers,
    latest,
    download,
    downloadFiles,
    downloadFolder,
    upload,
    uploadFiles,
    uploadFolder,
    clearFinished,
    cancel,
    togglePause,
    cancelAll,
    abortAll: cancelAll,
    conflicts,
    conflictsLatest,
    answerConflict,
    unfinished,
    held,
  };
}

const sized = (size: number | undefined) => (size !== undefined ? { size } : {});
