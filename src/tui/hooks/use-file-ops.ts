// Make folder, rename/move, copy and delete, on either pane. The app only
// talks to FileOps (the client API for the share, LocalOps for the local
// folder); between the two sides a copy is handed to the transfer queue, and
// a move is a transfer whose source is deleted only once the transfer has
// been verified. Marked entries act together; listings are read again after
// every change.

import { useCallback, useEffect, useRef, useState } from 'react';
import { parseClassic } from '../../client/classic.js';
import { LocalOps } from '../../client/local-ops.js';
import type { LocalSide } from '../../client/local-side.js';
import { walkLocal } from '../../client/local-tree.js';
import type { DownloadResult, Entry, FerryApi, FileOps, Side, UploadResult } from '../../client/types.js';
import { Command } from '../keys/bindings.js';
import type { Message } from '../components/MessageLine.js';
import {
  type DeleteSize,
  describeEntries,
  destinationOf,
  type FileOpDialog,
  type FileOpKind,
  fileOpErrorText,
  otherSide,
  type PaneId,
} from '../state/file-ops.js';
import { joinPath, parentPath, selectedEntry, type PaneAction, type PaneState } from '../state/pane.js';
import { MoveTracker } from './move-tracker.js';
import type { Transfers } from './use-transfers.js';
import type { Permissions } from './use-writable.js';

/** A local count is shown again after this many more entries (a remote one at every batch). */
const SHOW_EVERY = 500;

const KIND_OF: Partial<Record<Command, FileOpKind>> = {
  [Command.Copy]: 'copy',
  [Command.Move]: 'move',
  [Command.MakeFolder]: 'mkdir',
  [Command.Delete]: 'delete',
};

/** The file operation a pane command starts, if it is one. */
export function fileOpOf(c: Command): FileOpKind | undefined {
  return KIND_OF[c];
}

export interface FileOpsDeps {
  api: FerryApi;
  localSide: LocalSide;
  remoteSide: Side;
  /** The panes as of now (not as of the last render). */
  panes(): Record<PaneId, PaneState>;
  dispatch: Record<PaneId, (a: PaneAction) => void>;
  transfers: Transfers;
  permissions: Permissions;
  setMessage(m: Message | null): void;
  log(text: string, level?: 'info' | 'error'): void;
}

export interface FileOpsControl {
  dialog: FileOpDialog | null;
  begin(kind: FileOpKind, focus: PaneId): void;
  close(): void;
  /** The mkdir dialog's answer: a name (or a path: missing folders are made too). */
  makeFolder(name: string): void;
  /** The copy/move dialog's answer: the side and the typed destination. */
  transfer(to: PaneId, text: string): void;
  /** Switch the copy/move dialog's destination side. */
  retarget(to: PaneId): void;
  confirmDelete(): void;
  /** The transfer queue finished a download or an upload: a move's source goes now. */
  downloaded(r: DownloadResult): void;
  uploaded(r: UploadResult): void;
  /** A transfer failed or was cancelled: a move waiting on it leaves its source. */
  transferFailed(remotePath: string): void;
  /** A ':' line that is a file operation (mkdir, mv, cp, rm on the server): run it and say true. */
  runLine(text: string): boolean;
}

export function useFileOps(deps: FileOpsDeps): FileOpsControl {
  const [dialog, setDialog] = useState<FileOpDialog | null>(null);
  // The handlers below read the dialog as drawn now, not as of their closure.
  const dialogRef = useRef(dialog);
  dialogRef.current = dialog;
  const d = useRef(deps);
  d.current = deps;
  const localOps = useRef<LocalOps | null>(null);
  /** The delete dialog's count under way, stopped when the dialog closes. */
  const counter = useRef<AbortController | null>(null);
  const stopCount = () => {
    counter.current?.abort();
    counter.current = null;
  };
  useEffect(() => stopCount, []);
  /** Moves between sides, waiting for their transfers to land verified. */
  const moves = useRef<MoveTracker | null>(null);
  moves.current ??= new MoveTracker(() => ({
    remote: d.current.api,
    local: opsOf('local'),
    removeMoved: (path, since) => (opsOf('local') as LocalOps).removeMoved(path, since),
    refresh,
    log: d.current.log,
    fail,
  }));

  const opsOf = (p: PaneId): FileOps => {
    if (p === 'remote') return d.current.api;
    localOps.current ??= new LocalOps(d.current.localSide);
    return localOps.current;
  };
  const sideOf = (p: PaneId): Side => (p === 'remote' ? d.current.remoteSide : d.current.localSide);
  const refresh = (p: PaneId) => d.current.dispatch[p]({ type: 'refresh' });
  const fail = (text: string) => d.current.setMessage({ level: 'error', text });
  const readOnly = () => fail('the server is read-only (start it with --allow-write to allow changes)');

  /** Marked entries, else the selected one (a folder too). */
  const chosen = (pane: PaneState): Entry[] => {
    if (pane.marked.size > 0) return pane.view.filter((e) => pane.marked.has(e.path));
    const e = selectedEntry(pane);
    return e ? [e] : [];
  };

  const begin = useCallback((kind: FileOpKind, focus: PaneId) => {
    const { panes, permissions } = d.current;
    const pane = panes()[focus];
    if (kind === 'mkdir') {
      if (focus === 'remote' && !permissions.write) return readOnly();
      setDialog({ kind: 'mkdir', side: focus, folder: pane.path });
      return;
    }
    const entries = chosen(pane);
    if (entries.length === 0) return d.current.setMessage({ level: 'info', text: `select or mark what to ${kind}` });
    if (kind === 'delete') {
      if (focus === 'remote' && !permissions.write) return readOnly();
      setDialog({ kind: 'delete', side: focus, entries, size: null });
      void countInside(focus, entries);
      return;
    }
    const to = otherSide(focus);
    setDialog({ kind, from: focus, entries, to, folder: panes()[to].path });
  }, []);

  /**
   * Fill in the delete dialog's size as it is counted: the server's listing
   * streamed batch by batch (the local folder walked a folder at a time), the
   * running count shown as it grows, nothing kept but the sums. The question
   * can be answered at any moment; closing the dialog stops the count (and the
   * server's walk with it).
   */
  const countInside = async (side: PaneId, entries: readonly Entry[]) => {
    stopCount();
    const folders = entries.filter((x) => x.type === 'dir');
    if (folders.length === 0) return;
    const stop = new AbortController();
    counter.current = stop;
    const size: DeleteSize = { bytes: 0, inside: 0, partial: false, counting: true };
    const show = () => setDialog((cur) => (cur?.kind === 'delete' && cur.entries === entries ? { ...cur, size: { ...size } } : cur));
    const add = (x: Pick<Entry, 'type' | 'size'>) => {
      size.inside++;
      if (x.type === 'file') size.bytes += x.size;
    };
    for (const e of folders) {
      try {
        if (side === 'remote') {
          const onBatch = (batch: Entry[]) => {
            for (const x of batch) add(x);
            show();
          };
          await d.current.api.listStream({ path: e.path, recursive: true, hidden: true }, { signal: stop.signal, onBatch });
        } else {
          for await (const x of walkLocal(d.current.localSide.resolve(e.path), { hidden: true })) {
            if (stop.signal.aborted) return;
            add(x);
            if (size.inside % SHOW_EVERY === 0) show();
          }
        }
      } catch {
        size.partial = true;
      }
      if (stop.signal.aborted) return;
    }
    size.counting = false;
    show();
    if (counter.current === stop) counter.current = null;
  };

  const close = useCallback(() => {
    stopCount();
    setDialog(null);
  }, []);

  const makeFolder = useCallback((name: string) => {
    const cur = dialogRef.current;
    setDialog(null);
    if (cur?.kind !== 'mkdir' || name.trim() === '') return;
    const path = destinationOf(name, cur.folder).path;
    void opsOf(cur.side)
      .mkdir(path, { parents: name.includes('/') })
      .then(
        (r) => {
          d.current.log(`${cur.side}: made folder ${r.path}`);
          d.current.setMessage({ level: 'ok', text: `made folder ${r.path}` });
        },
        (err: unknown) => fail(`make folder ${path}: ${fileOpErrorText(err)}`),
      )
      .finally(() => refresh(cur.side));
  }, []);

  const confirmDelete = useCallback(() => {
    const cur = dialogRef.current;
    stopCount();
    setDialog(null);
    if (cur?.kind !== 'delete') return;
    const ops = opsOf(cur.side);
    void (async () => {
      let done = 0;
      for (const e of cur.entries) {
        try {
          await ops.remove(e.path, { recursive: e.type === 'dir' });
          done++;
          d.current.log(`${cur.side}: deleted ${e.path}${e.type === 'dir' ? '/' : ''}`);
        } catch (err) {
          fail(`delete ${e.path}: ${fileOpErrorText(err)}${done > 0 ? ` (${done} deleted before it)` : ''}`);
          d.current.log(`${cur.side}: delete ${e.path} failed: ${fileOpErrorText(err)}`, 'error');
          refresh(cur.side);
          return;
        }
      }
      d.current.dispatch[cur.side]({ type: 'clearMarks' });
      d.current.setMessage({ level: 'ok', text: `deleted ${cur.entries.length === 1 ? cur.entries[0]!.name : describeEntries(cur.entries)}` });
      refresh(cur.side);
    })();
  }, []);

  const retarget = useCallback((to: PaneId) => {
    setDialog((cur) => (cur?.kind === 'copy' || cur?.kind === 'move' ? { ...cur, to, folder: d.current.panes()[to].path } : cur));
  }, []);

  const transfer = useCallback((to: PaneId, text: string) => {
    const cur = dialogRef.current;
    setDialog(null);
    if (cur?.kind !== 'copy' && cur?.kind !== 'move') return;
    const sourceFolder = d.current.panes()[cur.from].path;
    // Text typed for the other side counts from that pane's folder.
    const dest = destinationOf(text, to === cur.from ? sourceFolder : d.current.panes()[to].path);
    if (to === cur.from) void withinSide(cur.kind, cur.from, cur.entries, dest);
    else betweenSides(cur.kind, cur.from, cur.entries, dest.path);
  }, []);

  /** Copy or move on one side: into a folder, or (one entry) to a new name. */
  const withinSide = async (kind: 'copy' | 'move', side: PaneId, entries: readonly Entry[], dest: { path: string; into: boolean }) => {
    if (side === 'remote' && !d.current.permissions.write) return readOnly();
    let into = dest.into || entries.length > 1;
    if (!into) {
      // A name that is an existing folder means "into it", as with cp and mv.
      const parent = parentPath(dest.path);
      const name = dest.path.slice(parent === '' ? 0 : parent.length + 1);
      const listed = await sideOf(side)
        .list({ path: parent, hidden: true })
        .catch(() => [] as Entry[]);
      into = listed.some((e) => e.name === name && e.type === 'dir');
    }
    const ops = opsOf(side);
    let done = 0;
    for (const e of entries) {
      const target = into ? joinPath(dest.path, e.name) : dest.path;
      try {
        if (kind === 'copy') await ops.copy(e.path, target);
        else await ops.move(e.path, target);
        done++;
        d.current.log(`${side}: ${kind === 'copy' ? 'copied' : 'moved'} ${e.path} → ${target}`);
      } catch (err) {
        fail(`${kind} ${e.path}: ${fileOpErrorText(err)}${done > 0 ? ` (${done} done before it)` : ''}`);
        refresh(side);
        return;
      }
    }
    d.current.dispatch[side]({ type: 'clearMarks' });
    const what = entries.length === 1 ? entries[0]!.name : describeEntries(entries);
    d.current.setMessage({ level: 'ok', text: `${kind === 'copy' ? 'copied' : 'moved'} ${what} → ${dest.path || '/'}` });
    refresh(side);
  };

  /** Between sides: the transfer queue does the copy; a move deletes each source once its transfer is verified. */
  const betweenSides = (kind: 'copy' | 'move', from: PaneId, entries: readonly Entry[], destFolder: string) => {
    const { transfers, permissions, localSide, log, setMessage } = d.current;
    const folders = entries.filter((e) => e.type === 'dir');
    const files = entries.filter((e) => e.type === 'file');
    if (from === 'local' && !permissions.upload) return readOnly();
    if (kind === 'move' && from === 'remote' && !permissions.write) {
      return fail('the server is read-only: a move would leave the files there (F5 copies)');
    }
    if (from === 'remote') {
      let dest: string;
      try {
        dest = localSide.resolve(destFolder);
      } catch (err) {
        return fail(fileOpErrorText(err));
      }
      for (const f of files) if (kind === 'move') moves.current!.expectDownload(f.path);
      if (files.length === 1) transfers.download(files[0]!.path, 'tcp', dest, files[0]!.size);
      else if (files.length > 1)
        transfers.downloadFiles(
          files.map((f) => ({ path: f.path, size: f.size })),
          'tcp',
          dest,
        );
      for (const f of folders) {
        if (kind === 'copy') transfers.downloadFolder(f.path, 'tcp', dest);
        else moveFolderHere(f.path, dest, destFolder);
      }
      log(`${kind} ${describeEntries(entries)} → local ${destFolder || '/'} (through the transfer queue)`);
    } else {
      const up = files.map((f) => ({ localPath: localSide.resolve(f.path), remotePath: joinPath(destFolder, f.name), size: f.size }));
      if (kind === 'move') for (const [i, f] of files.entries()) moves.current!.expectUpload(up[i]!.remotePath, f.path);
      if (up.length === 1) transfers.upload(up[0]!.localPath, up[0]!.remotePath, up[0]!.size);
      else if (up.length > 1) transfers.uploadFiles(up);
      for (const f of folders) {
        const remote = joinPath(destFolder, f.name);
        // Walked as the queue drains; a move's original goes only once every file of it landed verified.
        const since = Date.now();
        const onDone = kind === 'move' ? (ok: boolean, n: number) => moves.current!.folderUploaded(f.path, remote, ok, n, since) : undefined;
        transfers.uploadFolder(localSide.resolve(f.path), remote, onDone ? { onDone } : {});
      }
      log(`${kind} ${describeEntries(entries)} → remote ${destFolder || '/'} (through the transfer queue)`);
    }
    d.current.dispatch[from]({ type: 'clearMarks' });
    if (kind === 'move') setMessage({ level: 'info', text: `moving ${describeEntries(entries)}: each original is deleted once its copy is verified` });
  };

  /**
   * A remote folder moved here: streamed through the transfer queue like a
   * copy (never listed whole first); each file's original goes once it landed
   * verified, the folders once every file has (MoveTracker.folderGroup).
   */
  const moveFolderHere = (path: string, dest: string, destFolder: string) => {
    d.current.transfers.downloadFolder(path, 'tcp', dest, undefined, moves.current!.folderGroup(path, destFolder));
  };

  const downloaded = useCallback((r: DownloadResult) => moves.current!.downloaded(r), []);
  const uploaded = useCallback((r: UploadResult) => moves.current!.uploaded(r), []);
  const transferFailed = useCallback((remotePath: string) => moves.current!.failed(remotePath), []);

  const runLine = useCallback((text: string): boolean => {
    const cmd = parseClassic(text);
    if ('error' in cmd || !['mkdir', 'move', 'copy', 'remove'].includes(cmd.kind)) return false;
    d.current.log(`$ ${text}`);
    const api = d.current.api;
    const work =
      cmd.kind === 'mkdir'
        ? api.mkdir(cmd.path, { parents: cmd.parents })
        : cmd.kind === 'move'
          ? api.move(cmd.from, cmd.to)
          : cmd.kind === 'copy'
            ? api.copy(cmd.from, cmd.to)
            : cmd.kind === 'remove'
              ? api.remove(cmd.path, { recursive: cmd.recursive })
              : Promise.resolve();
    void work
      .then(
        () => d.current.setMessage({ level: 'ok', text: `${text}: done` }),
        (err: unknown) => fail(`${text}: ${fileOpErrorText(err)}`),
      )
      .finally(() => refresh('remote'));
    return true;
  }, []);

  return { dialog, begin, close, makeFolder, transfer, retarget, confirmDelete, downloaded, uploaded, transferFailed, runLine };
}
