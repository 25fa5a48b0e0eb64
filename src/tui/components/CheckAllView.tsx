// 'V' / FileHash checkall: the server hashes every file under the remote folder
// (progress from onStart/onResult), each result is compared with the local copy as
// it arrives, then the table stays up: ✓ same, ✗ differs, · no local copy.

import { useEffect, useReducer, useRef } from 'react';
import { formatBytes } from '../../format.js';
import type { FerryApi, HashResult } from '../../client/types.js';
import { errorText } from '../errors.js';
import { Priority, useKeypress } from '../hooks/use-keypress.js';
import { Command, commandFor } from '../keys/bindings.js';
import { checkAllReducer, checkSummary, initialCheckAll, type CheckRow, type LocalResult, type LocalVerdict } from '../state/check-all.js';
import { fit } from '../text.js';
import { Frame } from './Frame.js';
import type { LineSpec, Seg } from './Line.js';
import { progressBar } from './TransfersArea.js';

export interface CheckAllViewProps {
  api: FerryApi;
  remoteDir: string;
  /** MD5 of the local copy of a remote path, or null when there is none. */
  localMd5Of(remotePath: string): Promise<string | null>;
  width: number;
  height: number;
  onClose(): void;
  onFinished?(rows: readonly CheckRow[]): void;
  onLog(text: string, level?: 'info' | 'error'): void;
}

/** How long results gather before they reach the state (and the screen). */
const GATHER_MS = 100;

const GLYPH: Record<LocalVerdict, Seg> = {
  pending: { text: '…', color: 'muted' },
  same: { text: '✓', color: 'ok', bold: true },
  differs: { text: '✗', color: 'error', bold: true },
  missing: { text: '·', color: 'muted' },
  error: { text: '!', color: 'error' },
};

export function CheckAllView({ api, remoteDir, localMd5Of, width, height, onClose, onFinished, onLog }: CheckAllViewProps) {
  const [s, dispatch] = useReducer(checkAllReducer, initialCheckAll);
  const listRows = Math.max(1, height - 2 - 3);
  // The run's callbacks outlive renders: they read the current list height from here.
  const listRowsRef = useRef(listRows);
  listRowsRef.current = listRows;

  useEffect(() => {
    const ac = new AbortController();
    let chain: Promise<void> = Promise.resolve();
    const rows: CheckRow[] = [];
    // Results and verdicts reach the state in batches, at most every GATHER_MS:
    // one pass over the rows per batch, however many files (and about the
    // redraw rate the app keeps anyway).
    const results: HashResult[] = [];
    const verdicts: LocalResult[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      if (results.length > 0) dispatch({ type: 'results', results: results.splice(0) });
      if (verdicts.length > 0) dispatch({ type: 'locals', verdicts: verdicts.splice(0) });
    };
    const soon = () => {
      timer ??= setTimeout(flush, GATHER_MS);
    };
    api
      .hashAll({
        path: remoteDir || undefined,
        signal: ac.signal,
        onStart: (plan) => dispatch({ type: 'plan', files: plan.files, bytes: plan.bytes }),
        onResult: (r) => {
          results.push(r);
          soon();
          // Local hashing runs one file at a time behind the server's results.
          chain = chain.then(async () => {
            if (ac.signal.aborted) return;
            let verdict: LocalVerdict;
            let local: string | null = null;
            try {
              local = await localMd5Of(r.path);
              verdict = local === null ? 'missing' : local === r.md5 ? 'same' : 'differs';
            } catch {
              verdict = 'error';
            }
            rows.push({ path: r.path, md5: r.md5, size: r.size, local: verdict, localMd5: local ?? undefined });
            if (ac.signal.aborted) return;
            verdicts.push({ path: r.path, verdict, ...(local !== null ? { localMd5: local } : {}) });
            soon();
          });
        },
      })
      .then(async () => {
        flush();
        dispatch({ type: 'hashed', height: listRowsRef.current });
        await chain;
        if (ac.signal.aborted) return;
        flush();
        dispatch({ type: 'done' });
        const differs = rows.filter((r) => r.local === 'differs').length;
        onLog(`check all ${remoteDir || '/'}: ${rows.length} files, ${differs} differ`);
        onFinished?.(rows);
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
    else if (c === Command.Up) dispatch({ type: 'move', delta: -1, height: listRows });
    else if (c === Command.Down) dispatch({ type: 'move', delta: 1, height: listRows });
    else if (c === Command.PageUp) dispatch({ type: 'move', delta: -listRows, height: listRows });
    else if (c === Command.PageDown) dispatch({ type: 'move', delta: listRows, height: listRows });
    else if (c === Command.Top) dispatch({ type: 'moveTo', index: 0, height: listRows });
    else if (c === Command.Bottom) dispatch({ type: 'moveTo', index: -1, height: listRows });
    else return key.name !== 'C-c';
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
  s.rows.slice(s.offset, s.offset + listRows).forEach((r, i) =>
    rows.push({
      key: r.path,
      inverse: s.offset + i === s.cursor,
      spec: [{ text: ' ' }, GLYPH[r.local], { text: ' ' + fit(r.path, pathW) + ' ' + fit(formatBytes(r.size), 9, 'right') + '  ' + r.md5 }],
    }),
  );
  while (rows.length < height - 3) rows.push({ key: `p${rows.length}`, spec: '' });
  rows.push({ key: 'legend', spec: [{ text: ' ✓ same as local   ✗ local copy differs   · no local copy', dim: true }] });
  return <Frame width={width} height={height} title={`check all  ${remoteDir || '/'}`} titleRight="j/k scroll · Esc close" focused rows={rows} />;
}
