// ferry hash verify|checkall: MD5, size and modification time, from the
// server's hash index unless --rehash asks for a fresh read.

import type { Argv } from 'yargs';
import { interruptible, showHash, showHashAll } from '../actions.js';
import type { Ctx } from '../io.js';
import { warn } from '../io.js';
import { withClient, withClientOptions } from '../options.js';

export function hashCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command('hash', 'MD5 checksums of files in the share (verify FILE, or checkall)', (h) =>
      h
        .command(
          'verify <file>',
          'MD5, size and modification time of one file',
          (b) =>
            withClientOptions(b)
              .positional('file', { type: 'string', demandOption: true, describe: 'path inside the share' })
              .option('rehash', { type: 'boolean', default: false, describe: 'read the file again instead of trusting the hash index' })
              .option('blake3', { type: 'boolean', default: false, describe: 'also show the BLAKE3 root that downloads are checked with' }),
          async (a) => {
            await withClient(ctx.io, a, (api) => showHash(ctx.io, api, a.file, { rehash: a.rehash, blake3: a.blake3, json: a.json === true }));
          },
        )
        .command(
          'checkall',
          'MD5 of every file, printed as each one is done',
          (b) =>
            withClientOptions(b)
              .option('path', { type: 'string', describe: 'only this folder of the share', requiresArg: true })
              .option('rehash', { type: 'boolean', default: false, describe: 'read every file again instead of trusting the hash index' })
              .option('blake3', { type: 'boolean', default: false, describe: 'also show each BLAKE3 root' }),
          async (a) => {
            const r = await withClient(ctx.io, a, (api) =>
              interruptible(ctx.io, (signal) =>
                showHashAll(ctx.io, api, {
                  ...(a.path !== undefined ? { path: a.path } : {}),
                  rehash: a.rehash,
                  blake3: a.blake3,
                  json: a.json === true,
                  signal,
                }),
              ),
            );
            if (!r.ok) {
              warn(ctx.io, 'interrupted');
              ctx.exitCode = 130;
            } else if (r.value.some((h) => h.error)) {
              // Like md5sum: a file that could not be read fails the run.
              ctx.exitCode = 1;
            }
          },
        )
        .demandCommand(1, 'choose verify FILE or checkall'),
    );
}
