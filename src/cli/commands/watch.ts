// ferry watch: follow a folder of the share, a line per change, until Ctrl-C.
// Handy by itself (what is happening on the server now) and for scripts with
// --json; `sync --watch` builds on the same client call.

import type { Argv } from 'yargs';
import type { WatchEvent } from '../../client/types.js';
import { escapeControls } from '../../safe-text.js';
import type { Ctx } from '../io.js';
import { out, warn } from '../io.js';
import { withClient, withClientOptions } from '../options.js';

/** One change as a line: time, kind, path (escaped: a name may hold anything). */
export function watchLine(e: WatchEvent, now: Date): string {
  const time = now.toTimeString().slice(0, 8);
  const path = escapeControls(e.path || '/');
  if (e.kind === 'rescan') return `${time}  rescan   ${path}: changes were missed (${e.reason ?? 'unknown'}); list it again`;
  return `${time}  ${e.kind.padEnd(7)}  ${path}`;
}

export function watchCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command(
      'watch [dir]',
      "follow a folder of the server's share: a line per change, until Ctrl-C",
      (b) =>
        withClientOptions(b)
          .positional('dir', { type: 'string', default: '', describe: 'folder of the share (default: its root)' })
          .option('recursive', { type: 'boolean', default: false, describe: 'also the folders below it' }),
      async (a) => {
        const json = a.json === true;
        const dir = String(a.dir ?? '');
        await withClient(ctx.io, a, async (api) => {
          const controller = new AbortController();
          const stop = ctx.io.onInterrupt(() => controller.abort());
          try {
            await api.watch(dir, {
              recursive: a.recursive === true,
              signal: controller.signal,
              onReady: () => {
                if (!json)
                  warn(ctx.io, `watching '${escapeControls(dir || '/')}'${a.recursive ? ' and the folders below' : ''} on ${api.info.address}; Ctrl-C to stop`);
              },
              onEvents: (events) => {
                const now = new Date();
                for (const e of events) out(ctx.io, json ? JSON.stringify({ time: now.toISOString(), ...e }) : watchLine(e, now));
              },
            });
          } finally {
            stop();
          }
        });
      },
    );
}
