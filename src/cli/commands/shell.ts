// ferry shell: the classic IndexGet / FileHash / FileDownload prompt.

import path from 'node:path';
import type { Argv } from 'yargs';
import type { Ctx } from '../io.js';
import { serverOf, withCacheOptions, withClient, withClientOptions } from '../options.js';
import { runShell } from '../shell.js';

export function shellCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command(
      'shell',
      'an interactive prompt for the classic commands (IndexGet, FileHash, FileDownload); reads a script from a pipe',
      (b) =>
        withCacheOptions(withClientOptions(b))
          .option('dest', { type: 'string', describe: 'folder FileDownload saves into [default: the current folder]', requiresArg: true })
          .option('overwrite', { type: 'boolean', default: false, describe: 'let FileDownload replace existing local files' })
          .option('cache', { type: 'boolean', default: true, describe: 'use the download cache (--no-cache: bypass it)' })
          .example("printf 'IndexGet longlist .txt\\nFileHash checkall\\n' | $0 shell", 'run commands from a script'),
      async (a) => {
        const dest = path.resolve(ctx.io.cwd, a.dest ?? '.');
        const server = serverOf(ctx.io, a);
        ctx.exitCode = await withClient(
          ctx.io,
          a,
          (api) => runShell(ctx.io, api, { dest, overwrite: a.overwrite, noCache: !a.cache, json: a.json === true, server }),
          a.cache,
        );
      },
    );
}
