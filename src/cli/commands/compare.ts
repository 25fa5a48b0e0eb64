// ferry compare REMOTE_DIR [LOCAL_DIR]: which paths differ between a folder of
// the share and a local one, by content (BLAKE3 roots from the two hash
// indexes, so an unchanged tree is compared without reading it), or with
// --by size,mtime without hashing at all. Exit status as diff's: 0 identical,
// 1 different, 2 trouble.

import path from 'node:path';
import type { Argv } from 'yargs';
import { compareTrees, summarize } from '../../client/compare.js';
import { defaultLocalIndexFile, LocalHashIndex } from '../../client/local-index.js';
import { interruptible } from '../actions.js';
import { compareLines, differenceJson } from '../compare-print.js';
import { CliError, describeError } from '../errors.js';
import type { CliIo, Ctx } from '../io.js';
import { warn, writeLines } from '../io.js';
import { type CacheArgs, cacheDirOf, withClient, withClientOptions } from '../options.js';

/** --by: 'content' (the default) or 'size,mtime' (in either order). */
export function byOption(text: string | undefined): 'content' | 'size-mtime' {
  if (text === undefined || text === 'content' || text === 'hash') return 'content';
  const parts = new Set(text.split(',').map((p) => p.trim()));
  if (parts.size === 2 && parts.has('size') && parts.has('mtime')) return 'size-mtime';
  throw new CliError(`--by takes 'content' or 'size,mtime', not '${text}'`);
}

/** Like diff, trouble (no server, no such folder) is exit status 2, not 1 (which means "different"). */
export function troubled(err: unknown): never {
  throw err instanceof CliError ? new CliError(err.message, 2) : new CliError(describeError(err), 2);
}

/** The local hash index in the cache folder (--cache-dir, FERRY_CACHE_DIR), when comparing by content. */
export async function openLocalIndex(io: CliIo, args: CacheArgs, by: 'content' | 'size-mtime'): Promise<LocalHashIndex | undefined> {
  if (by !== 'content') return undefined;
  return LocalHashIndex.open({ file: defaultLocalIndexFile(cacheDirOf(io, args)), warn: (m) => warn(io, m) });
}

export function compareCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command(
      'compare <remote> [local]',
      'compare a folder of the share with a local folder, recursively, by content',
      (b) =>
        withClientOptions(b)
          .positional('remote', { type: 'string', demandOption: true, describe: 'folder inside the share ("" or / for its root)' })
          .positional('local', { type: 'string', describe: 'local folder [default: the current folder]' })
          .option('by', { type: 'string', describe: "'content' (BLAKE3, the default) or 'size,mtime' (no hashing, as rsync without -c)", requiresArg: true })
          .option('hidden', { type: 'boolean', default: false, describe: "include names starting with '.'" })
          .option('cache-dir', {
            type: 'string',
            describe: 'where the local hash index lives [default: $FERRY_CACHE_DIR, else the user cache folder]',
            requiresArg: true,
          })
          .example('$0 compare photos ~/Pictures', 'which photos differ, are missing here or only here')
          .example('$0 compare photos ~/Pictures --json | jq -r "select(.status != \\"identical\\") | .path"', 'the differing paths, one a line'),
      async (a) => {
        const by = byOption(a.by);
        const local = path.resolve(ctx.io.cwd, a.local ?? '.');
        // Loaded while the client connects and both sides are listed (compareTrees awaits it last).
        const indexing = openLocalIndex(ctx.io, a, by);
        indexing.catch(() => undefined); // a failure surfaces where compareTrees awaits it
        try {
          const r = await withClient(ctx.io, a, (api) =>
            interruptible(ctx.io, (signal) =>
              compareTrees(api, a.remote, local, {
                by,
                hidden: a.hidden,
                signal,
                ...(by === 'content' ? { index: indexing.then((index) => index!) } : {}),
              }),
            ),
          ).catch(troubled);
          if (!r.ok) {
            warn(ctx.io, 'interrupted');
            ctx.exitCode = 130;
            return;
          }
          const summary = summarize(r.value);
          // Written in a few large pieces, not a write (a system call, on a pipe) per line.
          writeLines(ctx.io, a.json ? r.value.map(differenceJson) : compareLines(r.value, summary));
          ctx.exitCode = summary.exitCode;
        } finally {
          await (await indexing.catch(() => undefined))?.close();
        }
      },
    );
}
