// What each command does: the bridge between keys (or a classic command line) and
// the client API. Results and failures come back as messages and client log lines,
// in place; nothing here throws into React.

import { basename } from 'node:path';
import { parseClassic, type ClassicCommand } from '../../client/classic.js';
import { localMd5, type LocalSide } from '../../client/local-side.js';
import type { Entry, FerryApi, Transport } from '../../client/types.js';
import { formatBytes, formatTime } from '../../format.js';
import { errorText } from '../errors.js';
import { Command } from '../keys/bindings.js';
import type { Message } from '../components/MessageLine.js';
import { hasFilters, isTreeSearch, type Filters } from '../state/filters.js';
import { pendingCount, rowCount } from '../state/transfers.js';
import { joinPath, selectedEntry, targetEntries, type PaneAction, type PaneState } from '../state/pane.js';
import { listMoveFor } from '../hooks/use-list-cursor.js';
import { checkTarget, goToSide } from '../hooks/go-to-target.js';
import type { PaneNav } from '../hooks/use-nav-history.js';
import type { Transfers } from '../hooks/use-transfers.js';

export type Overlay =
  | { kind: 'none' }
  | { kind: 'help' }
  | { kind: 'cache' }
  | { kind: 'logs' }
  | { kind: 'checkall' }
  | { kind: 'shortlist' }
  | { kind: 'prompt'; field: 'ext' | 'keyword' | 'find' }
  | { kind: 'nameFilter' }
  | { kind: 'viewer'; pane: PaneId; path: string; size: number }
  | { kind: 'command' }
  | { kind: 'goto'; pane: PaneId }
  | { kind: 'quit' }
  | { kind: 'transfers' }
  | { kind: 'cancelAll' };

export type PaneId = 'local' | 'remote';

export interface CommandContext {
  api: FerryApi;
  localSide: LocalSide;
  panes: Record<PaneId, PaneState>;
  dispatch: Record<PaneId, (a: PaneAction) => void>;
  focus: PaneId;
  setFocus(p: PaneId): void;
  setOverlay(o: Overlay): void;
  message: Message | null;
  setMessage(m: Message | null): void;
  log(text: string, level?: 'info' | 'error'): void;
  transfers: Transfers;
  /** Transfers running or waiting in the queue. */
  running: number;
  uploadAllowed: boolean;
  listRows: number;
  exit(): void;
  /** Each pane's back/forward history. */
  nav?: Record<PaneId, PaneNav>;
}

/**
 * Where a remote file's local copy lives: the same place relative to the remote
 * pane's folder, under the local pane's folder (downloads land there).
 */
export function localCopyRel(ctx: Pick<CommandContext, 'panes'>, remotePath: string, remoteDir = ctx.panes.remote.path): string {
  const rel = remoteDir === '' ? remotePath : remotePath.startsWith(`${remoteDir}/`) ? remotePath.slice(remoteDir.length + 1) : basename(remotePath);
  return joinPath(ctx.panes.local.path, rel);
}

export async function verifyFile(ctx: CommandContext, remotePath: string): Promise<void> {
  const localRel = localCopyRel(ctx, remotePath);
  ctx.dispatch.remote({ type: 'verify', path: remotePath, mark: 'pending' });
  try {
    const remote = await ctx.api.hash(remotePath);
    const local = await localMd5(ctx.localSide.resolve(localRel));
    const mark = local === null ? 'nolocal' : local === remote.md5 ? 'same' : 'differs';
    ctx.dispatch.remote({ type: 'verify', path: remotePath, mark });
    if (local !== null) ctx.dispatch.local({ type: 'verify', path: localRel, mark });
    // The verdict first: on a narrow screen the details are what gets cut.
    const verdict = mark === 'same' ? '✓ same as the local copy' : mark === 'differs' ? `✗ local copy differs (local md5 ${local})` : '· no local copy';
    const text = `${remotePath} ${verdict} · md5 ${remote.md5} · ${formatBytes(remote.size)} · modified ${formatTime(remote.mtimeMs)}`;
    ctx.setMessage({ level: mark === 'differs' ? 'error' : mark === 'same' ? 'ok' : 'info', text, plain: true });
    ctx.log(`verify ${text}`, mark === 'differs' ? 'error' : 'info');
  } catch (err) {
    ctx.dispatch.remote({ type: 'verify', path: remotePath, mark: 'failed' });
    ctx.setMessage({ level: 'error', text: `verify ${remotePath}: ${errorText(err)}` });
    ctx.log(`verify ${remotePath} failed: ${errorText(err)}`, 'error');
  }
}

/**
 * Queue downloads: files go into the queue at once (it reads them as it drains),
 * marked folders come down whole, each into a folder of the same name.
 */
function startDownloads(ctx: CommandContext, targets: Array<{ path: string; size?: number; type?: Entry['type'] }>, transport: Transport): void {
  const dest = localDest(ctx);
  if (dest === null) return;
  // A broken link has nothing to download.
  const files = targets.filter((t) => t.type === undefined || t.type === 'file');
  const folders = targets.filter((t) => t.type === 'dir');
  const via = `over ${transport.toUpperCase()} → ${dest}`;
  if (files.length === 1) {
    ctx.transfers.download(files[0]!.path, transport, dest, files[0]!.size);
    ctx.log(`download ${files[0]!.path} ${via}`);
  } else if (files.length > 1) {
    ctx.transfers.downloadFiles(
      files.map((f) => ({ path: f.path, size: f.size })),
      transport,
      dest,
    );
    // One line for the batch: 20,000 lines would push everything else out of the log.
    ctx.log(`download ${files.length} files (${files[0]!.path} …) ${via}`);
  }
  for (const f of folders) {
    ctx.transfers.downloadFolder(f.path, transport, dest);
    ctx.log(`download folder ${f.path}/ ${via}`);
  }
  ctx.dispatch.remote({ type: 'clearMarks' });
}

function localDest(ctx: CommandContext): string | null {
  try {
    return ctx.localSide.resolve(ctx.panes.local.path);
  } catch (err) {
    ctx.setMessage({ level: 'error', text: errorText(err) });
    return null;
  }
}

function download(ctx: CommandContext, transport: Transport): void {
  if (ctx.focus !== 'remote') {
    ctx.setMessage({ level: 'info', text: 'downloads start from the remote pane: Tab to switch' });
    return;
  }
  const targets = targetEntries(ctx.panes.remote);
  if (targets.length > 0) {
    startDownloads(ctx, targets, transport);
    return;
  }
  const sel = selectedEntry(ctx.panes.remote);
  if (sel?.type !== 'dir') {
    ctx.setMessage({ level: 'info', text: 'nothing to download here' });
    return;
  }
  startDownloads(ctx, [sel], transport);
}

function upload(ctx: CommandContext): void {
  if (!ctx.uploadAllowed) {
    ctx.setMessage({ level: 'error', text: 'this server does not accept uploads' });
    return;
  }
  if (ctx.focus !== 'local') {
    ctx.setMessage({ level: 'info', text: 'uploads start from the local pane: Tab to switch' });
    return;
  }
  const sel = selectedEntry(ctx.panes.local);
  // Marked entries, else the selected file, or the selected folder whole (as d does).
  const marked = targetEntries(ctx.panes.local);
  const targets = marked.length > 0 ? marked : sel?.type === 'dir' ? [sel] : [];
  if (targets.length === 0) {
    ctx.setMessage({ level: 'info', text: 'select or mark local files or folders to upload' });
    return;
  }
  const chosen = targets.filter((e) => e.type === 'file');
  const files = chosen.map((e) => ({ localPath: ctx.localSide.resolve(e.path), remotePath: joinPath(ctx.panes.remote.path, e.name), size: e.size }));
  if (files.length === 1) ctx.transfers.upload(files[0]!.localPath, files[0]!.remotePath, files[0]!.size);
  else if (files.length > 1) ctx.transfers.uploadFiles(files);
  if (files.length > 0)
    ctx.log(files.length === 1 ? `upload ${chosen[0]!.path} → ${files[0]!.remotePath}` : `upload ${files.length} files → ${ctx.panes.remote.path || '/'}`);
  // A folder goes whole: walked as the queue drains, its empty folders made there too.
  for (const e of targets.filter((x) => x.type === 'dir')) {
    const remote = joinPath(ctx.panes.remote.path, e.name);
    ctx.transfers.uploadFolder(ctx.localSide.resolve(e.path), remote);
    ctx.log(`upload ${e.path}/ → ${remote}/`);
  }
  ctx.dispatch.local({ type: 'clearMarks' });
}

/** p: hold the queue (running transfers finish, nothing new starts), or let it go on. */
export function pauseQueue(ctx: Pick<CommandContext, 'transfers' | 'setMessage' | 'log'>): void {
  const paused = !ctx.transfers.latest.current.paused;
  ctx.transfers.togglePause();
  ctx.log(paused ? 'transfer queue paused' : 'transfer queue resumed');
  ctx.setMessage({ level: 'info', text: paused ? 'queue paused: running transfers finish, no new ones start (p resumes)' : 'queue resumed' });
}

function setFilters(ctx: CommandContext, pane: PaneId, f: Filters): void {
  ctx.dispatch[pane]({ type: 'setFilters', filters: f });
}

/** Run one pane-scope command. */
export function runCommand(ctx: CommandContext, command: Command): void {
  const pane = ctx.panes[ctx.focus];
  const dispatch = ctx.dispatch[ctx.focus];
  const h = ctx.listRows;
  const move = listMoveFor(command);
  if (move) return dispatch({ type: 'list', move, height: h });
  switch (command) {
    case Command.Open: {
      const e = pane.view[pane.cursor];
      if (e?.type === 'dir') dispatch({ type: 'cd', path: e.path });
      // In results from the tree below, Enter goes to the file where it is.
      else if (e?.type === 'file' && isTreeSearch(pane.filters)) dispatch({ type: 'reveal', path: e.path });
      else if (e?.type === 'file') ctx.setOverlay({ kind: 'viewer', pane: ctx.focus, path: e.path, size: e.size });
      return;
    }
    case Command.Parent:
      return dispatch({ type: 'parent' });
    case Command.GoTo:
      return ctx.setOverlay({ kind: 'goto', pane: ctx.focus });
    case Command.Back:
    case Command.Forward: {
      const back = command === Command.Back;
      if (ctx.nav?.[ctx.focus].go(back ? 'back' : 'forward') === false)
        ctx.setMessage({ level: 'info', text: back ? 'nothing to go back to' : 'nothing to go forward to' });
      return;
    }
    case Command.SwitchPane:
      return ctx.setFocus(ctx.focus === 'local' ? 'remote' : 'local');
    case Command.Mark:
      return dispatch({ type: 'toggleMark', height: h });
    case Command.MarkAll:
      return dispatch({ type: 'markAll' });
    case Command.Sort:
      return dispatch({ type: 'cycleSort' });
    case Command.Reverse:
      return dispatch({ type: 'reverse' });
    case Command.Hidden:
      return dispatch({ type: 'toggleHidden' });
    case Command.Refresh:
      return dispatch({ type: 'refresh' });
    case Command.Shortlist:
      return ctx.setOverlay({ kind: 'shortlist' });
    case Command.Longlist:
      return setFilters(ctx, ctx.focus, { ...pane.filters, after: undefined, before: undefined });
    case Command.Ext:
      return ctx.setOverlay({ kind: 'prompt', field: 'ext' });
    case Command.Keyword:
      return ctx.setOverlay({ kind: 'prompt', field: 'keyword' });
    case Command.FindName:
      return ctx.setOverlay({ kind: 'prompt', field: 'find' });
    case Command.FilterName:
      return ctx.setOverlay({ kind: 'nameFilter' });
    case Command.ClearFilters:
      // Esc peels one layer at a time: the message, then filters, then marks.
      if (ctx.message) return ctx.setMessage(null);
      if (hasFilters(pane.filters)) return setFilters(ctx, ctx.focus, {});
      return dispatch({ type: 'clearMarks' });
    case Command.Download:
      return download(ctx, 'tcp');
    case Command.DownloadUdp:
      return download(ctx, 'udp');
    case Command.Upload:
      return upload(ctx);
    case Command.ClearTransfers:
      return ctx.transfers.clearFinished();
    case Command.PauseQueue:
      return pauseQueue(ctx);
    case Command.CancelAll:
      if (pendingCount(ctx.transfers.latest.current) === 0) return ctx.setMessage({ level: 'info', text: 'nothing to cancel' });
      return ctx.setOverlay({ kind: 'cancelAll' });
    case Command.SelectTransfers:
      if (rowCount(ctx.transfers.latest.current) === 0) return ctx.setMessage({ level: 'info', text: 'no transfers yet' });
      return ctx.setOverlay({ kind: 'transfers' });
    case Command.Verify: {
      const e = selectedEntry(pane);
      if (e?.type !== 'file') return ctx.setMessage({ level: 'info', text: 'select a file to verify' });
      void verifyFile(ctx, ctx.focus === 'remote' ? e.path : joinPath(ctx.panes.remote.path, e.name));
      return;
    }
    case Command.CheckAll:
      return ctx.setOverlay({ kind: 'checkall' });
    case Command.Cache:
      return ctx.setOverlay({ kind: 'cache' });
    case Command.Logs:
      return ctx.setOverlay({ kind: 'logs' });
    case Command.CommandLine:
      return ctx.setOverlay({ kind: 'command' });
    case Command.Help:
      return ctx.setOverlay({ kind: 'help' });
    case Command.Quit:
      return ctx.running > 0 ? ctx.setOverlay({ kind: 'quit' }) : ctx.exit();
    default:
      return;
  }
}

/** Run a parsed classic command (from the ':' line). */
export function runClassic(ctx: CommandContext, cmd: ClassicCommand): void {
  switch (cmd.kind) {
    case 'index':
      ctx.setFocus('remote');
      if (cmd.mode === 'shortlist') setFilters(ctx, 'remote', { after: cmd.after, before: cmd.before, ext: cmd.ext });
      else setFilters(ctx, 'remote', { ext: cmd.ext, keyword: cmd.keyword });
      ctx.log(`IndexGet ${cmd.mode}`);
      return;
    case 'hash':
      if (cmd.mode === 'checkall') return ctx.setOverlay({ kind: 'checkall' });
      void verifyFile(ctx, cmd.path.replace(/^\/+/, ''));
      return;
    case 'download':
      startDownloads(ctx, [{ path: cmd.path.replace(/^\/+/, '') }], cmd.transport);
      return;
    case 'help':
      return ctx.setOverlay({ kind: 'help' });
    case 'quit':
      return ctx.running > 0 ? ctx.setOverlay({ kind: 'quit' }) : ctx.exit();
  }
}

/** ':cd PATH': the focused pane goes to PATH (no PATH: the share's root, or home here), as C-g does. */
function changeFolder(ctx: CommandContext, typed: string): void {
  const pane = ctx.focus;
  const { context, folders } = goToSide(pane, ctx.panes[pane].path, ctx.api, ctx.localSide);
  void checkTarget(typed || (pane === 'local' ? '~' : '/'), context, folders).then((r) => {
    if ('error' in r) return ctx.setMessage({ level: 'error', text: r.error });
    ctx.dispatch[pane]({ type: 'cd', path: r.path });
  });
}

/** Parse and run one ':' line; a parse error becomes the message, in place. */
export function runCommandLine(ctx: CommandContext, text: string): void {
  const cd = /^cd(?:\s+(.*))?$/.exec(text.trim());
  if (cd) {
    ctx.log(`$ ${text}`);
    return changeFolder(ctx, (cd[1] ?? '').trim());
  }
  const parsed = parseClassic(text);
  if ('error' in parsed) {
    ctx.setMessage({ level: 'error', text: parsed.error });
    ctx.log(`$ ${text}: ${parsed.error}`, 'error');
    return;
  }
  ctx.log(`$ ${text}`);
  runClassic(ctx, parsed);
}
