// The classic command language from the original exercise (IndexGet,
// FileHash, FileDownload), parsed into plain data. `ferry shell` and the TUI's
// command line both use it; neither talks to the network from here.

import { parseTimeRange } from './time.js';
import { FerryError } from '../protocol/errors.js';

export type ClassicCommand =
  | { kind: 'index'; mode: 'shortlist'; after: number; before: number; ext?: string }
  | { kind: 'index'; mode: 'longlist'; ext?: string; keyword?: string }
  | { kind: 'hash'; mode: 'verify'; path: string }
  | { kind: 'hash'; mode: 'checkall' }
  | { kind: 'download'; transport: 'tcp' | 'udp'; path: string }
  | { kind: 'mkdir'; path: string; parents: boolean }
  | { kind: 'move' | 'copy'; from: string; to: string }
  | { kind: 'remove'; path: string; recursive: boolean }
  | { kind: 'help' }
  | { kind: 'quit' };

export const CLASSIC_USAGE = `Commands (names are case-insensitive):
  IndexGet shortlist START END [EXT]   files modified strictly between START and END
      START/END: 'YYYY-MM-DD HH:MM:SS', YYYY-MM-DDTHH:MM:SS or YYYY-MM-DD
      (local time; a bare END date includes that whole day)
  IndexGet longlist [EXT] [KEYWORD]    every file, optionally filtered
      EXT is '.txt', '*.txt' or a common bare extension such as txt or pdf;
      any other single word is a KEYWORD: text the file contains (any case unless it has a capital);
      use '*' for EXT to give a KEYWORD only: IndexGet longlist * budget
  FileHash verify FILE                 MD5, size and modification time of FILE
  FileHash checkall                    the same for every file in the share
  FileDownload TCP|UDP FILE            download FILE into the current folder
  mkdir [-p] PATH                      make a folder in the share (-p: and those above)
  mv FROM TO | cp FROM TO              move or copy within the share
  rm [-r] PATH                         remove a file (-r: a folder and what it holds)
      (these four need a server started with --allow-write)
  help                                 this text
  quit | exit                          leave
Quote names with spaces: FileDownload TCP "my file.txt"`;

// Bare words accepted as an extension when longlist gets a single argument.
// Anything else is treated as a keyword, so `longlist invoice` searches.
const COMMON_EXTENSIONS = new Set(
  (
    'txt md csv tsv json xml yaml yml toml ini log html htm css js mjs cjs ts tsx jsx py rb go rs c h cpp hpp java kt sh ' +
    'pdf doc docx xls xlsx ppt pptx odt ods rtf tex epub ' +
    'png jpg jpeg gif bmp svg webp ico tif tiff heic ' +
    'mp3 wav flac ogg m4a mp4 mkv avi mov webm ' +
    'zip tar gz tgz bz2 xz 7z rar iso bin dat exe dll so deb rpm apk img'
  ).split(' '),
);

interface Token {
  text: string;
  start: number; // offset of the token (or its opening quote) in the line
  quoted: boolean;
}

function tokenize(line: string): Token[] | { error: string } {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === '"' || ch === "'") {
      let text = '';
      i++;
      while (i < line.length && line[i] !== ch) {
        // A backslash escapes the quote character and itself, nothing else,
        // so Windows-looking paths survive unchanged.
        if (line[i] === '\\' && (line[i + 1] === ch || line[i + 1] === '\\')) i++;
        text += line[i];
        i++;
      }
      if (i >= line.length) return { error: `unterminated ${ch} quote` };
      i++;
      tokens.push({ text, start, quoted: true });
      continue;
    }
    while (i < line.length && !/\s/.test(line[i] as string)) i++;
    tokens.push({ text: line.slice(start, i), start, quoted: false });
  }
  return tokens;
}

/**
 * The file argument: one quoted token, or the raw rest of the line so that
 * `FileDownload TCP my notes.txt` still works without quotes.
 */
function restAsPath(line: string, tokens: Token[], from: number): string | { error: string } {
  const first = tokens[from];
  if (!first) return { error: 'missing file name' };
  if (first.quoted) {
    if (tokens.length > from + 1) return { error: 'unexpected text after the quoted file name' };
    if (first.text === '') return { error: 'missing file name' };
    return first.text;
  }
  return line.slice(first.start).trim();
}

/** '.TXT', '*.txt', 'txt' → '.txt'. */
export function normalizeExt(text: string): string {
  let t = text.trim().toLowerCase();
  if (t.startsWith('*')) t = t.slice(1);
  if (!t.startsWith('.')) t = `.${t}`;
  return t;
}

function looksLikeExt(text: string): boolean {
  const t = text.toLowerCase();
  return t.startsWith('.') || t.startsWith('*.') || COMMON_EXTENSIONS.has(t);
}

function isTimeOfDay(text: string): boolean {
  return /^\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?$/.test(text);
}

function isBareDate(text: string): boolean {
  return /^\d{4}-\d{1,2}-\d{1,2}$/.test(text);
}

/**
 * Split shortlist arguments into START, END and what follows. Each bound is a
 * date optionally followed by a separate time token ('2024-01-01 09:00'), or a
 * single token ('2024-01-01T09:00:00', 'now').
 */
export function gatherTimeBounds(args: readonly string[]): { bounds: string[]; rest: string[] } {
  const bounds: string[] = [];
  let i = 0;
  while (bounds.length < 2 && i < args.length) {
    const a = args[i] as string;
    const next = args[i + 1];
    if (isBareDate(a) && next !== undefined && isTimeOfDay(next)) {
      bounds.push(`${a} ${next}`);
      i += 2;
    } else {
      bounds.push(a);
      i++;
    }
  }
  return { bounds, rest: args.slice(i) };
}

function parseShortlist(args: string[]): ClassicCommand | { error: string } {
  const { bounds, rest } = gatherTimeBounds(args);
  if (bounds.length < 2) return { error: 'IndexGet shortlist needs a START and an END time' };
  if (rest.length > 1) return { error: `unexpected '${rest.slice(1).join(' ')}' after the extension` };
  try {
    const range = parseTimeRange(bounds[0] as string, bounds[1] as string);
    const cmd: ClassicCommand = { kind: 'index', mode: 'shortlist', after: range.after, before: range.before };
    if (rest[0] !== undefined && rest[0] !== '*') cmd.ext = normalizeExt(rest[0]);
    return cmd;
  } catch (err) {
    return { error: err instanceof FerryError ? err.message : String(err) };
  }
}

function parseLonglist(args: string[]): ClassicCommand | { error: string } {
  if (args.length > 2) return { error: 'IndexGet longlist takes at most an extension and a keyword' };
  const cmd: { kind: 'index'; mode: 'longlist'; ext?: string; keyword?: string } = { kind: 'index', mode: 'longlist' };
  const [first, second] = args;
  if (args.length === 1 && first !== undefined) {
    if (first === '*') return cmd;
    if (looksLikeExt(first)) cmd.ext = normalizeExt(first);
    else cmd.keyword = first;
  } else if (first !== undefined && second !== undefined) {
    if (first !== '*') cmd.ext = normalizeExt(first);
    cmd.keyword = second;
  }
  return cmd;
}

/** Parse one line of the classic language. Blank lines are an error; callers skip them. */
export function parseClassic(line: string): ClassicCommand | { error: string } {
  const tokens = tokenize(line);
  if ('error' in tokens) return tokens;
  const [head, sub] = tokens;
  if (!head) return { error: 'empty command' };
  const name = head.text.toLowerCase();
  const args = tokens.slice(2).map((t) => t.text);

  switch (name) {
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'quit':
    case 'exit':
      return { kind: 'quit' };
    case 'indexget': {
      const mode = sub?.text.toLowerCase();
      if (mode === 'shortlist') return parseShortlist(args);
      if (mode === 'longlist') return parseLonglist(args);
      return { error: 'IndexGet needs shortlist or longlist' };
    }
    case 'filehash': {
      const mode = sub?.text.toLowerCase();
      if (mode === 'checkall') {
        return tokens.length > 2 ? { error: 'FileHash checkall takes no arguments' } : { kind: 'hash', mode: 'checkall' };
      }
      if (mode === 'verify') {
        const path = restAsPath(line, tokens, 2);
        return typeof path === 'string' ? { kind: 'hash', mode: 'verify', path } : { error: `FileHash verify: ${path.error}` };
      }
      return { error: 'FileHash needs verify FILE or checkall' };
    }
    case 'filedownload': {
      const transport = sub?.text.toLowerCase();
      if (transport !== 'tcp' && transport !== 'udp') return { error: 'FileDownload needs TCP or UDP before the file name' };
      const path = restAsPath(line, tokens, 2);
      return typeof path === 'string' ? { kind: 'download', transport, path } : { error: `FileDownload: ${path.error}` };
    }
    case 'mkdir':
    case 'rm':
    case 'mv':
    case 'cp':
      return parseFileOp(name, tokens.slice(1));
    default:
      return { error: `unknown command '${head.text}'` };
  }
}

/** mkdir [-p] PATH, rm [-r] PATH, mv FROM TO, cp FROM TO: names quoted when they hold spaces. */
function parseFileOp(name: 'mkdir' | 'rm' | 'mv' | 'cp', args: Token[]): ClassicCommand | { error: string } {
  const flag = name === 'mkdir' ? '-p' : name === 'rm' ? '-r' : undefined;
  const flagged = flag !== undefined && args[0]?.text === flag && !args[0].quoted;
  const paths = (flagged ? args.slice(1) : args).map((t) => t.text);
  const want = name === 'mv' || name === 'cp' ? 2 : 1;
  if (paths.length !== want || paths.some((p) => p === '')) {
    const usage = { mkdir: 'mkdir [-p] PATH', rm: 'rm [-r] PATH', mv: 'mv FROM TO', cp: 'cp FROM TO' }[name];
    return { error: `usage: ${usage} (quote names with spaces)` };
  }
  if (name === 'mkdir') return { kind: 'mkdir', path: paths[0]!, parents: flagged };
  if (name === 'rm') return { kind: 'remove', path: paths[0]!, recursive: flagged };
  return { kind: name === 'mv' ? 'move' : 'copy', from: paths[0]!, to: paths[1]! };
}
