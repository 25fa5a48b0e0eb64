// The screen: status line, two panes (or a full view over them), transfers, message
// and footer. State lives in hooks and reducers; what commands do lives in
// commands/dispatch; this file only wires them and lays them out.

import { homedir } from 'node:os';
import { Box, Text } from 'ink';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { classicCompleter } from '../../client/classic-complete.js';
import { Failure } from '../../client/failure.js';
import { localMd5s } from '../../client/local-md5s.js';
import { localMd5, localSideAt } from '../../client/local-side.js';
import { RemoteSide } from '../../client/remote-side.js';
import type { CacheApi, CacheStats, FerryApi } from '../../client/types.js';
import { pauseQueue, runCommand, runCommandLine, localCopyRel, type CommandContext, type Overlay, type PaneId } from '../commands/dispatch.js';
import { useConnection } from '../hooks/use-connection.js';
import { Priority, useKeypress } from '../hooks/use-keypress.js';
import { usePane } from '../hooks/use-pane.js';
import { useNavHistory } from '../hooks/use-nav-history.js';
import { usePaneMouse } from '../hooks/use-pane-mouse.js';
import { Command, commandFor, type Scope } from '../keys/bindings.js';
import { useFollowFolder } from '../hooks/use-follow-folder.js';
import { useLatestState } from '../hooks/use-store.js';
import { useTerminalSize } from '../hooks/use-terminal-size.js';
import { useTransfers } from '../hooks/use-transfers.js';
import { useConflictDetails } from '../hooks/use-conflict-details.js';
import { useSavedQueue } from '../hooks/use-saved-queue.js';
import { conflictPosition } from '../state/conflicts.js';
import { CONFLICT_ROWS, ConflictDialog } from './ConflictDialog.js';
import { computeLayout, MIN_COLUMNS, MIN_ROWS } from '../state/layout.js';
import { type ClientLogLine, initialLogs, logsReducer } from '../state/logs.js';
import { batchView } from '../state/transfer-batch.js';
import { pendingCount, rowCount, runningBytes, runningCount, visibleTransfers } from '../state/transfers.js';
import { useCoalesced } from '../hooks/use-coalesced.js';
import { fileOpOf, useFileOps } from '../hooks/use-file-ops.js';
import { useWritable } from '../hooks/use-writable.js';
import { type CompareDeps, useCompare } from '../hooks/use-compare.js';
import { markOf, paneCounts } from '../state/compare.js';
import { CompareLine, compareRows } from './CompareLine.js';
import { SyncPreview } from './SyncPreview.js';
import { FILE_OP_ROWS, FileOpDialog } from './FileOpDialog.js';
import { dialogKeysOf } from '../state/dialog-keys.js';
import { CacheView } from './CacheView.js';
import { CheckAllView } from './CheckAllView.js';
import { BottomLine } from './BottomLine.js';
import { HelpOverlay } from './HelpOverlay.js';
import { LogViewer } from './LogViewer.js';
import { MessageLine, type Message } from './MessageLine.js';
import { Pane, type PaneProps } from './Pane.js';
import { GoToPane } from './GoToPane.js';
import { goToSide, withCdCompletion } from '../hooks/go-to-target.js';
import { QuitDialog } from './QuitDialog.js';
import { CONFIRM_ROWS, ConfirmDialog } from './ConfirmDialog.js';
import { SHORTLIST_ROWS, ShortlistForm } from './ShortlistForm.js';
import { StatusLine } from './StatusLine.js';
import { TransferList } from './TransferList.js';
import { TransfersArea } from './TransfersArea.js';
import { Viewer } from './Viewer.js';

export interface AppProps {
  api: FerryApi;
  cache: CacheApi;
  localRoot: string;
  serverLabel: string;
  /** The remote pane's title, where it differs from the status line's label. */
  remoteLabel?: string;
  /** Uploads are accepted (read from the client, and again on every reconnect, unless given). */
  uploadAllowed?: boolean;
  /** Also compute each download's MD5 here (every chunk is checked by BLAKE3 regardless). */
  md5Here?: boolean;
  /** Transfers open at once; the rest wait in the queue (DEFAULT_TRANSFERS unless set). */
  concurrency?: number;
  /** Where unfinished transfers are kept across a quit (none: not kept). */
  queueFile?: string;
  /** Where the local hash index lives (compare and sync read it); absent: kept in memory for this run. */
  hashIndexFile?: string | null;
  /** The state file `ferry sync` keeps for a pair, which the sync preview reads and writes too; absent: none kept. */
  syncStateFile?: CompareDeps['syncStateFile'];
  onExit(): void;
  pingIntervalMs?: number;
}

function tildify(path: string): string {
  const home = homedir();
  return home.length > 1 && (path === home || path.startsWith(`${home}/`)) ? `~${path.slice(home.length)}` : path;
}

const SCOPE: Partial<Record<Overlay['kind'], Scope>> = {
  help: 'help',
  cache: 'cache',
  logs: 'logs',
  checkall: 'results',
  transfers: 'transfers',
  viewer: 'viewer',
};

export function App({
  api,
  cache,
  localRoot,
  serverLabel,
  remoteLabel = serverLabel,
  uploadAllowed: uploadAllowedAtStart,
  md5Here = false,
  concurrency,
  queueFile,
  hashIndexFile,
  syncStateFile,
  onExit,
  pingIntervalMs,
}: AppProps) {
  const { columns, rows } = useTerminalSize();
  const localStart = useMemo(() => localSideAt(localRoot), [localRoot]);
  const localSide = localStart.side;
  const remoteSide = useMemo(() => new RemoteSide(api), [api]);
  const classic = useMemo(() => classicCompleter(api), [api]);
  // Fresh-readable state (see use-store): key handlers act on what the user last
  // did, even when React has not drawn it yet.
  const [local, dispatchLocal, localLatest] = usePane(localSide, 'local', localStart.path);
  const [remote, dispatchRemote, remoteLatest] = usePane(remoteSide, 'remote');
  const nav = { local: useNavHistory(localLatest, local.path, dispatchLocal), remote: useNavHistory(remoteLatest, remote.path, dispatchRemote) };
  // The remote pane follows its folder on the server: changes there show without `r`.
  useFollowFolder(remoteSide, remote.path, () => dispatchRemote({ type: 'refresh' }));
  const [focus, setFocus, focusLatest] = useLatestState<PaneId>('remote');
  // The ':' line's Tab: the classic commands, and folders of the focused pane after 'cd '.
  const complete = useMemo(
    () =>
      withCdCompletion(classic, () =>
        goToSide(focusLatest.current, (focusLatest.current === 'local' ? localLatest : remoteLatest).current.path, api, localSide),
      ),
    [classic, focusLatest, localLatest, remoteLatest, api, localSide],
  );
  const [overlay, setOverlay, overlayLatest] = useLatestState<Overlay>({ kind: 'none' });
  const [message, setMessage, messageLatest] = useLatestState<Message | null>(null);
  const [logs, dispatchLogs] = useReducer(logsReducer, initialLogs);
  const [history, setHistory] = useState<string[]>([]);
  const [cacheStats, setCacheStats] = useState<CacheStats | null>(null);

  // Lines reach the log view at most every 250 ms, many at once: a batch logs a line a file.
  const logBuffer = useRef<ClientLogLine[]>([]);
  const flushLog = useCoalesced(() => dispatchLogs({ type: 'clientMany', lines: logBuffer.current.splice(0) }), 250);
  const log = useCallback((text: string, level: 'info' | 'error' = 'info') => {
    logBuffer.current.push({ time: Date.now(), level, text });
    flushLog();
  }, []);
  const refreshCache = useCallback(() => void cache.stats().then(setCacheStats, () => undefined), [cache]);
  useEffect(refreshCache, [refreshCache]);

  // A batch of small files finishes many downloads a second: the local pane and
  // the cache figures are read again at once, then every 10 s at most while the
  // batch runs and once when it ends, not once per file (a folder of 20,000 files
  // is 20,000 stats to list; every 2 s, that slowed the batch down as it grew).
  const afterDownloads = useCoalesced(() => {
    dispatchLocal({ type: 'refresh' });
    refreshCache();
  }, 10_000);
  const transfers = useTransfers(api, {
    md5Here,
    ...(concurrency !== undefined ? { concurrency } : {}),
    onDownloaded: (r) => {
      fileOpsRef.current?.downloaded(r);
      log(`downloaded ${r.path} (${r.bytes} B, ${r.transport.toUpperCase()}, cache ${r.cache}) md5 ${r.md5} verified`);
      afterDownloads();
    },
    onUploaded: (r) => {
      fileOpsRef.current?.uploaded(r);
      log(`uploaded ${r.path} (${r.bytes} B) md5 ${r.md5} verified`);
      dispatchRemote({ type: 'refresh' });
    },
    onFailed: (f) => {
      fileOpsRef.current?.transferFailed(f.path);
      if (f.reason === Failure.Cancelled) {
        log(`${f.kind} ${f.path} cancelled`);
        return;
      }
      log(`${f.kind} ${f.path} failed: ${f.error}`, 'error');
      setMessage({ level: 'error', text: `${f.path}: ${f.error}` });
    },
  });
  const status = useConnection(api, pingIntervalMs);
  // What the server allows, read again after every reconnection.
  const permissions = useWritable(api, uploadAllowedAtStart);
  const uploadAllowed = permissions.upload;
  // What the file operations and the compare both act through: the panes as they are now, and the queue.
  const shared = {
    api,
    localSide,
    panes: () => ({ local: localLatest.current, remote: remoteLatest.current }),
    dispatch: { local: dispatchLocal, remote: dispatchRemote },
    transfers,
    permissions,
    setMessage,
    log,
  };
  const fileOps = useFileOps({ ...shared, remoteSide });
  const compare = useCompare({
    ...shared,
    ...(hashIndexFile !== undefined ? { indexFile: hashIndexFile } : {}),
    ...(syncStateFile ? { syncStateFile } : {}),
  });
  const fileOpsRef = useRef(fileOps);
  fileOpsRef.current = fileOps;
  // Back from a drop: what the remote pane shows may be an error or stale.
  const lastState = useRef(status.state);
  useEffect(() => {
    if (status.state === 'connected' && lastState.current !== 'connected') {
      dispatchRemote({ type: 'refresh' });
      log('connection back: remote listing refreshed');
    }
    lastState.current = status.state;
  }, [status.state, dispatchRemote, log]);
  const running = runningCount(transfers.transfers);
  const pending = pendingCount(transfers.transfers);
  const wasPending = useRef(false);
  useEffect(() => {
    if (wasPending.current && pending === 0) {
      dispatchLocal({ type: 'refresh' });
      refreshCache();
    }
    wasPending.current = pending > 0;
  }, [pending]);
  const batch = transfers.transfers.batch;
  const stats = batch ? batchView(batch, running, runningBytes(transfers.transfers), transfers.transfers.paused, Date.now()) : undefined;
  const saved = useSavedQueue(queueFile, api.info.address, transfers, log);
  const exit = useCallback(() => {
    saved.keep(); // before the abort, which settles everything
    transfers.abortAll();
    onExit();
  }, [transfers, onExit, saved]);
  // A conflict is asked in the transfer area's place unless another question is open.
  const conflict = fileOps.dialog || ['shortlist', 'quit', 'cancelAll', 'goto'].includes(overlay.kind) ? undefined : transfers.conflicts.waiting[0];
  const conflictDetails = useConflictDetails(api, conflict);
  const offer = conflict === undefined && overlay.kind === 'none' ? saved.offer : null;

  const dialogRows = fileOps.dialog
    ? FILE_OP_ROWS
    : overlay.kind === 'shortlist'
      ? SHORTLIST_ROWS
      : overlay.kind === 'quit' || overlay.kind === 'cancelAll'
        ? CONFIRM_ROWS
        : conflict
          ? CONFLICT_ROWS
          : offer
            ? CONFIRM_ROWS
            : 0;
  // One row stays free: a frame as tall as the terminal makes Ink repaint with
  // ESC[3J, which wipes the user's scrollback, and redraw everything each time.
  const layout = computeLayout(columns, rows - 1 - compareRows(compare), rowCount(transfers.transfers), message !== null, dialogRows, stats ? 1 : 0);
  const close = useCallback(() => setOverlay({ kind: 'none' }), [setOverlay]);
  // The last transfer removed while selecting: nothing left to pick, back to the panes.
  // Asked of the newest state: the drawn one lags by up to a redraw.
  useEffect(() => {
    if (overlay.kind === 'transfers' && rowCount(transfers.latest.current) === 0) close();
  }, [overlay.kind, rowCount(transfers.transfers), close]);

  const listRows = useRef(layout.listRows);
  listRows.current = layout.listRows;
  /** The command context as of now (not as of the last render). */
  const current = (): CommandContext => ({
    api,
    localSide,
    panes: { local: localLatest.current, remote: remoteLatest.current },
    dispatch: { local: dispatchLocal, remote: dispatchRemote },
    focus: focusLatest.current,
    setFocus,
    setOverlay,
    message: messageLatest.current,
    setMessage,
    log,
    transfers,
    running: pendingCount(transfers.latest.current),
    uploadAllowed,
    listRows: listRows.current,
    exit,
    nav,
  });

  const dispatchOf = (id: PaneId) => (id === 'local' ? dispatchLocal : dispatchRemote);
  usePaneMouse({
    active: () => overlayLatest.current.kind === 'none' && !compare.preview && columns >= MIN_COLUMNS && rows >= MIN_ROWS,
    // The panes sit under the one-row status line.
    geometry: () => ({ columns: layout.columns, leftWidth: layout.leftWidth, top: 2, paneHeight: layout.paneHeight, listRows: layout.listRows }),
    panes: { local: localLatest, remote: remoteLatest },
    select: (id, index) => {
      setFocus(id);
      if (index !== null) dispatchOf(id)({ type: 'moveTo', index, height: listRows.current });
    },
    open: (id) => runCommand({ ...current(), focus: id }, Command.Open),
    scroll: (id, delta) => dispatchOf(id)({ type: 'move', delta, height: listRows.current }),
  });

  // Ctrl-C always leaves, whatever is open: the terminal is restored by the runner.
  useKeypress((key) => {
    if (key.name !== 'C-c') return false;
    exit();
    return true;
  }, Priority.Global);
  useKeypress((key) => {
    // Registered throughout and asked at the moment of the key: an overlay opened
    // by the previous key owns the keys even before it is drawn.
    if (overlayLatest.current.kind !== 'none') return false;
    const c = commandFor('panes', key.name);
    if (c === undefined) return false;
    const op = fileOpOf(c);
    if (op) fileOps.begin(op, focusLatest.current);
    else if (!compare.command(c)) runCommand(current(), c);
    return true;
  }, Priority.Panes);

  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return <Text wrap="truncate">{`ferry needs ${MIN_COLUMNS}x${MIN_ROWS}; this is ${columns}x${rows}`.slice(0, columns)}</Text>;
  }

  const focusedPane = focus === 'local' ? local : remote;
  /** A pane, or the pane with the go-to prompt in its last row while C-g is open there. */
  const withGoTo = (id: PaneId, props: PaneProps) =>
    overlay.kind === 'goto' && overlay.pane === id ? (
      <GoToPane
        pane={props}
        {...goToSide(id, props.state.path, api, localSide)}
        onCancel={close}
        onMessage={setMessage}
        onGo={(path) => {
          close();
          (id === 'local' ? dispatchLocal : dispatchRemote)({ type: 'cd', path });
        }}
      />
    ) : (
      <Pane {...props} />
    );
  /** A compared pane's marks and counts. */
  const paneCompare = (id: PaneId): Pick<PaneProps, 'compare'> => {
    const r = compare.result;
    if (!r) return {};
    const counts = paneCounts(r, id) + (compare.differencesOnly ? ' · diffs only' : '');
    return { compare: { mark: (e) => markOf(r, id, e), counts } };
  };
  const view = (() => {
    const w = layout.columns;
    const h = layout.paneHeight;
    switch (overlay.kind) {
      case 'help':
        return <HelpOverlay width={w} height={h} onClose={close} />;
      case 'cache':
        return <CacheView cache={cache} width={w} height={h} onClose={close} onLog={log} onChanged={refreshCache} />;
      case 'viewer':
        return (
          <Viewer
            side={overlay.pane === 'local' ? localSide : remoteSide}
            path={overlay.path}
            size={overlay.size}
            label={overlay.pane}
            shownPath={overlay.pane === 'local' ? tildify(localSide.resolve(overlay.path)) : overlay.path}
            width={w}
            height={h}
            onClose={close}
          />
        );
      case 'logs':
        return <LogViewer api={api} logs={logs} dispatch={dispatchLogs} width={w} height={h} onClose={close} />;
      case 'checkall':
        return (
          <CheckAllView
            api={api}
            remoteDir={remote.path}
            localMd5Of={(p) => localMd5(localSide.resolve(localCopyRel(current(), p)))}
            localMd5sOf={(ps) => localMd5s(ps.map((p) => localSide.resolve(localCopyRel(current(), p))))}
            width={w}
            height={h}
            onClose={close}
            onLog={log}
            onFinished={(results) => {
              const verdict = { same: 'same', differs: 'differs', missing: 'nolocal', error: 'failed', pending: 'pending' } as const;
              dispatchRemote({ type: 'verifyMany', marks: results.map((r) => [r.path, verdict[r.local]] as const) });
            }}
          />
        );
      default:
        if (compare.preview && compare.result)
          return (
            <SyncPreview
              compare={compare}
              preview={compare.preview}
              result={compare.result}
              localWhere={tildify(localSide.resolve(compare.result.dirs.local))}
              uploadAllowed={uploadAllowed}
              width={w}
              height={h}
            />
          );
        return (
          <Box flexDirection="row" height={h}>
            {withGoTo('local', {
              state: local,
              label: localSide.label,
              where: tildify(localSide.resolve(local.path)),
              width: layout.leftWidth,
              height: h,
              listRows: layout.listRows,
              focused: focus === 'local',
              ...paneCompare('local'),
            })}
            {withGoTo('remote', {
              state: remote,
              label: permissions.write ? remoteLabel : `${remoteLabel} · read-only`,
              width: layout.rightWidth,
              height: h,
              listRows: layout.listRows,
              focused: focus === 'remote',
              ...paneCompare('remote'),
              offline: status.state === 'reconnecting',
            })}
          </Box>
        );
    }
  })();

  const bottom = (
    <BottomLine
      width={layout.columns}
      overlay={overlay}
      filters={focusedPane.filters}
      history={history}
      footer={{ scope: SCOPE[overlay.kind] ?? 'panes', pane: focus, uploadAllowed }}
      dialogKeys={dialogKeysOf({
        fileOp: fileOps.dialog,
        conflict: conflict !== undefined,
        resumeOffer: offer !== null,
        preview: overlay.kind === 'none' ? compare.preview : null,
      })}
      onClose={close}
      onFilters={(filters) => (focus === 'local' ? dispatchLocal : dispatchRemote)({ type: 'setFilters', filters })}
      complete={complete}
      onNameFilter={(name) => (focus === 'local' ? dispatchLocal : dispatchRemote)({ type: 'nameFilter', name })}
      onRunLine={(text) => {
        setHistory((h) => (h[h.length - 1] === text ? h : [...h, text].slice(-100)));
        if (!fileOps.runLine(text)) runCommandLine(current(), text);
      }}
    />
  );

  return (
    <Box flexDirection="column" width={layout.columns} height={layout.rows}>
      <StatusLine
        width={layout.columns}
        serverLabel={serverLabel}
        status={status}
        cache={cacheStats}
        running={running}
        queued={Math.max(0, pending - running)}
      />
      {view}
      {fileOps.dialog ? (
        <FileOpDialog width={layout.columns} dialog={fileOps.dialog} ops={fileOps} />
      ) : overlay.kind === 'shortlist' ? (
        <ShortlistForm
          width={layout.columns}
          filters={focusedPane.filters}
          onCancel={close}
          onApply={(range) => {
            close();
            (focus === 'local' ? dispatchLocal : dispatchRemote)({ type: 'setFilters', filters: { ...focusedPane.filters, ...range } });
          }}
        />
      ) : overlay.kind === 'quit' ? (
        <QuitDialog
          width={layout.columns}
          running={running}
          queued={Math.max(0, pending - running)}
          keeps={queueFile !== undefined}
          onConfirm={exit}
          onCancel={close}
        />
      ) : overlay.kind === 'cancelAll' ? (
        <ConfirmDialog
          width={layout.columns}
          title="cancel all?"
          question={`Cancel ${running} running and ${Math.max(0, pending - running)} queued ${pending === 1 ? 'transfer' : 'transfers'}?`}
          yes="cancel them"
          no="keep going"
          onCancel={close}
          onConfirm={() => {
            close();
            log(`cancel all: ${running} running, ${Math.max(0, pending - running)} queued`);
            transfers.cancelAll();
          }}
        />
      ) : conflict ? (
        <ConflictDialog
          width={layout.columns}
          conflict={conflict}
          details={conflictDetails}
          position={conflictPosition(transfers.conflicts)}
          onAnswer={(answer, all) => {
            log(`${conflict.path}: ${answer}${all ? ' (for the rest of this batch)' : ''}`);
            transfers.answerConflict(answer, all);
          }}
        />
      ) : offer ? (
        <ConfirmDialog
          width={layout.columns}
          title="resume?"
          question={`${offer.entries.length} ${offer.entries.length === 1 ? 'transfer was' : 'transfers were'} left unfinished at the last quit (${offer.server}). Resume?`}
          yes="resume"
          no="forget them"
          onConfirm={saved.accept}
          onCancel={saved.decline}
        />
      ) : overlay.kind === 'transfers' && layout.transferRows > 0 ? (
        <TransferList
          transfers={transfers}
          width={layout.columns}
          height={layout.transferHeight}
          rows={layout.transferRows}
          stats={stats}
          onClose={close}
          onPause={() => pauseQueue(current())}
          onCancelAll={() => setOverlay({ kind: 'cancelAll' })}
          onLog={log}
        />
      ) : layout.transferHeight > 0 ? (
        <TransfersArea
          width={layout.columns}
          height={layout.transferHeight}
          transfers={visibleTransfers(transfers.transfers, layout.transferRows)}
          total={rowCount(transfers.transfers)}
          stats={stats}
          offline={status.state === 'reconnecting'}
        />
      ) : null}
      {compareRows(compare) > 0 ? <CompareLine compare={compare} width={layout.columns} /> : null}
      {message ? <MessageLine message={message} width={layout.columns} /> : null}
      {bottom}
    </Box>
  );
}
