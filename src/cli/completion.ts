// Shell completion. yargs prints the bash or zsh script (`ferry completion`,
// chosen by $SHELL) and answers the script's `--get-yargs-completions WORDS`
// with commands and flags; this module adds what yargs cannot know: paths
// inside the share, asked of the server where the command names a remote file.

import { ErrorCode, FerryError } from '../protocol/errors.js';
import { connect, DEFAULT_SERVER } from '../client/connect.js';
import type { CliIo } from './io.js';

/** The flag yargs' completion scripts call ferry with. */
export const COMPLETION_FLAG = '--get-yargs-completions';

/** How long a completion may wait for the server: a Tab press must never hang. */
const REMOTE_TIMEOUT_MS = 1500;

/** Remote paths come after these commands (positional) or flags. */
const REMOTE_POSITIONALS = [['download'], ['cat'], ['hash', 'verify'], ['compare'], ['sync'], ['watch'], ['mkdir'], ['mv'], ['rm'], ['cp']];
const REMOTE_FLAGS = new Set(['--path', '--as']);

type Argv = { _: (string | number)[]; server?: unknown; token?: unknown; fingerprint?: unknown; tls?: unknown };

/** Flags that take no value; any other `--flag` without `=` takes the next word. */
const SWITCHES = new Set([
  '--tls',
  '--json',
  '--tcp',
  '--udp',
  '--overwrite',
  '--recursive',
  '--no-recursive',
  '--cache',
  '--no-cache',
  '--hidden',
  '--rehash',
  '--parents',
  '-p',
  '-r',
  '--follow',
  '--push',
  '--delete',
  '--trash',
  '--no-trash',
  '--dry-run',
  '--skip-existing',
  '--update',
  '--keep-both',
  '--help',
  '-h',
  '--version',
  '-V',
]);

/** Is `word` a flag whose value is the next word? */
function takesValue(word: string | undefined): boolean {
  return word !== undefined && word.startsWith('-') && !word.includes('=') && !SWITCHES.has(word);
}

/** Does the word being completed name a path inside the share? `words` are the words before it. */
export function wantsRemotePath(words: string[], current: string): boolean {
  if (current.startsWith('-')) return false;
  const previous = words.at(-1);
  if (previous !== undefined && REMOTE_FLAGS.has(previous)) return true;
  if (takesValue(previous)) return false;
  // The positional words typed so far, flags and their values left out.
  const positionals = words.filter((w, i) => !w.startsWith('-') && !takesValue(words[i - 1]));
  return REMOTE_POSITIONALS.some((cmd) => cmd.length === positionals.length && cmd.every((c, i) => positionals[i] === c));
}

/** Entries of the folder `current` points into whose names continue it; folders end in '/'. */
export async function remotePaths(io: CliIo, argv: Argv, current: string): Promise<string[]> {
  const fingerprint = typeof argv.fingerprint === 'string' ? argv.fingerprint : io.env.FERRY_FINGERPRINT;
  const tls = argv.tls === true || io.env.FERRY_TLS === '1' || fingerprint !== undefined;
  // Never trust a certificate on first use from inside a Tab press: only a pinned one.
  if (tls && !fingerprint) return [];
  const server = typeof argv.server === 'string' ? argv.server : (io.env.FERRY_SERVER ?? DEFAULT_SERVER);
  const token = typeof argv.token === 'string' ? argv.token : io.env.FERRY_TOKEN;
  const slash = current.lastIndexOf('/');
  const dir = slash < 0 ? '' : current.slice(0, slash + 1);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FerryError(ErrorCode.Timeout, 'completion: no answer')), REMOTE_TIMEOUT_MS);
  });
  const client = connect({ server, noCache: true, ...(token ? { token } : {}), ...(fingerprint ? { fingerprint } : {}) });
  try {
    const entries = await Promise.race([
      client.then((c) => c.list({ path: dir, recursive: false, hidden: current.slice(slash + 1).startsWith('.') })),
      timeout,
    ]);
    return entries
      .map((e) => (e.type === 'dir' ? `${e.path}/` : e.path))
      .filter((p) => p.startsWith(current))
      .sort();
  } catch {
    return []; // no server, wrong token, a timeout: the shell falls back to its own completion
  } finally {
    clearTimeout(timer);
    void client.then((c) => c.close()).catch(() => {});
  }
}

/**
 * Paths inside the share for a completion request that names one, else undefined
 * (commands and flags are then yargs' to complete). `typed` is what the shell
 * passed after COMPLETION_FLAG: the program name, the words before the cursor,
 * and the word being completed.
 */
export async function remoteCompletions(io: CliIo, typed: string[]): Promise<string[] | undefined> {
  const current = typed.at(-1) ?? '';
  const words = typed.slice(1, -1);
  if (wantsRemotePath(words, current)) return remotePaths(io, flagsOf(words), current);
  // The value of a flag such as --dest or --cache-dir: offer nothing, and the
  // shell completes local files (yargs would list every flag again).
  if (!current.startsWith('-') && takesValue(words.at(-1))) return [];
  return undefined;
}

/** The connection flags among the typed words (--server X, --token X, --fingerprint X, --tls). */
function flagsOf(words: string[]): Argv {
  const argv: Argv = { _: [] };
  words.forEach((w, i) => {
    const [flag, inline] = w.split('=', 2) as [string, string | undefined];
    const value = inline ?? words[i + 1];
    if (flag === '--server') argv.server = value;
    if (flag === '--token') argv.token = value;
    if (flag === '--fingerprint') argv.fingerprint = value;
    if (flag === '--tls') argv.tls = true;
  });
  return argv;
}
