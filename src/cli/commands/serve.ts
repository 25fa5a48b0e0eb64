// ferry serve [DIR]: share a folder until Ctrl-C. Headless: the server writes
// its own command log; the terminal gets one line when it is ready.

import path from 'node:path';
import type { Argv } from 'yargs';
import { generateToken, tokenWeakness } from '../../protocol/auth.js';
import { formatBytes } from '../../format.js';
import { CliError } from '../errors.js';
import type { Ctx } from '../io.js';
import { out, warn } from '../io.js';
import { sizeOption } from '../options.js';
import { serverLimitLines } from '../server-limits.js';

/** A log file must hold a fair number of lines (one is at most 16 KiB), or rotation would churn. */
const MIN_LOG_FILE_BYTES = 64 * 1024;
/** More older files than this is a typo, not a retention policy. */
const MAX_LOG_KEEP = 1000;

function logRotationOptions(size: string | undefined, keep: number | undefined) {
  const maxFileBytes = sizeOption('log-size', size, '64MiB or 1GiB');
  if (maxFileBytes !== undefined && maxFileBytes < MIN_LOG_FILE_BYTES) throw new CliError(`--log-size must be at least ${formatBytes(MIN_LOG_FILE_BYTES)}`);
  if (keep !== undefined && !(Number.isInteger(keep) && keep >= 1 && keep <= MAX_LOG_KEEP)) {
    throw new CliError(`--log-keep must be a whole number from 1 to ${MAX_LOG_KEEP}`);
  }
  return { ...(maxFileBytes !== undefined ? { maxFileBytes } : {}), ...(keep !== undefined ? { keepFiles: keep } : {}) };
}

function portOption(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new CliError(`--${name} must be a port number from 0 to 65535`);
  return value;
}

export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function serveCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command(
      'serve [dir]',
      'share a folder (until Ctrl-C)',
      (b) =>
        b
          .positional('dir', { type: 'string', default: '.', describe: 'the folder to share' })
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on (0.0.0.0 for every interface)', requiresArg: true })
          .option('port', { type: 'number', default: 2003, describe: 'TCP port (0 picks a free one)', requiresArg: true })
          .option('udp-port', { type: 'number', describe: 'UDP port for UDP downloads [default: the TCP port number]', requiresArg: true })
          .option('udp-advertise-port', {
            type: 'number',
            describe:
              'UDP port to tell clients to send to, when a port forward or NAT in front of the server maps a different public port to --udp-port [default: the bound UDP port]',
            requiresArg: true,
          })
          .option('log', { type: 'string', describe: 'command log file [default: in the user state folder]', requiresArg: true })
          .option('log-size', {
            type: 'string',
            describe: 'rotate the command log before a file passes this size, e.g. 64MiB [default: 32 MiB]',
            requiresArg: true,
          })
          .option('log-keep', { type: 'number', describe: 'older command log files to keep [default: 4]', requiresArg: true })
          .option('verbose', { type: 'boolean', default: false, describe: 'also print every limit the server enforces' })
          .option('allow-write', {
            alias: 'allow-upload',
            type: 'boolean',
            default: false,
            describe: 'let clients change the folder: upload, mkdir, mv, rm, cp (--allow-upload is the old name)',
          })
          .option('token', {
            type: 'string',
            describe:
              "require this token from clients: 'auto' makes a random 256-bit one and prints it; a chosen one needs 16 or more varied characters [default: $FERRY_TOKEN]",
            requiresArg: true,
          })
          .option('tls', {
            type: 'boolean',
            default: false,
            describe: 'TLS 1.3 with a self-signed certificate created once and kept; prints its fingerprint for clients to pin',
          })
          .option('insecure', { type: 'boolean', default: false, describe: 'allow listening beyond loopback without a token' })
          .example('$0 serve ~/Public --host 0.0.0.0 --token auto', 'share on the network, with a fresh token'),
      async (a) => {
        const io = ctx.io;
        const root = path.resolve(io.cwd, a.dir);
        const port = portOption('port', a.port);
        const udpPort = portOption('udp-port', a['udp-port']);
        const udpAdvertisePort = portOption('udp-advertise-port', a['udp-advertise-port']);
        // 0 picks a free port when binding, but no client can send to port 0.
        if (udpAdvertisePort === 0) throw new CliError('--udp-advertise-port must be a port number from 1 to 65535');
        const given = a.token ?? io.env.FERRY_TOKEN;
        const token = given === 'auto' ? generateToken() : given;
        // A weak token can be guessed online, and offline from one proof a
        // client sent to a fake server (docs/security.md); refuse it outright.
        const weakness = given !== undefined && given !== 'auto' ? tokenWeakness(given) : undefined;
        if (weakness) throw new CliError(`the token is too weak: ${weakness}. Use --token auto for a random 256-bit one, or a long random passphrase`);
        const logFile = a.log !== undefined ? path.resolve(io.cwd, a.log) : undefined;
        const logRotation = logRotationOptions(a['log-size'], a['log-keep']);
        // Register before starting so a Ctrl-C during start-up is not lost.
        let interrupted: () => void = () => {};
        const stopped = new Promise<void>((resolve) => (interrupted = resolve));
        const unsubscribe = io.onInterrupt(() => interrupted());
        try {
          // Loaded on demand: client commands never need the server's modules.
          const { FerryServer: Server } = await import('../../server/server.js');
          const server = await Server.start({
            root,
            host: a.host,
            ...(port !== undefined ? { port } : {}),
            ...(udpPort !== undefined ? { udpPort } : {}),
            ...(udpAdvertisePort !== undefined ? { udpAdvertisePort } : {}),
            ...(logFile !== undefined ? { logFile } : {}),
            logRotation,
            allowWrite: a['allow-write'],
            insecure: a.insecure,
            tls: a.tls,
            ...(token ? { token } : {}),
          });
          out(io, `ferry: serving ${server.root} on tcp://${hostPort(server.host, server.port)}`);
          if (server.fingerprint) out(io, `ferry: TLS certificate ${server.fingerprint} (clients: --fingerprint ${server.fingerprint})`);
          if (given === 'auto') out(io, `ferry: token ${token} (clients: --token ${token} or FERRY_TOKEN=${token})`);
          if (a.verbose) for (const line of serverLimitLines(server)) out(io, line);
          await stopped;
          warn(io, 'shutting down');
          await server.close();
        } finally {
          unsubscribe();
        }
      },
    );
}
