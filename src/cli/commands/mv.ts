// ferry mv FROM TO: rename or move a file or folder within the share, atomically
// (the server needs --allow-write).

import type { Argv } from 'yargs';
import { escapeControls } from '../../safe-text.js';
import type { Ctx } from '../io.js';
import { out, printJson } from '../io.js';
import { withClient, withClientOptions } from '../options.js';

export function mvCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command(
      'mv <from> <to>',
      'rename or move a file or folder within the share (the server needs --allow-write)',
      (b) =>
        withClientOptions(b)
          .positional('from', { type: 'string', demandOption: true, describe: 'what to move, inside the share' })
          .positional('to', { type: 'string', demandOption: true, describe: 'its new path, inside the share (the folder must exist)' })
          .option('overwrite', { type: 'boolean', default: false, describe: 'replace a file already at TO (a folder is never replaced)' })
          .example('$0 mv drafts/report.md final/report.md', 'move a file into another folder'),
      async (a) => {
        const r = await withClient(ctx.io, a, (api) => api.move(a.from, a.to, { overwrite: a.overwrite }));
        if (a.json) printJson(ctx.io, r);
        else out(ctx.io, r.moved ? `moved ${escapeControls(r.from)} → ${escapeControls(r.to)}` : `${escapeControls(r.from)} is already there`);
      },
    );
}
