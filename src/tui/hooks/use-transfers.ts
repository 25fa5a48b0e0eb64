// Background transfers. The client reports progress as often as it likes; snapshots
// land in a ref and reach React at most every REDRAW_MS, so a fast download never
// waits on the screen and the screen never floods.

import { useCallback, useEffect, useRef } from 'react';
import type { DownloadResult, FerryApi, Transport, TransferProgress, UploadResult } from '../../client/types.js';
import { runningCount, transfersReducer, type TransfersState } from '../state/transfers.js';
import { errorText } from '../errors.js';
import { useStore, type Latest } from './use-store.js';

export const REDRAW_MS = 100;

export interface FailedTransfer {
  /** The transfer's row, to drop once a retry replaces it. */
  id: number;
  kind: 'download' | 'upload';
  path: string;
  error: string;
  /** The client's error code ('EXISTS', 'NOT_FOUND', …) when it gave one. */
  code?: string;
  transport: Transport;
  dest?: string;
  size?: number;
  folder?: boolean;
}

export interface TransferHooks {
  /** Downloads also compute their MD5 here. */
  md5Here?: boolean;
  onDownloaded?: (r: DownloadResult) => void;
  onUploaded?: (r: UploadResult) => void;
  onFailed?: (f: FailedTransfer) => void;
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * What a failed row says. The client words a differing local file for the command
 * line (--overwrite); here the user is asked instead, and the file stays unless
 * they say otherwise.
 */
function rowError(err: unknown, aborted: boolean): string {
  if (aborted) return 'cancelled';
  const text = errorText(err);
  return codeOf(err) === 'EXISTS' && /already exists/.test(text) ? "kept the local copy: it differs from the server's" : text;
}

export interface Transfers {
  transfers: TransfersState;
  /** The newest state, before React has drawn it. */
  latest: Latest<TransfersState>;
  download(path: string, transport: Transport, dest: string, size?: number, overwrite?: boolean): void;
  /** A whole remote folder into `dest`/<name>, sized first so the bar means something. */
  downloadFolder(path: string, transport: Transport, dest: string, overwrite?: boolean): void;
  upload(localPath: string, remotePath: string, size?: number): void;
  clearFinished(): void;
  /** Cancel a running transfer, or drop a finished one from the list. */
  cancel(id: number): void;
  /** Abort everything still running (on quit). */
  abortAll(): void;
}

export function useTransfers(api: FerryApi, hooks: TransferHooks): Transfers {
  const [transfers, dispatch, latest] = useStore(transfersReducer, (): TransfersState => []);
  const pending = useRef(new Map<number, TransferProgress>());
  const controllers = useRef(new Map<number, AbortController>());
  const nextId = useRef(1);
  const hooksRef = useRef(hooks);
  hooksRef.current = hooks;
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

  const begin = (kind: 'download' | 'upload', path: string, transport: Transport, total?: number, folder?: boolean) => {
    const id = nextId.current++;
    const ac = new AbortController();
    controllers.current.set(id, ac);
    dispatch({ type: 'start', id, kind, path, transport, total, folder });
    return { id, ac, onProgress: (p: TransferProgress) => void pending.current.set(id, p) };
  };

  const finish = (id: number) => {
    controllers.current.delete(id);
    pending.current.delete(id);
  };

  const download = useCallback(
    (path: string, transport: Transport, dest: string, size?: number, overwrite?: boolean) => {
      const { id, ac, onProgress } = begin('download', path, transport, size);
      api
        .download(path, {
          dest,
          transport,
          signal: ac.signal,
          onProgress,
          ...(overwrite ? { overwrite } : {}),
          ...(hooksRef.current.md5Here ? { md5: true } : {}),
        })
        .then(
          (r) => {
            finish(id);
            const note = r.identical
              ? 'already identical'
              : r.restarted
                ? 'restarted: file changed'
                : r.resumedFrom
                  ? `resumed at ${r.resumedFrom} B`
                  : undefined;
            dispatch({ type: 'done', id, bytes: r.bytes, md5: r.md5, seconds: r.seconds, cache: r.cache, retxPercent: r.udp?.lossPercent, note });
            hooksRef.current.onDownloaded?.(r);
          },
          (err: unknown) => {
            finish(id);
            // Cancelled by the user: say so plainly, whatever the client's wording.
            const error = ac.signal.aborted ? 'cancelled' : errorText(err);
            dispatch({ type: 'failed', id, error: rowError(err, ac.signal.aborted) });
            hooksRef.current.onFailed?.({ id, kind: 'download', path, error, code: ac.signal.aborted ? 'CANCELLED' : codeOf(err), transport, dest, size });
          },
        );
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api],
  );

  const downloadFolder = useCallback(
    (path: string, transport: Transport, dest: string, overwrite?: boolean) => {
      const { id, ac } = begin('download', path, transport, undefined, true);
      let total = 0;
      // Progress arrives per file; the folder's progress is the sum over its files.
      const perFile = new Map<string, number>();
      const onProgress = (p: TransferProgress) => {
        perFile.set(p.path, p.bytes);
        let bytes = 0;
        for (const b of perFile.values()) bytes += b;
        pending.current.set(id, { ...p, path, bytes, total: Math.max(total, bytes), etaSeconds: p.rate > 0 ? Math.max(0, total - bytes) / p.rate : null });
      };
      api
        .list({ path, recursive: true })
        .then((entries) => {
          const files = entries.filter((e) => e.type === 'file');
          total = files.reduce((n, e) => n + e.size, 0);
          dispatch({ type: 'sized', id, total, files: files.length });
          return api.download(path, {
            dest,
            transport,
            recursive: true,
            signal: ac.signal,
            onProgress,
            ...(overwrite ? { overwrite } : {}),
            ...(hooksRef.current.md5Here ? { md5: true } : {}),
          });
        })
        .then(
          (r) => {
            finish(id);
            dispatch({ type: 'done', id, bytes: r.bytes, md5: r.md5, seconds: r.seconds, cache: r.cache, files: r.files?.length ?? 0 });
            hooksRef.current.onDownloaded?.(r);
          },
          (err: unknown) => {
            finish(id);
            const error = ac.signal.aborted ? 'cancelled' : errorText(err);
            dispatch({ type: 'failed', id, error: rowError(err, ac.signal.aborted) });
            hooksRef.current.onFailed?.({
              id,
              kind: 'download',
              path,
              error,
              code: ac.signal.aborted ? 'CANCELLED' : codeOf(err),
              transport,
              dest,
              folder: true,
            });
          },
        );
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api],
  );

  const upload = useCallback(
    (localPath: string, remotePath: string, size?: number) => {
      const { id, ac, onProgress } = begin('upload', remotePath, 'tcp', size);
      api.upload(localPath, { as: remotePath, signal: ac.signal, onProgress }).then(
        (r) => {
          finish(id);
          dispatch({ type: 'done', id, bytes: r.bytes, md5: r.md5, seconds: r.seconds });
          hooksRef.current.onUploaded?.(r);
        },
        (err: unknown) => {
          finish(id);
          // Cancelled by the user: say so plainly, whatever the client's wording.
          const error = ac.signal.aborted ? 'cancelled' : errorText(err);
          dispatch({ type: 'failed', id, error });
          hooksRef.current.onFailed?.({
            id,
            kind: 'upload',
            path: remotePath,
            error,
            code: ac.signal.aborted ? 'CANCELLED' : codeOf(err),
            transport: 'tcp',
            size,
          });
        },
      );
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
  const abortAll = useCallback(() => {
    for (const ac of controllers.current.values()) ac.abort();
  }, []);

  return { transfers, latest, download, downloadFolder, upload, clearFinished, cancel, abortAll };
}
