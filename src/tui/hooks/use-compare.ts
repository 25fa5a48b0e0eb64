// `=` and `Y`: the two panes' folders compared by content (the client's
// compareTrees, over both hash indexes), marks on every row, "differences
// only", and the sync preview whose chosen actions go to the app's transfer
// queue (copies) and the client's file operations (folders, trash).
//
// Marks hold while both panes stay inside the folders compared (going into a
// folder shows what differs below it); they are dropped when a pane leaves
// that tree, is refreshed (`r`, a change the server reports, files landing
// from a sync): a mark that may be stale is worse than none, and `=` again
// costs little with the indexes warm.
//
// The preview plans from the pair's sync state, the file `ferry sync` reads
// and writes (sync-state.ts), and a sync carried out here writes it back: the
// files found identical, and each file as it lands verified. So either can
// tell "changed here since the last sync" from "changed there" after the other.

import { useCallback, useEffect, useRef, useState } from 'react';
import { compareTrees, type RemoteTree } from '../../client/compare.js';
import { LocalHashIndex } from '../../client/local-index.js';
import { LocalOps } from '../../client/local-ops.js';
import type { LocalSide } from '../../client/local-side.js';
import type { Direction } from '../../client/sync-plan.js';
import { forgetDeleted, loadSyncState, localRecord, noteCompared, saveSyncState, type SyncRecord } from '../../client/sync-state.js';
import { removeToTrash, setLocalTime, trashStamp } from '../../client/sync-steps.js';
import type { FerryApi } from '../../client/types.js';
import { formatBytes, plural } from '../../format.js';
import type { Message } from '../components/MessageLine.js';
import { errorText } from '../errors.js';
import { Command } from '../keys/bindings.js';
import { type CompareResult, compareResult, differenceOnly, insideCompared, type PaneId } from '../state/compare.js';
import { joinPath, parentPath, type PaneAction, type PaneState } from '../state/pane.js';
import { chosenActions, planPreview, type PreviewState, previewTotals, toggle, toggleAll } from '../state/sync-preview.js';
import { JobGroup } from './upload-folder-jobs.js';
import type { Transfers } from './use-transfers.js';
import type { Permissions } from './use-writable.js';

export interface CompareDeps {
  api: FerryApi;
  localSide: LocalSide;
  panes(): Record<PaneId, PaneState>;
  dispatch: Record<PaneId, (a: PaneAction) => void>;
  transfers: Transfers;
  permissions: Permissions;
  setMessage(m: Message | null): void;
  log(text: string, level?: 'info' | 'error'): void;
  /** Where the local hash index lives; null or absent: in memory for this run. */
  indexFile?: string | null;
  /** The state file `ferry sync` keeps for a pair (sync-state.ts); absent: no state is read or kept. */
  syncStateFile?: (pair: { remoteDir: string; localDir: string; direction: Direction }) => string;
}

export interface CompareProgress {
  dirs: Record<PaneId, string>;
  startedAt: number;
  /** Entries the server has listed so far. */
  listed: number;
}

export interface CompareControl {
  running: CompareProgress | null;
  result: CompareResult | null;
  differencesOnly: boolean;
  preview: PreviewState | null;
  /** A pane command that is compare's (`=`, `Y`): run it and say true. */
  command(c: Command): boolean;
  /** Esc while comparing. */
  cancel(): void;
  closePreview(): void;
  toggleRow(i: number): void;
  toggleAllRows(): void;
  switchDirection(): void;
  toggleDelete(): void;
  confirm(): void;
}

export function useCompare(deps: CompareDeps): CompareControl {
  const d = useRef(deps);
  d.current = deps;
  const [running, setRunning] = useState<CompareProgress | null>(null);
  const [result, setResult] = useState<CompareResult | null>(null);
  const [differencesOnly, setDifferencesOnly] = useState(false);
  const [preview, setPreview] = useState<PreviewState | null>(null);
  const latest = useRef({ result, preview, running, differencesOnly });
  latest.current = { result, preview, running, differencesOnly };
  const abort = useRef<AbortController | null>(null);
  const index = useRef<Promise<LocalHashIndex> | null>(null);
  /** What the panes looked like when compared: a later reload of the same filters is a refresh. */
  const seen = useRef<Record<PaneId, Pick<PaneState, 'reload' | 'filters'>> | null>(null);

  useEffect(
    () => () => {
      abort.current?.abort();
      void index.current?.then((i) => i.close()).catch(() => undefined);
    },
    [],
  );

  const clear = useCallback(() => {
    setResult(null);
    setDifferencesOnly(false);
    setPreview(null);
    seen.current = null;
    for (const p of ['local', 'remote'] as const) d.current.dispatch[p]({ type: 'narrow', keep: null });
  }, []);

  // Leaving the compared tree, or a refresh, drops the marks (see above).
  const { local, remote } = deps.panes();
  useEffect(() => {
    if (!result || !seen.current) return;
    const panes = { local, remote };
    for (const p of ['local', 'remote'] as const) {
      const was = seen.current[p];
      const refreshed = panes[p].reload !== was.reload && panes[p].filters === was.filters;
      if (refreshed || !insideCompared(result, p, panes[p].path)) {
        clear();
        return;
      }
      if (panes[p].filters !== was.filters) seen.current[p] = { reload: panes[p].reload, filters: panes[p].filters };
    }
  }, [result, local.path, local.reload, local.filters, remote.path, remote.reload, remote.filters, clear]);

  const narrow = (r: CompareResult | null, on: boolean) => {
    for (const p of ['local', 'remote'] as const) d.current.dispatch[p]({ type: 'narrow', keep: r && on ? differenceOnly(r, p) : null });
  };

  const openIndex = (): Promise<LocalHashIndex> => {
    index.current ??= LocalHashIndex.open({ file: d.current.indexFile ?? null, warn: (m) => d.current.log(m, 'error') });
    return index.current;
  };

  /** Compare the panes' folders; then open the preview if `thenPreview`. */
  const start = async (thenPreview: boolean) => {
    if (latest.current.running) return;
    const { api, localSide, panes, log, setMessage } = d.current;
    const now = panes();
    const dirs = { local: now.local.path, remote: now.remote.path };
    const ac = new AbortController();
    abort.current = ac;
    const progress: CompareProgress = { dirs, startedAt: Date.now(), listed: 0 };
    setRunning(progress);
    // The server's batches counted as they come: the progress shown.
    const tree: RemoteTree = {
      info: api.info,
      stat: (p) => api.stat(p),
      listStream: (o, s) =>
        api.listStream(o, {
          ...s,
          onBatch: (batch) => {
            progress.listed += batch.length;
            s.onBatch(batch);
          },
        }),
    };
    const ticker = setInterval(() => setRunning({ ...progress }), 200);
    try {
      const localAbs = localSide.resolve(dirs.local);
      // Esc ends the wait at once, whatever part of the comparison is under way.
      const stopped = new Promise<never>((_, reject) => ac.signal.addEventListener('abort', () => reject(new Error('cancelled')), { once: true }));
      const diffs = await Promise.race([
        stopped,
        openIndex().then((index) =>
          compareTrees(tree, dirs.remote, localAbs, { index, hidden: now.local.showHidden || now.remote.showHidden, signal: ac.signal }),
        ),
      ]);
      if (ac.signal.aborted) throw new Error('cancelled');
      const r = compareResult(dirs, diffs);
      const after = panes();
      seen.current = {
        local: { reload: after.local.reload, filters: after.local.filters },
        remote: { reload: after.remote.reload, filters: after.remote.filters },
      };
      setResult(r);
      setDifferencesOnly(false);
      narrow(r, false);
      log(`compared ${dirs.remote || '/'} with ${localAbs}: ${plural(diffs.length, 'path')}, ${r.summary.exitCode === 0 ? 'the same' : 'differences found'}`);
      latest.current = { ...latest.current, result: r };
      if (thenPreview) await openPreview(r);
      else setMessage(null);
    } catch (err) {
      if (ac.signal.aborted) setMessage({ level: 'info', text: 'compare cancelled' });
      else {
        setMessage({ level: 'error', text: `compare: ${errorText(err)}` });
        log(`compare failed: ${errorText(err)}`, 'error');
      }
    } finally {
      clearInterval(ticker);
      if (abort.current === ac) abort.current = null;
      setRunning(null);
    }
  };

  /** The pair's state file for `direction`, if kept. */
  const stateFile = (r: CompareResult, direction: Direction): string | undefined =>
    d.current.syncStateFile?.({ remoteDir: r.dirs.remote, localDir: d.current.localSide.resolve(r.dirs.local), direction });

  /** The destination after the pair's last sync this way (empty when none is recorded or it cannot be read). */
  const lastSync = async (r: CompareResult, direction: Direction): Promise<ReadonlyMap<string, SyncRecord>> => {
    const file = stateFile(r, direction);
    return file ? loadSyncState(file) : new Map();
  };

  const openPreview = async (r: CompareResult) => {
    // Downloading is what every server allows: the preview starts there.
    const last = await lastSync(r, 'pull');
    if (latest.current.result === r) setPreview(planPreview(r.diffs, 'pull', false, last));
  };

  const command = useCallback((c: Command): boolean => {
    const { result: r } = latest.current;
    if (c === Command.Compare) {
      if (!r) void start(false);
      else {
        // Compared already: `=` narrows both panes to the differences, and back.
        const on = !latest.current.differencesOnly;
        latest.current = { ...latest.current, differencesOnly: on };
        setDifferencesOnly(on);
        narrow(r, on);
      }
      return true;
    }
    if (c === Command.SyncPreview) {
      if (r) void openPreview(r);
      else void start(true);
      return true;
    }
    return false;
  }, []);

  const cancel = useCallback(() => abort.current?.abort(), []);
  const closePreview = useCallback(() => setPreview(null), []);
  const withPreview = (f: (p: PreviewState, r: CompareResult) => PreviewState) => {
    const { preview: p, result: r } = latest.current;
    if (p && r) {
      const next = f(p, r);
      latest.current = { ...latest.current, preview: next };
      setPreview(next);
    }
  };
  const toggleRow = useCallback((i: number) => withPreview((p, r) => toggle(p, i, r.byPath)), []);
  const toggleAllRows = useCallback(() => withPreview((p, r) => toggleAll(p, r.byPath)), []);
  const switchDirection = useCallback(() => {
    const { preview: p, result: r } = latest.current;
    if (!p || !r) return;
    const direction = p.direction === 'pull' ? 'push' : 'pull';
    void lastSync(r, direction).then((last) => withPreview((q, now) => (now === r ? planPreview(now.diffs, direction, q.delete, last) : q)));
  }, []);
  const toggleDelete = useCallback(() => withPreview((p, r) => planPreview(r.diffs, p.direction, !p.delete, p.last)), []);

  const confirm = useCallback(() => {
    const { preview: p, result: r } = latest.current;
    if (!p || !r) return;
    const { permissions, setMessage } = d.current;
    const push = p.direction === 'push';
    if (push && !permissions.upload) {
      setMessage({ level: 'error', text: 'the server is read-only (start it with --allow-write): nothing can be uploaded to it' });
      return;
    }
    const chosen = chosenActions(p, r.byPath);
    if (push && !permissions.write && chosen.some((a) => a.kind === 'delete' || a.kind === 'mkdir')) {
      setMessage({ level: 'error', text: 'the server takes uploads but no other changes: turn deletes off (d) and uncheck the folders to make' });
      return;
    }
    if (chosen.length === 0) {
      setMessage({ level: 'info', text: 'nothing checked: nothing to do' });
      return;
    }
    setPreview(null);
    void carryOut(r, p, chosen, previewTotals(p, r.byPath));
  }, []);

  /** Deletes, folders and times here, in order; then the copies, to the transfer queue. */
  const carryOut = async (r: CompareResult, p: PreviewState, chosen: ReturnType<typeof chosenActions>, totals: ReturnType<typeof previewTotals>) => {
    const { api, localSide, transfers, log, setMessage, dispatch } = d.current;
    const push = p.direction === 'push';
    const dest: PaneId = push ? 'remote' : 'local';
    const ops = push ? api : new LocalOps(localSide);
    const root = r.dirs[dest];
    const stamp = trashStamp();
    const failures: string[] = [];
    let trash: string | undefined;
    // The destination as this sync leaves it, as `ferry sync` records it (sync.ts).
    const file = stateFile(r, p.direction);
    const records = new Map<string, SyncRecord>();
    noteCompared(records, r.diffs, p.last, !push);
    const source = (rel: string) => (push ? r.byPath.get(rel)?.local : r.byPath.get(rel)?.remote);
    /** A file just made equal to the source. */
    const landed = async (rel: string) => {
      const blake3 = source(rel)?.blake3;
      if (push) {
        const s = source(rel);
        if (s) records.set(rel, { size: s.size, mtimeMs: s.mtimeMs, ...(blake3 ? { blake3 } : {}) });
        return;
      }
      records.set(rel, await localRecord(localSide.resolve(joinPath(r.dirs.local, rel)), blake3));
    };
    const save = () => {
      if (file) void saveSyncState(file, records).catch((err: unknown) => log(`sync: the pair's state could not be saved: ${errorText(err)}`, 'error'));
    };
    for (const a of chosen) {
      try {
        if (a.kind === 'delete') {
          trash = (await removeToTrash(ops, root, a.path, { stamp })) ?? trash;
          forgetDeleted(records, a.path, a.type);
        } else if (a.kind === 'mkdir') await ops.mkdir(joinPath(root, a.path), { parents: true });
        else if (a.kind === 'touch') {
          await setLocalTime(localSide.resolve(joinPath(r.dirs.local, a.path)), a.mtimeMs);
          await landed(a.path);
        }
      } catch (err) {
        failures.push(`${a.path}: ${errorText(err)}`);
        log(`sync ${a.kind} ${a.path} failed: ${errorText(err)}`, 'error');
      }
    }
    const copies = chosen.filter((a) => a.kind === 'copy');
    // Saved once every copy has settled (landed or not); with none, now.
    const remotePrefix = r.dirs.remote === '' ? '' : `${r.dirs.remote}/`;
    let recording = 0;
    let settled = false;
    const saveWhenDone = () => {
      if (settled && recording === 0) save();
    };
    const group =
      file && copies.length > 0
        ? new JobGroup(
            () => {
              settled = true;
              saveWhenDone();
            },
            {
              settled: (path, ok) => {
                if (!ok) return;
                recording++;
                void landed(path.slice(remotePrefix.length))
                  .catch(() => undefined)
                  .finally(() => {
                    recording--;
                    saveWhenDone();
                  });
              },
            },
          )
        : undefined;
    for (const a of copies) group?.add(a.path);
    group?.end(true);
    if (!group) save();
    try {
      if (copies.length > 0 && !push) {
        transfers.downloadFiles(
          copies.map((a) => ({
            path: joinPath(r.dirs.remote, a.path),
            size: a.size,
            dest: localSide.resolve(parentPath(joinPath(r.dirs.local, a.path))),
            overwrite: a.overwrite,
            ...(group ? { group } : {}),
          })),
          'tcp',
          localSide.resolve(r.dirs.local),
        );
      } else if (copies.length > 0) {
        transfers.uploadFiles(
          copies.map((a) => ({
            localPath: localSide.resolve(joinPath(r.dirs.local, a.path)),
            remotePath: joinPath(r.dirs.remote, a.path),
            size: a.size,
            overwrite: a.overwrite,
            parents: true,
            ...(group ? { group } : {}),
          })),
        );
      }
    } catch (err) {
      failures.push(errorText(err));
    }
    const parts = [
      `${plural(totals.files, 'file')} (${formatBytes(totals.bytes)}) ${push ? 'to upload' : 'to download'}`,
      totals.folders > 0 ? plural(totals.folders, 'folder') + ' made' : '',
      totals.touches > 0 ? plural(totals.touches, 'time') + ' set' : '',
      totals.deletes > 0 ? `${totals.deletes} deleted${trash !== undefined ? ` into ${trash}` : ''}` : '',
    ].filter(Boolean);
    log(`sync ${push ? 'upload' : 'download'} ${r.dirs.remote || '/'} ↔ ${localSide.resolve(r.dirs.local)}: ${parts.join(', ')}`);
    if (failures.length > 0) setMessage({ level: 'error', text: `sync: ${failures.length} failed (${failures[0]})${failures.length > 1 ? ' …' : ''}` });
    else setMessage({ level: 'ok', text: `sync: ${parts.join(' · ')}` });
    // The marks describe the folders before the sync: gone, and both panes read again.
    clear();
    dispatch[dest]({ type: 'refresh' });
  };

  return { running, result, differencesOnly, preview, command, cancel, closePreview, toggleRow, toggleAllRows, switchDirection, toggleDelete, confirm };
}
