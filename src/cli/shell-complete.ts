// Tab completion for the interactive shell: command words, then remote file
// names for FileHash verify and FileDownload. Paths come from one recursive
// listing, remembered briefly so repeated Tabs do not re-list the share.

import type { FerryApi } from '../client/types.js';

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

export type Completer = (line: string, callback: (err: null, result: [string[], string]) => void) => void;

export function shellCompleter(api: Pick<FerryApi, 'list'>, now: () => number = Date.now): Completer {
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

  return (line, callback) => {
    const file = FILE_PREFIX.exec(line);
    if (!file) {
      const lower = line.trimStart().toLowerCase();
      callback(null, [COMMANDS.filter((c) => c.toLowerCase().startsWith(lower)), line.trimStart()]);
      return;
    }
    const partial = line.slice(file[0].length);
    const quoted = partial.startsWith('"');
    const typed = quoted ? partial.slice(1) : partial;
    void paths().then((all) => {
      const hits = all
        .filter((p) => p.startsWith(typed))
        // Names with spaces come back quoted, so the completed line parses.
        .map((p) => (quoted || /\s/.test(p) ? `"${p}"` : p));
      callback(null, [hits, partial]);
    });
  };
}
