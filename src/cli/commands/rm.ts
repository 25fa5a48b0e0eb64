// ferry rm PATH: remove a file or folder from the share (the server needs
// --allow-write). A big folder takes several requests; Ctrl-C stops between them.

import type { Argv } from 'yargs';
import { plural } from '../../format.js';
import { escapeControls } from '../../safe-text.js';
import { interruptible } from '../actions.js';
import type { Ctx } from '../io.js';
import { out, printJson, warn } from '../io.js';
import { withClient, withClientOptions } from '../options.js';
import { StatusLine } from '../progress.js';

export function rmCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command(
      'rm <path>',
      'remove a file or folder from the share (the server needs --allow-write)',
      (b) =>
        withClientOptions(b)
          .positional('path', { type: 'string', demandOption: true, describe: 'what to remove, inside the share' })
          .option('recursive', { alias: 'r', type: 'boolean', default: false, describe: 'a folder and everything in it' })
          .example('$0 rm old --recursive', 'remove a folder and what it holds'),
      async (a) => {
        const status = new StatusLine(ctx.io.stderr, { results: ctx.io.stdout });
        const r = await withClient(ctx.io, a, (api) =>
          interruptible(ctx.io, (signal) =>
            api.remove(a.path, { recursive: a.recursive, signal, onProgress: (n) => status.update(() => `removed ${n}…`, false) }),
          ).finally(() => status.clear()),
        );
        if (!r.ok) {
          warn(ctx.io, `rm ${a.path} interrupted; part of it may be gone`);
          ctx.exitCode = 130;
          return;
        }
        if (a.json) printJson(ctx.io, r.value);
        else out(ctx.io, `removed ${escapeControls(r.value.path)}${r.value.removed > 1 ? ` (${plural(r.value.removed, 'entry', 'entries')})` : ''}`);
      },
    );
}
