// `ferry` / `ferry tui`: the full-screen client. With no server given it starts
// one in-process over --share (or the sample share), so a first run works
// with nothing else set up.

import { stat } from 'node:fs/promises';
import path from 'node:path';
import envPaths from 'env-paths';
import type { Argv } from 'yargs';
import { DownloadCache } from '../../cache/cache.js';
import { defaultLocalIndexFile } from '../../client/local-index.js';
import { connect, parseServerAddress } from '../../client/connect.js';
import { loadRecentServers, recentAddress, rememberRecentServer, trustChangedCertificate, type RecentServer } from '../../client/recent-servers.js';
import type { FerryServer } from '../../server/server.js';
import { MAX_TRANSFERS, validTransfers } from '../config.js';
import { CliError } from '../errors.js';
import type { Ctx } from '../io.js';
import { cacheDirOf, givenServerOf, sizeOption, withCacheOptions } from '../options.js';
import { dataDir, ensureSampleLocal, ensureSampleShare } from '../sample-share.js';
import { hostPort } from './serve.js';
import type { OpenedApp } from '../../tui/components/Launcher.js';
import { type SyncPair, syncStateFile } from '../../client/sync-state.js';

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
          .option('tls', { type: 'boolean', describe: 'connect with TLS (the server runs with --tls); its certificate is trusted on first use and remembered' })
          .option('fingerprint', {
            type: 'string',
            describe: "the server's certificate fingerprint (printed by `ferry serve --tls`); implies --tls [default: $FERRY_FINGERPRINT]",
            requiresArg: true,
          })
          .option('recent', {
            type: 'boolean',
            default: true,
            describe: 'with no server named, offer the servers used before (--no-recent: go straight to the built-in one)',
          })
          .option('share', { type: 'string', describe: 'folder the embedded server shares [default: a sample share]', requiresArg: true })
          .option('allow-write', {
            alias: 'allow-upload',
            type: 'boolean',
            describe: 'let the embedded server accept changes: uploads, new folders, renames, deletes [default: only in the sample share]',
          })
          .option('local', {
            type: 'string',
            describe:
              'local folder shown beside the share [default: $FERRY_LOCAL, else the current folder; with the sample share, a scratch folder of its own]',
            requiresArg: true,
          })
          .option('cache', { type: 'boolean', default: true, describe: 'use the download cache (--no-cache: bypass it)' })
          .option('mouse', {
            type: 'boolean',
            describe: 'click, double-click and wheel in the panes; --no-mouse leaves the mouse to the terminal [default: "mouse" in the config file, else yes]',
          })
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
        const fingerprint = a.fingerprint ?? io.env.FERRY_FINGERPRINT;
        const tls = a.tls ?? (io.env.FERRY_TLS === '1' || fingerprint !== undefined);
        const cacheDir = cacheDirOf(io, a);
        const cacheSize = sizeOption('cache-size', a['cache-size']);
        // An explicit --share means an embedded server, whatever $FERRY_SERVER says.
        const given = a.share === undefined ? givenServerOf(io, a) : undefined;
        const sampleTour = given === undefined && a.share === undefined;
        const local = a.local ?? io.env.FERRY_LOCAL;
        const localRootFor = async (embeddedSample: boolean) => {
          const root = local === undefined && embeddedSample ? await ensureSampleLocal(dataDir(io.env)) : path.resolve(io.cwd, local ?? '.');
          if (!(await stat(root).catch(() => undefined))?.isDirectory()) throw new CliError(`--local ${root} is not a folder`);
          return root;
        };
        // Everything opened is closed once the app ends, including a connection
        // still being made when the user quit the picker.
        const closers: Array<() => Promise<void>> = [];
        let ended = false;
        const hold = (close: () => Promise<void>) => {
          if (ended) void close().catch(() => {});
          else closers.push(close);
        };
        const startEmbedded = async (): Promise<FerryServer> => {
          const root = sampleTour ? await ensureSampleShare(dataDir(io.env)) : path.resolve(io.cwd, a.share as string);
          // Loaded on demand: client commands never need the server's modules.
          const { FerryServer: Server } = await import('../../server/server.js');
          const server = await Server.start({
            root,
            host: '127.0.0.1',
            port: 0,
            logFile: embeddedLogFile(),
            allowWrite: a['allow-write'] ?? sampleTour,
            ...(token ? { token } : {}),
          });
          hold(() => server.close());
          return server;
        };
        const openApp = async (
          server: string,
          how: { tls: boolean; fingerprint?: string | undefined; embedded?: FerryServer; acceptChanged?: boolean },
        ): Promise<OpenedApp> => {
          const localRoot = await localRootFor(how.embedded !== undefined && sampleTour);
          const client = await connect({
            server,
            ...(token ? { token } : {}),
            ...(how.tls ? { tls: true } : {}),
            ...(how.fingerprint ? { fingerprint: how.fingerprint } : {}),
            ...(cacheDir !== undefined ? { cacheDir } : {}),
            ...(cacheSize !== undefined ? { cacheSize } : {}),
            noCache: !a.cache,
          });
          hold(() => client.close());
          const { host, port } = parseServerAddress(server);
          // The user saw the new certificate and said yes: trust it from now on.
          if (how.acceptChanged && client.tls) await trustChangedCertificate(host, port, client.tls.fingerprint);
          // The built-in server is on a new port each time: nothing to come back to.
          if (!how.embedded)
            await rememberRecentServer({
              host,
              port,
              tls: client.tls !== undefined,
              ...(client.tls ? { fingerprint: client.tls.fingerprint } : {}),
              lastUsed: Date.now(),
            }).catch(() => {});
          // The TUI shows the cache even when downloads bypass it (--no-cache).
          const cache =
            client.cache ??
            (await DownloadCache.open({ ...(cacheDir !== undefined ? { dir: cacheDir } : {}), ...(cacheSize !== undefined ? { limit: cacheSize } : {}) }));
          return {
            api: client,
            cache,
            localRoot,
            serverLabel: how.embedded ? `${server} (${how.embedded.root})` : server,
            // The status line names the embedded share's folder; the pane title keeps room for the path inside it.
            remoteLabel: server,
            uploadAllowed: client.info.features.includes('upload'),
            md5Here: a.md5 ?? ctx.config?.settings.md5 ?? false,
            // The same local hash index as `ferry compare` and `ferry sync`: what one hashed, the other need not.
            hashIndexFile: defaultLocalIndexFile(cacheDir),
            // The same pair state as `ferry sync SERVER_DIR LOCAL_DIR` against this server
            // (the built-in one is on a new port each time: nothing to share).
            ...(how.embedded ? {} : { syncStateFile: (pair: Omit<SyncPair, 'server'>) => syncStateFile({ server, ...pair }, cacheDir) }),
            ...(transfers !== undefined ? { concurrency: transfers } : {}),
            // What a quit leaves unfinished is kept here and offered at the next start.
            queueFile: path.join(dataDir(io.env), 'unfinished-transfers.json'),
          };
        };
        const openEmbedded = async () => {
          const embedded = await startEmbedded();
          return openApp(hostPort(embedded.host, embedded.port), { tls: false, embedded });
        };
        try {
          // With no server named, the servers used before are offered first (Esc: the built-in one).
          const recent = sampleTour && a.recent ? await loadRecentServers() : [];
          const shown =
            recent.length > 0
              ? {
                  launch: {
                    recent,
                    open: (choice: RecentServer | null, accept?: string) =>
                      choice
                        ? openApp(recentAddress(choice), {
                            tls: choice.tls,
                            fingerprint: accept ?? choice.fingerprint,
                            acceptChanged: accept !== undefined,
                          })
                        : openEmbedded(),
                  },
                }
              : given !== undefined
                ? await openApp(given, { tls, fingerprint })
                : await openEmbedded();
          // Loaded only here: Ink and React are not needed by the other commands.
          const { runTui } = await import('../../tui/run.js');
          const { setKeyTable } = await import('../../tui/keys/bindings.js');
          setKeyTable(ctx.config?.settings.keys ?? {});
          await runTui({
            ...shown,
            mouse: a.mouse ?? ctx.config?.settings.mouse ?? true,
            ...(ctx.config?.settings.colors ? { colors: ctx.config.settings.colors } : {}),
          });
        } finally {
          ended = true;
          for (const close of closers.reverse()) await close().catch(() => {});
        }
      },
    );
}
