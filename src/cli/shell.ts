// The classic interactive session: read IndexGet / FileHash / FileDownload
// lines, run them against one connection, print like the one-shot commands.
// From a pipe it reads one command per line with no prompt, so it scripts.

import readline from 'node:readline';
import type { Writable } from 'node:stream';
import { CLASSIC_USAGE, parseClassic, type ClassicCommand } from '../client/classic.js';
import type { FerryApi } from '../client/types.js';
import { showDownload, showFileOp, showHash, showHashAll, showList } from './actions.js';
import { describeError } from './errors.js';
import { shellCompleter } from './shell-complete.js';
import type { CliIo } from './io.js';
import { out, warn } from './io.js';

export interface ShellOptions {
  /** Folder FileDownload saves into. */
  dest: string;
  overwrite: boolean;
  noCache: boolean;
  json: boolean;
  /** host:port, for messages. */
  server: string;
}

/** 'failed': the command ran and reported a failure of its own (a file check-all could not read). */
async function execute(io: CliIo, api: FerryApi, cmd: ClassicCommand, o: ShellOptions, signal: AbortSignal): Promise<'quit' | 'failed' | void> {
  switch (cmd.kind) {
    case 'quit':
      return 'quit';
    case 'help':
      out(io, CLASSIC_USAGE);
      return;
    case 'index':
      if (cmd.mode === 'shortlist') {
        await showList(io, api, { recursive: true, after: cmd.after, before: cmd.before, ...(cmd.ext ? { ext: cmd.ext } : {}) }, o.json);
      } else {
        await showList(io, api, { recursive: true, ...(cmd.ext ? { ext: cmd.ext } : {}), ...(cmd.keyword ? { keyword: cmd.keyword } : {}) }, o.json);
      }
      return;
    case 'hash':
      if (cmd.mode === 'verify') await showHash(io, api, cmd.path, { json: o.json });
      else if ((await showHashAll(io, api, { json: o.json, signal })).some((r) => r.error)) return 'failed';
      return;
    case 'download':
      await showDownload(io, api, cmd.path, { dest: o.dest, transport: cmd.transport, overwrite: o.overwrite, noCache: o.noCache, signal, json: o.json });
      return;
    case 'mkdir':
    case 'move':
    case 'copy':
    case 'remove':
      await showFileOp(io, api, cmd, { json: o.json, signal });
      return;
  }
}

/**
 * Stop waiting for `work` when the user presses Ctrl-C, even for requests that
 * take no signal (a listing waiting for a reconnection): the session goes on.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('interrupted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Run the session until EOF or quit. Returns the exit code: 0, or 1 when a
 * script read from a pipe had a command that failed (every command still ran,
 * as in a shell script); a session at a terminal ends with 0.
 */
export async function runShell(io: CliIo, api: FerryApi, o: ShellOptions): Promise<number> {
  const interactive = io.stdin.isTTY === true;
  const rl = readline.createInterface({
    input: io.stdin,
    ...(interactive ? { output: io.stdout as unknown as Writable, terminal: true, completer: shellCompleter(api), historySize: 500 } : { terminal: false }),
    prompt: '$ ',
  });
  let running: AbortController | undefined;
  let reconnecting = false;
  let failures = 0;

  const interrupt = () => {
    if (running) {
      running.abort();
      return;
    }
    if (interactive) {
      // Like a shell: Ctrl-C at the prompt abandons the line, Ctrl-D leaves.
      io.stdout.write('^C\n');
      rl.write(null, { ctrl: true, name: 'u' });
      rl.prompt();
    } else {
      rl.close();
    }
  };
  rl.on('SIGINT', interrupt);
  const stopInterrupts = io.onInterrupt(interrupt);
  const stopStatus = api.onStatus((s) => {
    if (s.state === 'reconnecting' && !reconnecting) {
      reconnecting = true;
      warn(io, `connection to ${o.server} lost${s.error ? ` (${s.error})` : ''}; reconnecting`);
    } else if (s.state === 'connected' && reconnecting) {
      reconnecting = false;
      warn(io, `reconnected to ${o.server}`);
    } else if (s.state === 'closed') {
      warn(io, `connection to ${o.server} closed${s.error ? `: ${s.error}` : ''}`);
    }
  });

  try {
    if (interactive) {
      out(io, `connected to ${o.server} (${api.info.share}); type help for commands, quit to leave`);
      rl.prompt();
    }
    for await (const raw of rl) {
      const line = raw.trim();
      if (line !== '' && !line.startsWith('#')) {
        const cmd = parseClassic(line);
        if ('error' in cmd) {
          failures++;
          warn(io, cmd.error);
          io.stderr.write(`${CLASSIC_USAGE}\n`);
        } else {
          running = new AbortController();
          try {
            const outcome = await untilAborted(execute(io, api, cmd, o, running.signal), running.signal);
            if (outcome === 'quit') break;
            if (outcome === 'failed') failures++;
          } catch (err) {
            failures++;
            warn(io, running.signal.aborted ? 'interrupted' : describeError(err, o.server));
          } finally {
            running = undefined;
          }
        }
      }
      if (interactive) rl.prompt();
    }
  } finally {
    stopStatus();
    stopInterrupts();
    rl.close();
  }
  if (interactive) out(io);
  return !interactive && failures > 0 ? 1 : 0;
}
