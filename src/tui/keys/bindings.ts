// The key table: every command the app understands, the keys bound to it and the
// words that describe it. Handlers ask "which Command is this key?" and the help
// overlay and footer are generated from the same rows, so they cannot drift apart.

export enum Command {
  Up = 'up',
  Down = 'down',
  PageUp = 'page-up',
  PageDown = 'page-down',
  Top = 'top',
  Bottom = 'bottom',
  Open = 'open',
  Parent = 'parent',
  GoTo = 'go-to',
  Back = 'back',
  Forward = 'forward',
  SwitchPane = 'switch-pane',
  Mark = 'mark',
  MarkAll = 'mark-all',
  Sort = 'sort',
  Reverse = 'reverse',
  Hidden = 'hidden',
  Refresh = 'refresh',
  Shortlist = 'shortlist',
  Longlist = 'longlist',
  Ext = 'ext',
  Keyword = 'keyword',
  FilterName = 'filter-name',
  FindName = 'find-name',
  ClearFilters = 'clear-filters',
  Download = 'download',
  DownloadUdp = 'download-udp',
  Upload = 'upload',
  ClearTransfers = 'clear-transfers',
  SelectTransfers = 'select-transfers',
  CancelTransfer = 'cancel-transfer',
  PauseQueue = 'pause-queue',
  CancelAll = 'cancel-all',
  Verify = 'verify',
  CheckAll = 'check-all',
  Cache = 'cache',
  Logs = 'logs',
  CommandLine = 'command-line',
  Help = 'help',
  Quit = 'quit',
  Copy = 'copy',
  Move = 'move',
  MakeFolder = 'make-folder',
  Delete = 'delete',
  Compare = 'compare',
  SyncPreview = 'sync-preview',
  // Inside views
  Close = 'close',
  Follow = 'follow',
  LogFilter = 'log-filter',
  LogSource = 'log-source',
  Evict = 'evict',
  ClearCache = 'clear-cache',
  ViewerHex = 'viewer-hex',
  /** '/' asks what to search, n goes to the next match, N the previous (one row in the help). */
  ViewerSearch = 'viewer-search',
  /** Left and right: which way is the key's (one row in the help). */
  ScrollSideways = 'scroll-sideways',
}

/** Where a binding applies: the two panes, or one of the full views. */
export type Scope = 'panes' | 'logs' | 'cache' | 'results' | 'help' | 'transfers' | 'viewer';

export type Group = 'Navigate' | 'Select & view' | 'Filter' | 'Transfer' | 'Files' | 'Verify' | 'Views' | 'Log viewer' | 'Cache pane';

export interface Binding {
  command: Command;
  keys: string[];
  /** Short word for the footer. */
  label: string;
  /** Sentence for the help overlay (at most 40 columns: two columns fit 100). */
  help: string;
  group: Group;
  scopes: Scope[];
  /**
   * Footer order; bindings without it stay out of the footer. From PINNED_FOOTER up
   * an entry is always shown (help, quit, close), whatever the width.
   */
  footer?: number;
  /** Where the footer shows it, when not everywhere it applies (the panes' footer is full). */
  footerScopes?: Scope[];
  /** Only meaningful with this pane focused. */
  pane?: 'local' | 'remote';
}

export const PINNED_FOOTER = 90;

const NAV: Scope[] = ['panes', 'logs', 'cache', 'results', 'help', 'transfers', 'viewer'];

export const BINDINGS: readonly Binding[] = [
  // The wheel is a key here (keys/mouse.ts names its turns) so every list scrolls with it.
  { command: Command.Up, keys: ['k', 'up', 'wheel-up'], label: 'up', help: 'Move up', group: 'Navigate', scopes: NAV },
  { command: Command.Down, keys: ['j', 'down', 'wheel-down'], label: 'down', help: 'Move down', group: 'Navigate', scopes: NAV },
  { command: Command.PageUp, keys: ['pageup', 'C-b'], label: 'page up', help: 'Page up', group: 'Navigate', scopes: NAV },
  { command: Command.PageDown, keys: ['pagedown', 'C-f'], label: 'page down', help: 'Page down', group: 'Navigate', scopes: NAV },
  { command: Command.Top, keys: ['g', 'home'], label: 'top', help: 'First row', group: 'Navigate', scopes: NAV },
  { command: Command.Bottom, keys: ['G', 'end'], label: 'bottom', help: 'Last row', group: 'Navigate', scopes: NAV },
  {
    command: Command.Open,
    keys: ['enter', 'right', 'F3'],
    label: 'open',
    help: 'Open folder, view file, go to a result',
    group: 'Navigate',
    scopes: ['panes'],
  },
  { command: Command.Parent, keys: ['backspace', 'h', 'left'], label: 'up dir', help: 'Go to the parent folder', group: 'Navigate', scopes: ['panes'] },
  { command: Command.GoTo, keys: ['C-g'], label: 'go to', help: 'Go to a typed path (Tab completes)', group: 'Navigate', scopes: ['panes'] },
  { command: Command.Back, keys: ['['], label: 'back', help: 'Back to the previous folder', group: 'Navigate', scopes: ['panes'] },
  { command: Command.Forward, keys: [']'], label: 'forward', help: 'Forward again (after going back)', group: 'Navigate', scopes: ['panes'] },
  {
    command: Command.SwitchPane,
    keys: ['tab', 'S-tab'],
    label: 'pane',
    help: 'Switch between local and remote',
    group: 'Navigate',
    scopes: ['panes'],
    footer: 60,
  },
  {
    command: Command.Mark,
    keys: ['space'],
    label: 'mark',
    help: 'Mark a file (marked files go together)',
    group: 'Select & view',
    scopes: ['panes'],
    footer: 80,
  },
  { command: Command.MarkAll, keys: ['*'], label: 'mark all', help: 'Mark all files shown, or clear marks', group: 'Select & view', scopes: ['panes'] },
  { command: Command.Sort, keys: ['o'], label: 'sort', help: 'Sort by name, size, time (cycles)', group: 'Select & view', scopes: ['panes'] },
  { command: Command.Reverse, keys: ['O'], label: 'reverse', help: 'Reverse the sort order', group: 'Select & view', scopes: ['panes'] },
  { command: Command.Hidden, keys: ['.'], label: 'hidden', help: 'Show or hide hidden files', group: 'Select & view', scopes: ['panes'] },
  { command: Command.Refresh, keys: ['r'], label: 'refresh', help: 'Reload the listing', group: 'Select & view', scopes: ['panes', 'cache'] },
  { command: Command.Shortlist, keys: ['s'], label: 'shortlist', help: 'Filter by modification time range', group: 'Filter', scopes: ['panes'], footer: 30 },
  { command: Command.Longlist, keys: ['l'], label: 'longlist', help: 'Longlist: clear the time filter', group: 'Filter', scopes: ['panes'] },
  { command: Command.Ext, keys: ['e'], label: 'ext', help: 'Filter by extension', group: 'Filter', scopes: ['panes'], footer: 31 },
  { command: Command.FilterName, keys: ['/'], label: 'filter', help: 'Filter this folder by name as you type', group: 'Filter', scopes: ['panes'], footer: 29 },
  { command: Command.FindName, keys: ['F'], label: 'find', help: 'Find by name in the whole tree below', group: 'Filter', scopes: ['panes'] },
  { command: Command.Keyword, keys: ['K'], label: 'keyword', help: 'Search inside text files (tree below)', group: 'Filter', scopes: ['panes'] },
  { command: Command.ClearFilters, keys: ['escape'], label: 'clear', help: 'Clear filters, search, or the message', group: 'Filter', scopes: ['panes'] },
  { command: Command.Copy, keys: ['F5', 'C'], label: 'copy', help: 'Copy (to the other pane unless told)', group: 'Files', scopes: ['panes'] },
  { command: Command.Move, keys: ['F6', 'R'], label: 'move', help: 'Rename or move (Tab: within this side)', group: 'Files', scopes: ['panes'] },
  { command: Command.MakeFolder, keys: ['F7', 'M'], label: 'mkdir', help: 'Make a folder here', group: 'Files', scopes: ['panes'] },
  { command: Command.Delete, keys: ['F8', 'delete'], label: 'delete', help: 'Delete (asks, saying what and how much)', group: 'Files', scopes: ['panes'] },
  {
    command: Command.Download,
    keys: ['d'],
    label: 'download',
    help: 'Download (file or folder) over TCP',
    group: 'Transfer',
    scopes: ['panes'],
    footer: 10,
    pane: 'remote',
  },
  {
    command: Command.DownloadUdp,
    keys: ['D'],
    label: 'via UDP',
    help: 'Download (file or folder) over UDP',
    group: 'Transfer',
    scopes: ['panes'],
    footer: 11,
    pane: 'remote',
  },
  {
    command: Command.Upload,
    keys: ['u'],
    label: 'upload',
    help: 'Upload files or folders (if allowed)',
    group: 'Transfer',
    scopes: ['panes'],
    footer: 10,
    pane: 'local',
  },
  { command: Command.SelectTransfers, keys: ['t'], label: 'transfers', help: 'Select a transfer (to cancel it)', group: 'Transfer', scopes: ['panes'] },
  { command: Command.ClearTransfers, keys: ['x'], label: 'clear done', help: 'Clear finished transfers from the list', group: 'Transfer', scopes: ['panes'] },
  {
    command: Command.PauseQueue,
    keys: ['p'],
    label: 'pause',
    help: 'Pause or resume the transfer queue',
    group: 'Transfer',
    scopes: ['panes', 'transfers'],
    footer: 2,
    footerScopes: ['transfers'],
  },
  {
    command: Command.CancelAll,
    keys: ['X'],
    label: 'cancel all',
    help: 'Cancel every running and queued transfer',
    group: 'Transfer',
    scopes: ['panes', 'transfers'],
    footer: 3,
    footerScopes: ['transfers'],
  },
  {
    command: Command.Verify,
    keys: ['v'],
    label: 'verify',
    help: 'Compare the MD5 with the local copy',
    group: 'Verify',
    scopes: ['panes'],
    footer: 20,
    pane: 'remote',
  },
  { command: Command.CheckAll, keys: ['V'], label: 'check all', help: 'Check every file against local copies', group: 'Verify', scopes: ['panes'], footer: 85 },
  {
    command: Command.Compare,
    keys: ['='],
    label: 'compare',
    help: 'Compare the folders (again: diffs only)',
    group: 'Verify',
    scopes: ['panes'],
  },
  { command: Command.SyncPreview, keys: ['Y'], label: 'sync', help: 'Sync preview: one side like the other', group: 'Verify', scopes: ['panes'] },
  { command: Command.Cache, keys: ['c'], label: 'cache', help: 'Open the download cache', group: 'Views', scopes: ['panes'], footer: 40 },
  { command: Command.Logs, keys: ['L'], label: 'logs', help: 'Open the log viewer (server and client)', group: 'Views', scopes: ['panes'], footer: 41 },
  {
    command: Command.CommandLine,
    keys: [':'],
    label: 'command',
    help: 'Classic commands (IndexGet, FileHash…)',
    group: 'Views',
    scopes: ['panes'],
    footer: 50,
  },
  { command: Command.Help, keys: ['?'], label: 'help', help: 'This help', group: 'Views', scopes: ['panes'], footer: 98 },
  { command: Command.Quit, keys: ['q', 'C-c'], label: 'quit', help: 'Quit (asks if transfers run; Ctrl-C not)', group: 'Views', scopes: ['panes'], footer: 99 },
  { command: Command.Follow, keys: ['f'], label: 'follow', help: 'Follow new log lines', group: 'Log viewer', scopes: ['logs'], footer: 1 },
  { command: Command.LogFilter, keys: ['/'], label: 'filter', help: 'Filter log lines by text', group: 'Log viewer', scopes: ['logs'], footer: 2 },
  {
    command: Command.LogSource,
    keys: ['tab'],
    label: 'server/client',
    help: "Server log or this client's own log",
    group: 'Log viewer',
    scopes: ['logs'],
    footer: 3,
  },
  {
    command: Command.Evict,
    keys: ['x', 'backspace'],
    label: 'evict',
    help: 'Evict the selected cache entry',
    group: 'Cache pane',
    scopes: ['cache'],
    footer: 1,
  },
  { command: Command.ClearCache, keys: ['X'], label: 'clear all', help: 'Clear the whole cache', group: 'Cache pane', scopes: ['cache'], footer: 2 },
  {
    command: Command.CancelTransfer,
    keys: ['x', 'backspace'],
    label: 'cancel/remove',
    help: 'In the list (t): cancel, or remove it',
    group: 'Transfer',
    scopes: ['transfers'],
    footer: 1,
  },
  {
    command: Command.ViewerHex,
    keys: ['x', 'F4'],
    label: 'hex/text',
    help: 'Switch between text and hex',
    group: 'Views',
    scopes: ['viewer'],
    footer: 1,
  },
  {
    command: Command.ViewerSearch,
    keys: ['/', 'n', 'N'],
    label: 'search',
    help: 'Search (/), next (n), previous (N)',
    group: 'Views',
    scopes: ['viewer'],
    footer: 2,
  },
  {
    command: Command.ScrollSideways,
    keys: ['left', 'right', 'h', 'l'],
    label: 'sideways',
    help: 'Scroll left (← h) or right (→ l)',
    group: 'Views',
    scopes: ['viewer'],
  },
  {
    command: Command.Close,
    keys: ['escape', 'q', 't', 'F3'],
    label: 'close',
    help: 'Close the view',
    group: 'Views',
    scopes: ['logs', 'cache', 'results', 'help', 'transfers', 'viewer'],
    footer: 90,
  },
];

/** The table in force: BINDINGS with the user's own keys (config file) in place. */
let table: readonly Binding[] = BINDINGS;

const NAMED_KEYS = new Set([
  'up',
  'down',
  'left',
  'right',
  'pageup',
  'pagedown',
  'home',
  'end',
  'enter',
  'tab',
  'S-tab',
  'backspace',
  'escape',
  'space',
  'delete',
  ...Array.from({ length: 12 }, (_, i) => `F${i + 1}`),
  'wheel-up',
  'wheel-down',
]);

/** Is `name` a key keyName() can produce: one character, a named key, or C- and a letter? */
export function isKeyName(name: string): boolean {
  return NAMED_KEYS.has(name) || /^C-[a-z]$/.test(name) || [...name].length === 1;
}

/**
 * Bind commands to other keys: `{ "download": ["d", "F5"] }` replaces the keys of
 * `download` everywhere (footer and help follow). Returns what is wrong with the
 * overrides (unknown commands, keys no terminal sends here); the table changes
 * only when nothing is. An empty object restores the defaults.
 */
export function setKeyTable(overrides: Record<string, unknown>): string[] {
  const commands = new Set<string>(Object.values(Command));
  const problems: string[] = [];
  for (const [command, keys] of Object.entries(overrides)) {
    if (!commands.has(command)) problems.push(`unknown command '${command}' (one of: ${[...commands].join(', ')})`);
    else if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string'))
      problems.push(`'${command}' needs a list of keys, e.g. ["d"]`);
    else
      for (const k of keys as string[])
        if (!isKeyName(k)) problems.push(`'${command}': '${k}' is not a key name (a character, C-x, or one of ${[...NAMED_KEYS].join(', ')})`);
  }
  if (problems.length > 0) return problems;
  // A key the user gives one command is taken from any other command that shares a
  // scope with it: the user's binding wins, whatever the table's order.
  const given = BINDINGS.filter((b) => Array.isArray(overrides[b.command])).map((b) => ({ scopes: b.scopes, keys: overrides[b.command] as string[] }));
  table = BINDINGS.map((b) => {
    if (Array.isArray(overrides[b.command])) return { ...b, keys: overrides[b.command] as string[] };
    const taken = new Set(given.filter((g) => g.scopes.some((s) => b.scopes.includes(s))).flatMap((g) => g.keys));
    return b.keys.some((k) => taken.has(k)) ? { ...b, keys: b.keys.filter((k) => !taken.has(k)) } : b;
  });
  return problems;
}

/** The bindings in force (the defaults unless setKeyTable changed them). */
export function bindings(): readonly Binding[] {
  return table;
}

/** The command a key means in a scope (first match wins), if any. */
export function commandFor(scope: Scope, key: string): Command | undefined {
  for (const b of table) {
    if (b.scopes.includes(scope) && b.keys.includes(key)) return b.command;
  }
  return undefined;
}

export interface FooterContext {
  scope: Scope;
  pane?: 'local' | 'remote';
  uploadAllowed?: boolean;
}

/** The most useful keys for where the user is, in footer order. */
export function footerBindings(ctx: FooterContext): Binding[] {
  return table
    .filter(
      (b) =>
        b.footer !== undefined &&
        b.scopes.includes(ctx.scope) &&
        (b.footerScopes === undefined || b.footerScopes.includes(ctx.scope)) &&
        (b.pane === undefined || ctx.scope !== 'panes' || b.pane === ctx.pane) &&
        (b.command !== Command.Upload || ctx.uploadAllowed === true),
    )
    .sort((a, b) => (a.footer ?? 0) - (b.footer ?? 0));
}

/** Help overlay content: every binding, grouped, in table order. */
export function helpGroups(): Array<{ group: Group; bindings: Binding[] }> {
  const out: Array<{ group: Group; bindings: Binding[] }> = [];
  for (const b of table) {
    let g = out.find((x) => x.group === b.group);
    if (!g) out.push((g = { group: b.group, bindings: [] }));
    g.bindings.push(b);
  }
  return out;
}
