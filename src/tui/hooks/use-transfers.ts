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
import { type Outcome, type QueueTask, TransferQueue } from '../../client/transfer-queue.js';
import type { DownloadResult, FerryApi, Transport, TransferProgress, UploadResult } from '../../client/types.js';
import { errorText } from '../errors.js';
import { initialTransfers, runningCount, transfersReducer, type TransfersState } from '../state/transfers.js';
import { codeOf, type FailedTransfer, type FileToDownload, type FileToUpload, folderJobs, type Job, jobsOf, rowError } from './transfer-jobs.js';
import { type Latest, useStore } from './use-store.js';

export type { FailedTransfer, FileToDownload, FileToUpload } from './transfer-jobs.js';

export const REDRAW_MS = 100;

export interface TransferHooks {
  /** Downloads also compute their MD5 here. */
  md5Here?: boolean;
  /** Transfers open at once (the rest wait in the queue); DEFAULT_TRANSFERS unless set. */
  concurrency?: number;
  onDownloaded?: (r: DownloadResult) => void;
  onUploaded?: (r: UploadResult) => void;
  onFailed?: (f: FailedTransfer) => void;
}

export interface Transfers {
  transfers: TransfersState;
  /** The newest state, before React has drawn it. */
  latest: Latest<TransfersState>;
  download(path: string, transport: Transport, dest: string, size?: number, overwrite?: boolean): void;
  /** Many files into `dest`: queued at once, read by the queue as it drains. */
  downloadFiles(files: readonly FileToDownload[], transport: Transport, dest: string): void;
  /** A whole remote folder into `dest`/<name>: listed when the queue reaches it, one queue entry per file. */
  downloadFolder(path: string, transport: Transport, dest: string, overwrite?: boolean): void;
  upload(localPath: string, remotePath: string, size?: number): void;
  uploadFiles(files: readonly FileToUpload[]): void;
  clearFinished(): void;
  /** Cancel a running transfer, or drop a finished one from the list. */
  cancel(id: number): void;
  /** Stop starting new transfers (running ones finish), or start again. */
  togglePause(): void;
  /** Cancel everything: running transfers abort, queued ones never start. */
  cancelAll(): void;
  /** Abort everything still running or queued (on quit). */
  abortAll(): void;
}

export function useTransfers(api: FerryApi, hooks: TransferHooks): Transfers {
  const [transfers, dispatch, latest] = useStore(transfersReducer, (): TransfersState => initialTransfers);
  const pending = useRef(new Map<number, TransferProgress>());
  const controllers = useRef(new Map<number, AbortController>());
  const nextId = useRef(1);
  const hooksRef = useRef(hooks);
  hooksRef.current = hooks;
  const queueRef = useRef<TransferQueue<void> | null>(null);
  /** Bumped by cancel-all: a folder listed after it adds nothing. */
  const generation = useRef(0);
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

  /** Runs one job in a queue slot; settles its row and never throws. */
  const runJob = async (job: Job, signal: AbortSignal): Promise<void> => {
    const id = nextId.current++;
    const own = new AbortController();
    controllers.current.set(id, own);
    const both = AbortSignal.any([signal, own.signal]);
    const transport = job.kind === 'upload' ? 'tcp' : job.transport;
    dispatch({ type: 'start', id, kind: job.kind === 'upload' ? 'upload' : 'download', path: job.path, transport, total: job.size, now: Date.now() });
    const onProgress = (p: TransferProgress) => void pending.current.set(id, p);
    try {
      if (job.kind === 'broken') throw job.error;
      if (job.kind === 'download') {
        const r = await api.download(job.path, {
          dest: job.dest,
          transport,
          signal: both,
          onProgress,
          ...(job.overwrite ? { overwrite: true } : {}),
          ...(hooksRef.current.md5Here ? { md5: true } : {}),
        });
        const note = r.identical
          ? 'already identical'
          : r.restarted
            ? 'restarted: file changed'
            : r.resumedFrom
              ? `resumed at ${formatBytes(r.resumedFrom)}`
              : undefined;
        pending.current.delete(id);
        dispatch({ type: 'done', id, bytes: r.bytes, md5: r.md5, seconds: r.seconds, cache: r.cache, retxPercent: r.udp?.lossPercent, note, now: Date.now() });
        hooksRef.current.onDownloaded?.(r);
      } else {
        const r = await api.upload(job.localPath, { as: job.path, signal: both, onProgress });
        pending.current.delete(id);
        dispatch({ type: 'done', id, bytes: r.bytes, md5: r.md5, seconds: r.seconds, now: Date.now() });
        hooksRef.current.onUploaded?.(r);
      }
    } catch (err) {
      pending.current.delete(id);
      const aborted = both.aborted;
      // Cancelled by the user: say so plainly, whatever the client's wording.
      const error = aborted ? 'cancelled' : errorText(err);
      const kind = job.kind === 'upload' ? 'upload' : 'download';
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
    }
  };

  const task = (job: Job): QueueTask<void> => ({ label: job.path, size: job.size, run: (signal) => runJob(job, signal) });
  async function* tasksOf(jobs: AsyncIterable<Job>): AsyncGenerator<QueueTask<void>> {
    for await (const job of jobs) yield task(job);
  }
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

  const download = useCallback(
    (path: string, transport: Transport, dest: string, size?: number, overwrite?: boolean) => {
      dispatch({ type: 'enqueue', files: 1, bytes: size ?? 0, now: Date.now() });
      queue().push(task({ kind: 'download', path, transport, dest, size, overwrite }));
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api],
  );

  const downloadFiles = useCallback(
    (files: readonly FileToDownload[], transport: Transport, dest: string) => {
      if (files.length === 0) return;
      dispatch({ type: 'enqueue', files: files.length, bytes: files.reduce((n, f) => n + (f.size ?? 0), 0), now: Date.now() });
      queue().pushFrom(tasksOf(jobsOf(files, (f) => ({ kind: 'download', path: f.path, transport, dest, size: f.size }), alive())));
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api],
  );

  const downloadFolder = useCallback(
    (path: string, transport: Transport, dest: string, overwrite?: boolean) => {
      dispatch({ type: 'enqueue', files: 0, bytes: 0, listing: 1, now: Date.now() });
      const onListed = (files: number, bytes: number) => dispatch({ type: 'listed', files, bytes, now: Date.now() });
      const stillAlive = alive();
      const q = queue();
      q.pushFrom(tasksOf(folderJobs(api, { path, transport, dest, overwrite }, stillAlive, onListed)));
      // Once everything queued has landed: the folder's empty folders, and every
      // folder's time (writing files into a folder changes it, so this comes last).
      void q.idle().then(() => {
        if (stillAlive()) void api.download(path, { dest, transport, recursive: true, foldersOnly: true }).catch(() => {});
      });
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api],
  );

  const upload = useCallback(
    (localPath: string, remotePath: string, size?: number) => {
      dispatch({ type: 'enqueue', files: 1, bytes: size ?? 0, now: Date.now() });
      queue().push(task({ kind: 'upload', localPath, path: remotePath, size }));
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api],
  );

  const uploadFiles = useCallback(
    (files: readonly FileToUpload[]) => {
      if (files.length === 0) return;
      dispatch({ type: 'enqueue', files: files.length, bytes: files.reduce((n, f) => n + (f.size ?? 0), 0), now: Date.now() });
      queue().pushFrom(tasksOf(jobsOf(files, (f) => ({ kind: 'upload', localPath: f.localPath, path: f.remotePath, size: f.size }), alive())));
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
    q?.cancelAll(); // waiting tasks settle as dropped now; running ones abort and settle as cancelled
    dispatch({ type: 'cancelRest', now: Date.now() });
    dispatch({ type: 'resume', now: Date.now() });
  }, [dispatch]);

  return {
    transfers,
    latest,
    download,
    downloadFiles,
    downloadFolder,
    upload,
    uploadFiles,
    clearFinished,
    cancel,
    togglePause,
    cancelAll,
    abortAll: cancelAll,
  };
}
