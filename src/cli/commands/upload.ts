// ferry upload LOCAL: send a file (or, with --recursive, a folder) to a server
// started with --allow-write. Missing remote folders are created.

import path from 'node:path';
import type { Argv } from 'yargs';
import type { Ctx } from '../io.js';
import { out, printJson, warn } from '../io.js';
import { transfersOption, withClient, withClientOptions } from '../options.js';
import { interruptible } from '../actions.js';
import { uploadLines } from '../print.js';
import { renderTransfer, StatusLine } from '../progress.js';

export function uploadCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command(
      'upload <local>',
      'upload a local file or folder into the share (the server needs --allow-write)',
      (b) =>
        withClientOptions(b)
          .positional('local', { type: 'string', demandOption: true, describe: 'local file (or folder, with --recursive) to send' })
          .option('as', { type: 'string', describe: "path inside the share [default: the file's name at the root]", requiresArg: true })
          .option('overwrite', { type: 'boolean', default: false, describe: 'replace a file that already exists in the share' })
          .option('recursive', { type: 'boolean', default: false, describe: 'upload a whole folder' })
          .option('transfers', { type: 'number', describe: 'with --recursive: files sent at once [default: 4]', requiresArg: true })
          .example('$0 upload photos --recursive --as archive/2026', 'send a folder; missing remote folders are made'),
      async (a) => {
        const local = path.resolve(ctx.io.cwd, a.local);
        const status = new StatusLine(ctx.io.stderr, { results: ctx.io.stdout });
        const r = await withClient(ctx.io, a, (api) =>
          interruptible(ctx.io, (signal) =>
            api.upload(local, {
              ...(a.as !== undefined ? { as: a.as } : {}),
              overwrite: a.overwrite,
              parents: true,
              recursive: a.recursive,
              ...(a.transfers !== undefined ? { transfers: transfersOption(a.transfers) } : {}),
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
