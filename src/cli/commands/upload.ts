// ferry upload LOCAL: send a file to a server started with --allow-upload.

import path from 'node:path';
import type { Argv } from 'yargs';
import type { Ctx } from '../io.js';
import { out, printJson, warn } from '../io.js';
import { withClient, withClientOptions } from '../options.js';
import { interruptible } from '../actions.js';
import { uploadLines } from '../print.js';
import { renderTransfer, StatusLine } from '../progress.js';

export function uploadCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command(
      'upload <local>',
      'upload a local file into the share (the server needs --allow-upload)',
      (b) =>
        withClientOptions(b)
          .positional('local', { type: 'string', demandOption: true, describe: 'local file to send' })
          .option('as', { type: 'string', describe: "path inside the share [default: the file's name at the root]", requiresArg: true })
          .option('overwrite', { type: 'boolean', default: false, describe: 'replace a file that already exists in the share' }),
      async (a) => {
        const local = path.resolve(ctx.io.cwd, a.local);
        const status = new StatusLine(ctx.io.stderr, { results: ctx.io.stdout });
        const r = await withClient(ctx.io, a, (api) =>
          interruptible(ctx.io, (signal) =>
            api.upload(local, {
              ...(a.as !== undefined ? { as: a.as } : {}),
              overwrite: a.overwrite,
              signal,
              onProgress: (p) => status.update((columns) => renderTransfer(p, columns), p.bytes >= p.total),
            }),
          ).finally(() => status.clear()),
        );
        if (!r.ok) {
          warn(ctx.io, `upload of ${a.local} interrupted`);
          ctx.exitCode = 130;
          return;
        }
        if (a.json) printJson(ctx.io, r.value);
        else for (const line of uploadLines(a.local, r.value)) out(ctx.io, line);
      },
    );
}
