// ferry cache list|stats|clear|rm: the local download cache, opened directly
// (no server needed).

import type { Argv } from 'yargs';
import { DEFAULT_CACHE_LIMIT, DownloadCache, defaultCacheDir, describeRepair } from '../../cache/cache.js';
import { formatBytes, formatTime, plural } from '../../format.js';
import type { CacheEntryInfo } from '../../client/types.js';
import { CliError } from '../errors.js';
import type { Ctx } from '../io.js';
import { out, printJson, terminalWidth, warn } from '../io.js';
import { cacheDirOf, sizeOption, withCacheOptions, type CacheArgs } from '../options.js';
import { printable, renderTable, type Column } from '../table.js';

const columns: Column<CacheEntryInfo>[] = [
  { header: 'MD5', value: (e) => e.md5 },
  { header: 'SIZE', value: (e) => formatBytes(e.size), align: 'right' },
  { header: 'LAST USED', value: (e) => formatTime(Date.parse(e.lastAccess)), drop: 2 },
  { header: 'HITS', value: (e) => String(e.hits), align: 'right', drop: 1 },
  { header: 'FROM', value: (e) => printable(`${e.server}:${e.remotePath}`), cut: 'start' },
];

function common<T>(y: Argv<T>) {
  return withCacheOptions(y).option('json', { type: 'boolean', describe: 'print machine-readable JSON instead of text' });
}

async function open(ctx: Ctx, a: CacheArgs): Promise<DownloadCache> {
  const limit = sizeOption('cache-size', a['cache-size']) ?? DEFAULT_CACHE_LIMIT;
  const cache = await DownloadCache.open({ dir: cacheDirOf(ctx.io, a) ?? defaultCacheDir(), limit });
  const note = describeRepair(cache.repairReport); // on stderr: --json output stays clean
  if (note) warn(ctx.io, note);
  return cache;
}

export function cacheCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command('cache', 'the local download cache (list, stats, clear, rm)', (c) =>
      c
        .command('list', 'files in the cache, most recently used first', common, async (a) => {
          const entries = await (await open(ctx, a)).list();
          if (a.json) printJson(ctx.io, entries);
          else if (entries.length === 0) out(ctx.io, 'the cache is empty');
          else {
            for (const line of renderTable(columns, entries, terminalWidth(ctx.io))) out(ctx.io, line);
            out(ctx.io, `${plural(entries.length, 'file')}, ${formatBytes(entries.reduce((s, e) => s + e.size, 0))}`);
          }
        })
        .command('stats', 'size, limit and hit rate', common, async (a) => {
          const s = await (await open(ctx, a)).stats();
          if (a.json) return printJson(ctx.io, s);
          const lookups = s.hits + s.misses;
          out(ctx.io, `folder   ${s.dir}`);
          out(ctx.io, `files    ${s.entries}`);
          out(ctx.io, `size     ${formatBytes(s.bytes)} of ${formatBytes(s.limit)} (${s.limit > 0 ? ((100 * s.bytes) / s.limit).toFixed(1) : '0.0'} %)`);
          out(ctx.io, `hits     ${s.hits} of ${lookups} downloads${lookups > 0 ? ` (${((100 * s.hits) / lookups).toFixed(1)} %)` : ''}`);
        })
        .command('clear', 'remove everything from the cache', common, async (a) => {
          const cache = await open(ctx, a);
          const before = await cache.stats();
          await cache.clear();
          if (a.json) printJson(ctx.io, { removed: before.entries, bytes: before.bytes });
          else out(ctx.io, `removed ${plural(before.entries, 'file')} (${formatBytes(before.bytes)})`);
        })
        .command(
          'rm <file>',
          'remove one file from the cache, by MD5, BLAKE3 root or its path on the server',
          (b) => common(b).positional('file', { type: 'string', demandOption: true, describe: 'an MD5, a BLAKE3 root, or a remote path' }),
          async (a) => {
            const removed = await (await open(ctx, a)).remove(a.file);
            if (removed === 0) throw new CliError(`nothing in the cache matches '${a.file}'`);
            if (a.json) printJson(ctx.io, { removed });
            else out(ctx.io, `removed ${plural(removed, 'file')}`);
          },
        )
        .demandCommand(1, 'choose list, stats, clear or rm'),
    );
}
