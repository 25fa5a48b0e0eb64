// 'V' / FileHash checkall: the server hashes every file under the remote folder
// (progress from onStart/onResult), each result is compared with the local copy as
// it arrives, then the table stays up: ✓ same, ✗ differs, · no local copy.

import { useEffect, useRef } from 'react';
import { formatBytes } from '../../format.js';
import type { FerryApi, HashResult } from '../../client/types.js';
import { errorText } from '../errors.js';
import { Priority, useKeypress } from '../hooks/use-keypress.js';
import { useListCursor } from '../hooks/use-list-cursor.js';
import { useStore } from '../hooks/use-store.js';
import { Command, commandFor } from '../keys/bindings.js';
import { checkAllReducer, checkSummary, initialCheckAll, type CheckRow, type LocalResult, type LocalVerdict } from '../state/check-all.js';
import { visibleRows } from '../state/list-cursor.js';
import { fit } from '../text.js';
import { Frame } from './Frame.js';
import type { LineSpec, Seg } from './Line.js';
import { progressBar } from './TransfersArea.js';

export interface CheckAllViewProps {
  api: FerryApi;
  remoteDir: string;
  /** MD5 of the local copy of a remote path, or null when there is none. */
  localMd5Of(remotePath: string): Promise<string | null>;
  /**
   * The same for several paths at once, in order (an error for one that could
   * not be read): one hashing job for a batch of small files instead of a
   * stat, an open, reads and a close each. Used when given.
   */
  localMd5sOf?(remotePaths: readonly string[]): Promise<(string | null | Error)[]>;
  width: number;
  height: number;
  onClose(): void;
  onFinished?(rows: readonly CheckRow[]): void;
  onLog(text: string, level?: 'info' | 'error'): void;
}

/**
 * How long results gather before they reach the state (and the screen): a
 * frame of the whole screen costs the app tens of milliseconds of the CPU the
 * local hashing needs, and a progress count read at 5 a second loses nothing.
 */
const GATHER_MS = 200;

const GLYPH: Record<LocalVerdict, Seg> = {
  pending: { text: '…', color: 'muted' },
  same: { text: '✓', color: 'ok', bold: true },
  differs: { text: '✗', color: 'error', bold: true },
  missing: { text: '·', color: 'muted' },
  error: { text: '!', color: 'error' },
};

/** Local batches hashed at once: enough to keep the disk busy with small files, few enough to leave it to transfers. */
const LOCAL_WORKERS = 4;
/** Local copies per batch (one hashing job each): small files cost their hops, not their bytes. */
export const LOCAL_BATCH = 64;

export function CheckAllView({ api, remoteDir, localMd5Of, localMd5sOf, width, height, onClose, onFinished, onLog }: CheckAllViewProps) {
  const [s, dispatch, latest] = useStore(checkAllReducer, initialCheckAll);
  const listRows = Math.max(1, height - 2 - 3);
  // The run's callbacks outlive renders: they read the current list height from here.
  const listRowsRef = useRef(listRows);
  listRowsRef.current = listRows;
  const list = useListCursor(
    { length: s.rows.length, page: listRows },
    { state: { cursor: s.cursor, top: s.offset }, onMove: (move, shape) => dispatch({ type: 'list', move, height: shape.page }) },
  );

  useEffect(() => {
    const ac = new AbortController();
    // Results and verdicts reach the state in batches, at most every GATHER_MS:
    // a batch costs what is in it (the rows are a ledger, see check-all.ts).
    const results: HashResult[] = [];
    const verdicts: LocalResult[] = [];
    // Files the server hashed, waiting for their local copy to be hashed: the
    // results themselves (already held by the rows), never a promise per file.
    // Taken from `next` on (no shift: that copies a long array each time), the
    // taken part dropped now and then.
    let waiting: HashResult[] = [];
    let next = 0;
    let workers = 0;
    let serverDone = false;
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      // One action for both: one render, not two.
      if (results.length > 0 || verdicts.length > 0) dispatch({ type: 'batch', results: results.splice(0), verdicts: verdicts.splice(0) });
    };
    const soon = () => {
      timer ??= setTimeout(flush, GATHER_MS);
    };
    const finish = () => {
      if (finished || ac.signal.aborted || !serverDone || workers > 0 || next < waiting.length) return;
      finished = true;
      flush();
      dispatch({ type: 'done' });
      const rows = latest.current.rows;
      const sum = latest.current.summary;
      onLog(`check all ${remoteDir || '/'}: ${rows.length} files, ${sum.differs} differ or failed`);
      onFinished?.(rows);
    };
    const verdictOf = (r: HashResult, local: string | null | Error): LocalResult => {
      if (local instanceof Error) return { path: r.path, verdict: 'error', error: `local copy: ${errorText(local)}` };
      if (local === null) return { path: r.path, verdict: 'missing' };
      return local === r.md5 ? { path: r.path, verdict: 'same' } : { path: r.path, verdict: 'differs', localMd5: local };
    };
    const md5s = (paths: readonly string[]): Promise<(string | null | Error)[]> =>
      localMd5sOf
        ? localMd5sOf(paths)
        : Promise.all(paths.map((p) => localMd5Of(p).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))));
    const take = (): HashResult[] => {
      const batch = waiting.slice(next, next + LOCAL_BATCH);
      next += batch.length;
      if (next >= 4096 && next * 2 >= waiting.length) {
        waiting = waiting.slice(next);
        next = 0;
      }
      return batch;
    };
    const work = async () => {
      workers++;
      for (let batch = take(); batch.length > 0 && !ac.signal.aborted; batch = take()) {
        let locals: (string | null | Error)[];
        try {
          locals = await md5s(batch.map((r) => r.path));
        } catch (err) {
          locals = batch.map(() => (err instanceof Error ? err : new Error(String(err))));
        }
        batch.forEach((r, i) => verdicts.push(verdictOf(r, i < locals.length ? (locals[i] as string | null | Error) : new Error('no answer'))));
        soon();
      }
      workers--;
      finish();
    };
    api
      .hashAll({
        path: remoteDir || undefined,
        signal: ac.signal,
        onStart: (plan) => dispatch({ type: 'plan', files: plan.files, bytes: plan.bytes }),
        onResult: (r) => {
          results.push(r);
          soon();
          // What the server could not hash has nothing to compare: its row is an error already.
          if (r.error) return;
          waiting.push(r);
          if (workers < LOCAL_WORKERS) void work();
        },
      })
      .then(() => {
        flush();
        dispatch({ type: 'hashed', height: listRowsRef.current });
        serverDone = true;
        finish();
      })
      .catch((err: unknown) => {
        if (ac.signal.aborted) return;
        dispatch({ type: 'failed', error: errorText(err) });
        onLog(`check all failed: ${errorText(err)}`, 'error');
      });
    return () => {
      ac.abort();
      clearTimeout(timer);
    };
    // Runs once per opening; the callbacks are stable enough for that.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, remoteDir]);

  useKeypress((key) => {
    const c = commandFor('results', key.name);
    if (c === Command.Close) onClose();
    else if (!list.command(c)) return key.name !== 'C-c';
    return true;
  }, Priority.View);

  const inner = width - 2;
  const sum = checkSummary(s);
  const frac = s.planBytes > 0 ? s.hashedBytes / s.planBytes : s.phase === 'done' ? 1 : 0;
  const head: LineSpec =
    s.phase === 'failed'
      ? [{ text: ` ✗ ${s.error}`, color: 'error', bold: true }]
      : [
          { text: ` ${s.phase === 'done' ? 'done' : s.phase === 'comparing' ? 'comparing with local copies' : 'hashing on the server'}  ` },
          { text: progressBar(frac, Math.min(30, Math.max(5, inner - 70))), color: 'accent' },
          { text: `  ${s.rows.length}/${s.planFiles || '?'} files · ${formatBytes(s.hashedBytes)}/${formatBytes(s.planBytes)}` },
          { text: `   ✓ ${sum.same}  ✗ ${sum.differs}  · ${sum.missing}`, bold: true },
        ];
  const pathW = Math.max(10, inner - 2 - 10 - 34 - 4);
  const rows: Array<{ spec: LineSpec; inverse?: boolean; key?: string | number }> = [
    { key: 'head', spec: head },
    { key: 'hdr', spec: [{ text: '   ' + fit('remote file', pathW) + ' ' + fit('size', 9, 'right') + '  ' + fit('md5', 32), dim: true }] },
  ];
  visibleRows(s.rows, list, listRows).forEach((r, i) =>
    rows.push({
      key: r.path,
      inverse: list.top + i === list.cursor,
      spec: [
        { text: ' ' },
        GLYPH[r.local],
        { text: ' ' + fit(r.path, pathW) + ' ' + fit(formatBytes(r.size), 9, 'right') + '  ' },
        r.error ? { text: r.error, color: 'error' } : { text: r.md5 },
      ],
    }),
  );
  while (rows.length < height - 3) rows.push({ key: `p${rows.length}`, spec: '' });
  rows.push({ key: 'legend', spec: [{ text: ' ✓ same as local   ✗ local copy differs   · no local copy   ! could not be read', dim: true }] });
  return <Frame width={width} height={height} title={`check all  ${remoteDir || '/'}`} titleRight="j/k scroll · Esc close" focused rows={rows} />;
}
