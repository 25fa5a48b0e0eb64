// Tab completion for the classic commands, shared by `ferry shell` and the app's
// ':' line: command words, then remote file names for FileHash verify and
// FileDownload. Paths come from one recursive listing, remembered briefly so
// repeated Tabs do not re-list the share.

import type { FerryApi } from './types.js';

const COMMANDS = [
  'IndexGet shortlist ',
  'IndexGet longlist ',
  'FileHash verify ',
  'FileHash checkall',
  'FileDownload TCP ',
  'FileDownload UDP ',
  'mkdir ',
  'mv ',
  'cp ',
  'rm ',
  'help',
  'quit',
];

// The part of the line before a file name: `FileDownload TCP `, `FileHash verify `.
const FILE_PREFIX = /^\s*(filedownload\s+(?:tcp|udp)|filehash\s+verify|mv|cp|rm(?:\s+-r)?)\s+/i;
const MEMO_MS = 5000;

export interface Completion {
  /** Whole replacements for `partial`. */
  hits: string[];
  /** The end of the line the hits replace. */
  partial: string;
}

export type ClassicCompleter = (line: string) => Promise<Completion>;

export function classicCompleter(api: Pick<FerryApi, 'list'>, now: () => number = Date.now): ClassicCompleter {
  let memo: { at: number; paths: Promise<string[]> } | undefined;
  const paths = () => {
    if (!memo || now() - memo.at > MEMO_MS) {
      const listing = api.list({ recursive: true }).then(
        (entries) => entries.filter((e) => e.type === 'file').map((e) => e.path),
        () => [] as string[], // no completion beats an error in the middle of typing
      );
      memo = { at: now(), paths: listing };
    }
    return memo.paths;
  };

  return async (line) => {
    const file = FILE_PREFIX.exec(line);
    if (!file) {
      const lower = line.trimStart().toLowerCase();
      return { hits: COMMANDS.filter((c) => c.toLowerCase().startsWith(lower)), partial: line.trimStart() };
    }
    const partial = line.slice(file[0].length);
    const quoted = partial.startsWith('"');
    const typed = quoted ? partial.slice(1) : partial;
    const hits = (await paths())
      .filter((p) => p.startsWith(typed))
      .sort()
      // Names with spaces come back quoted, so the completed line parses.
      .map((p) => (quoted || /\s/.test(p) ? `"${p}"` : p));
    return { hits, partial };
  };
}

/**
 * What Tab does to a line, as a shell does: one hit replaces the partial word;
 * several extend it as far as they agree and are offered as choices.
 */
export function completeLine(line: string, c: Completion): { line: string; choices: string[] } {
  if (c.hits.length === 0) return { line, choices: [] };
  const head = line.slice(0, line.length - c.partial.length);
  if (c.hits.length === 1) return { line: head + c.hits[0]!, choices: [] };
  let common = c.hits[0]!;
  for (const h of c.hits) {
    let i = 0;
    // Case-insensitive like the matching of command words; the hit's spelling wins.
    while (i < common.length && i < h.length && common[i]!.toLowerCase() === h[i]!.toLowerCase()) i++;
    common = common.slice(0, i);
  }
  return { line: common.length > c.partial.length ? head + common : line, choices: c.hits };
}
