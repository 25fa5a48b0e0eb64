// ferry mkdir PATH: make a folder in the share (the server needs --allow-write).

import type { Argv } from 'yargs';
import { escapeControls } from '../../safe-text.js';
import type { Ctx } from '../io.js';
import { out, printJson } from '../io.js';
import { withClient, withClientOptions } from '../options.js';

export function mkdirCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command(
      'mkdir <path>',
      'make a folder in the share (the server needs --allow-write)',
      (b) =>
        withClientOptions(b)
          .positional('path', { type: 'string', demandOption: true, describe: 'the new folder, inside the share' })
          .option('parents', { alias: 'p', type: 'boolean', default: false, describe: 'also make missing folders above it; an existing folder is fine' })
          .example('$0 mkdir photos/2026 --parents', 'make photos/ too if it is missing'),
      async (a) => {
        const r = await withClient(ctx.io, a, (api) => api.mkdir(a.path, { parents: a.parents }));
        if (a.json) printJson(ctx.io, r);
        else out(ctx.io, r.created ? `made folder ${escapeControls(r.path)}` : `${escapeControls(r.path)} is already a folder`);
      },
    );
}
