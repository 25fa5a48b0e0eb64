// 'L': the server's command log (a page of history, then live through followLogs)
// and this client's own log of actions and outcomes. Text filter, follow toggle.

import { useEffect, useRef, useState, type Dispatch } from 'react';
import type { FerryApi, LogRecord } from '../../client/types.js';
import { plural } from '../../format.js';
import { errorText } from '../errors.js';
import { Priority, useKeypress } from '../hooks/use-keypress.js';
import { useLineInput } from '../hooks/use-line-input.js';
import { useListCursor } from '../hooks/use-list-cursor.js';
import { REDRAW_MS } from '../hooks/use-transfers.js';
import { Command, commandFor } from '../keys/bindings.js';
import { isFailureLine, logWindow, type LogsAction, type LogsState } from '../state/logs.js';
import { Frame } from './Frame.js';
import type { LineSpec } from './Line.js';
import { promptSegments } from './PromptLine.js';

export interface LogViewerProps {
  api: FerryApi;
  logs: LogsState;
  dispatch: Dispatch<LogsAction>;
  width: number;
  height: number;
  onClose(): void;
}

/** Fetch the recent server log, then follow it while the viewer is open. */
function useServerLog(api: FerryApi, dispatch: Dispatch<LogsAction>): void {
  useEffect(() => {
    const ac = new AbortController();
    let buffer: LogRecord[] = [];
    // A follow may start by replaying recent records the first page already had.
    const seen = new Set<string>();
    const fresh = (r: LogRecord) => {
      const key = JSON.stringify(r);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    };
    // Live records arrive in bursts; batch them to the redraw rate.
    const timer = setInterval(() => {
      if (buffer.length === 0) return;
      const records = buffer;
      buffer = [];
      dispatch({ type: 'serverRecords', records });
    }, REDRAW_MS);
    api.logs({ limit: 500 }).then(
      (records) => {
        if (ac.signal.aborted) return;
        dispatch({ type: 'serverRecords', records: records.filter(fresh), replace: true });
        api.followLogs({ signal: ac.signal, onRecord: (r) => void (fresh(r) && buffer.push(r)) }).catch((err: unknown) => {
          if (!ac.signal.aborted) dispatch({ type: 'error', error: `follow stopped: ${errorText(err)}` });
        });
      },
      (err: unknown) => {
        if (!ac.signal.aborted) dispatch({ type: 'error', error: errorText(err) });
      },
    );
    return () => {
      ac.abort();
      clearInterval(timer);
    };
  }, [api, dispatch]);
}

export function LogViewer({ api, logs, dispatch, width, height, onClose }: LogViewerProps) {
  useServerLog(api, dispatch);
  const [filtering, setFiltering] = useState(false);
  const before = useRef(logs.filter);
  const listRows = Math.max(1, height - 3);
  const line = useLineInput({
    initial: logs.filter,
    active: filtering,
    onSubmit: () => setFiltering(false),
    onCancel: () => {
      dispatch({ type: 'filter', text: before.current });
      setFiltering(false);
    },
  });
  // Filter as the user types: the point is to watch the list narrow.
  useEffect(() => {
    if (filtering) dispatch({ type: 'filter', text: line.text });
  }, [filtering, line.text, dispatch]);

  const win = logWindow(logs, listRows);
  // The reducer keeps the window (and follow mode); the hook turns keys into its moves.
  const list = useListCursor(
    { length: win.total, page: listRows, scroll: true },
    { state: { cursor: win.first, top: win.first }, onMove: (move, shape) => dispatch({ type: 'list', move, height: shape.page }) },
  );

  useKeypress((key) => {
    const c = commandFor('logs', key.name);
    switch (c) {
      case Command.Close:
        onClose();
        break;
      case Command.Follow:
        dispatch({ type: 'toggleFollow' });
        break;
      case Command.LogFilter:
        before.current = logs.filter;
        setFiltering(true);
        break;
      case Command.LogSource:
        dispatch({ type: 'source' });
        break;
      default:
        return list.command(c) || key.name !== 'C-c';
    }
    return true;
  }, Priority.View);

  const rows: Array<{ spec: LineSpec; key?: string | number }> = win.lines.map((l, i) => ({
    key: win.first + i,
    spec: [{ text: ' ' + l, color: isFailureLine(logs.source, l) ? 'error' : undefined }],
  }));
  if (win.total === 0) rows.push({ key: 'none', spec: [{ text: logs.filter ? '  no lines match the filter' : '  no log lines yet', dim: true }] });
  while (rows.length < listRows) rows.push({ key: `p${rows.length}`, spec: '' });
  const inner = width - 2;
  const status: LineSpec = filtering
    ? promptSegments(' filter: ', line, inner)
    : logs.error
      ? [{ text: ` ✗ ${logs.error}`, color: 'error' }]
      : [{ text: ` ${plural(win.total, 'line')}${logs.filter ? ` matching "${logs.filter}"` : ''}`, dim: true }];
  rows.push({ key: 'status', spec: status });
  const title = logs.source === 'server' ? 'logs · server commands' : 'logs · this client';
  const right = `${logs.follow ? '● following' : '○ paused'} · f follow · / filter · Tab source · Esc close`;
  return <Frame width={width} height={height} title={title} titleRight={right} focused rows={rows} />;
}
