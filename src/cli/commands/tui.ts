// `ferry` / `ferry tui`: the full-screen client. With no server given it starts
// one in-process over --share (or the sample share), so a first run works
// with nothing else set up.

import { stat } from 'node:fs/promises';
import path from 'node:path';
import envPaths from 'env-paths';
import type { Argv } from 'yargs';
import { DownloadCache } from '../../cache/cache.js';
import { connect } from '../../client/connect.js';
import type { FerryServer } from '../../server/server.js';
import { MAX_TRANSFERS, validTransfers } from '../config.js';
import { CliError } from '../errors.js';
import type { Ctx } from '../io.js';
import { cacheDirOf, givenServerOf, sizeOption, withCacheOptions } from '../options.js';
import { dataDir, ensureSampleLocal, ensureSampleShare } from '../sample-share.js';
import { hostPort } from './serve.js';

/**
 * The embedded server's command log, in the user state folder. Sharing a folder
 * that contains it (`ferry --share ~`) is fine: the server never serves its own state.
 */
function embeddedLogFile(): string {
  return path.join(envPaths('ferry', { suffix: '' }).log, 'embedded-server.log.jsonl');
}

export function tuiCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command(
      'tui',
      'the full-screen client (also what `ferry` alone runs)',
      (b) =>
        withCacheOptions(b)
          .option('server', {
            type: 'string',
            describe: 'server address HOST:PORT [default: $FERRY_SERVER; if unset, an embedded server over --share]',
            requiresArg: true,
          })
          .option('token', { type: 'string', describe: 'access token [default: $FERRY_TOKEN]', requiresArg: true })
          .option('share', { type: 'string', describe: 'folder the embedded server shares [default: a sample share]', requiresArg: true })
          .option('allow-upload', { type: 'boolean', describe: 'let the embedded server accept uploads [default: only into the sample share]' })
          .option('local', {
            type: 'string',
            describe:
              'local folder shown beside the share [default: $FERRY_LOCAL, else the current folder; with the sample share, a scratch folder of its own]',
            requiresArg: true,
          })
          .option('cache', { type: 'boolean', default: true, describe: 'use the download cache (--no-cache: bypass it)' })
          .option('md5', { type: 'boolean', describe: 'also compute each download\'s MD5 here [default: "md5" in the config file, else no]' })
          .option('transfers', {
            type: 'number',
            describe: 'files transferred at once; the rest wait in the queue [default: "transfers" in the config file, else 4]',
            requiresArg: true,
          })
          .conflicts('share', 'server'),
      async (a) => {
        const io = ctx.io;
        if (io.stdin.isTTY !== true || io.stdout.isTTY !== true) {
          throw new CliError('the full-screen client needs a terminal; for scripts use `ferry shell` or the other commands (ferry --help)');
        }
        const transfers = a.transfers ?? ctx.config?.settings.transfers;
        if (transfers !== undefined && !validTransfers(transfers))
          throw new CliError(`--transfers must be a whole number from 1 to ${MAX_TRANSFERS}, not ${transfers}`);
        const token = a.token ?? io.env.FERRY_TOKEN;
        const cacheDir = cacheDirOf(io, a);
        const cacheSize = sizeOption('cache-size', a['cache-size']);
        // An explicit --share means an embedded server, whatever $FERRY_SERVER says.
        let server = a.share === undefined ? givenServerOf(io, a) : undefined;
        const sampleTour = server === undefined && a.share === undefined;
        const local = a.local ?? io.env.FERRY_LOCAL;
        const localRoot = local === undefined && sampleTour ? await ensureSampleLocal(dataDir(io.env)) : path.resolve(io.cwd, local ?? '.');
        if (!(await stat(localRoot).catch(() => undefined))?.isDirectory()) throw new CliError(`--local ${localRoot} is not a folder`);
        let embedded: FerryServer | undefined;
        if (server === undefined) {
          const sample = sampleTour;
          const root = sample ? await ensureSampleShare(dataDir(io.env)) : path.resolve(io.cwd, a.share as string);
          // Loaded on demand: client commands never need the server's modules.
          const { FerryServer: Server } = await import('../../server/server.js');
          embedded = await Server.start({
            root,
            host: '127.0.0.1',
            port: 0,
            logFile: embeddedLogFile(),
            allowUpload: a['allow-upload'] ?? sample,
            ...(token ? { token } : {}),
          });
          server = hostPort(embedded.host, embedded.port);
        }
        try {
          const client = await connect({
            server,
            ...(token ? { token } : {}),
            ...(cacheDir !== undefined ? { cacheDir } : {}),
            ...(cacheSize !== undefined ? { cacheSize } : {}),
            noCache: !a.cache,
          });
          try {
            // Loaded only here: Ink and React are not needed by the other commands.
            const { runTui } = await import('../../tui/run.js');
            const { setKeyTable } = await import('../../tui/keys/bindings.js');
            setKeyTable(ctx.config?.settings.keys ?? {});
            // The TUI shows the cache even when downloads bypass it (--no-cache).
            const cache =
              client.cache ??
              (await DownloadCache.open({ ...(cacheDir !== undefined ? { dir: cacheDir } : {}), ...(cacheSize !== undefined ? { limit: cacheSize } : {}) }));
            await runTui({
              api: client,
              cache,
              localRoot,
              serverLabel: embedded ? `${server} (${embedded.root})` : server,
              // The status line names the embedded share's folder; the pane title keeps room for the path inside it.
              remoteLabel: server,
              uploadAllowed: client.info.features.includes('upload'),
              md5Here: a.md5 ?? ctx.config?.settings.md5 ?? false,
              ...(transfers !== undefined ? { concurrency: transfers } : {}),
              // What a quit leaves unfinished is kept here and offered at the next start.
              queueFile: path.join(dataDir(io.env), 'unfinished-transfers.json'),
              ...(ctx.config?.settings.colors ? { colors: ctx.config.settings.colors } : {}),
            });
          } finally {
            await client.close().catch(() => {});
          }
        } finally {
          await embedded?.close();
        }
      },
    );
}
