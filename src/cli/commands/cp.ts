// ferry cp FROM TO: copy a file or folder within the share, on the server; the
// copy appears only once complete (the server needs --allow-write).

import type { Argv } from 'yargs';
import { formatBytes, plural } from '../../format.js';
import { escapeControls } from '../../safe-text.js';
import { interruptible } from '../actions.js';
import type { Ctx } from '../io.js';
import { out, printJson, warn } from '../io.js';
import { withClient, withClientOptions } from '../options.js';
import { StatusLine } from '../progress.js';

export function cpCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command(
      'cp <from> <to>',
      'copy a file or folder within the share, on the server (it needs --allow-write)',
      (b) =>
        withClientOptions(b)
          .positional('from', { type: 'string', demandOption: true, describe: 'what to copy, inside the share' })
          .positional('to', { type: 'string', demandOption: true, describe: 'the new path, inside the share (the folder must exist)' })
          .option('overwrite', { type: 'boolean', default: false, describe: 'replace a file already at TO (a folder is never replaced)' })
          .example('$0 cp reports reports-2026', 'copy a folder, links left out'),
      async (a) => {
        const status = new StatusLine(ctx.io.stderr, { results: ctx.io.stdout });
        const r = await withClient(ctx.io, a, (api) =>
          interruptible(ctx.io, (signal) =>
            api.copy(a.from, a.to, {
              overwrite: a.overwrite,
              signal,
              onProgress: (p) => status.update(() => `copied ${plural(p.entries, 'entry', 'entries')}, ${formatBytes(p.bytes)}…`, false),
            }),
          ).finally(() => status.clear()),
        );
        if (!r.ok) {
          warn(ctx.io, `cp ${a.from} interrupted; nothing was placed`);
          ctx.exitCode = 130;
          return;
        }
        const c = r.value;
        if (a.json) printJson(ctx.io, c);
        else {
          const what =
            c.folders > 0 || c.files !== 1
              ? ` (${plural(c.files, 'file')}, ${plural(c.folders, 'folder')}, ${formatBytes(c.bytes)})`
              : ` (${formatBytes(c.bytes)})`;
          const left = c.skipped > 0 ? `; ${plural(c.skipped, 'link or special file', 'links or special files')} left out` : '';
          out(ctx.io, `copied ${escapeControls(c.from)} → ${escapeControls(c.to)}${what}${left}`);
        }
      },
    );
}
