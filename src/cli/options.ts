// Options shared by the commands that talk to a server or use the cache, and
// the one place that turns them into a connected client.

import type { Argv } from 'yargs';
import { describeRepair } from '../cache/cache.js';
import { parseBytes } from '../format.js';
import { connect, DEFAULT_SERVER, parseServerAddress } from '../client/connect.js';
import type { FerryClient } from '../client/client.js';
import { CliError } from './errors.js';
import { warn, type CliIo } from './io.js';

export interface ClientArgs {
  server?: string;
  token?: string;
  tls?: boolean;
  fingerprint?: string;
  json?: boolean;
}

export interface CacheArgs {
  cache?: boolean; // false with --no-cache
  'cache-dir'?: string;
  'cache-size'?: string;
}

export function withClientOptions<T>(y: Argv<T>) {
  return y
    .option('server', {
      type: 'string',
      describe: `server address HOST:PORT [default: $FERRY_SERVER, else ${DEFAULT_SERVER}]`,
      requiresArg: true,
    })
    .option('token', { type: 'string', describe: 'access token [default: $FERRY_TOKEN]', requiresArg: true })
    .option('tls', { type: 'boolean', describe: 'connect with TLS (the server runs with --tls); its certificate is trusted on first use and remembered' })
    .option('fingerprint', {
      type: 'string',
      describe: "the server's certificate fingerprint (printed by `ferry serve --tls`); implies --tls [default: $FERRY_FINGERPRINT]",
      requiresArg: true,
    })
    .option('json', { type: 'boolean', describe: 'print machine-readable JSON instead of text' });
}

export function withCacheOptions<T>(y: Argv<T>) {
  return y
    .option('cache-dir', { type: 'string', describe: 'download cache folder [default: $FERRY_CACHE_DIR, else the user cache folder]', requiresArg: true })
    .option('cache-size', { type: 'string', describe: 'cache size limit, e.g. 512MiB or 2GiB [default: 1 GiB]', requiresArg: true });
}

/**
 * The server address the user gave (--server, else FERRY_SERVER), checked, or
 * undefined when neither is set. An empty one is refused, naming where it came
 * from: `--server ""` or `FERRY_SERVER=` quietly meaning the default address
 * would connect (and send a token) somewhere the user never named.
 */
export function givenServerOf(io: CliIo, args: Pick<ClientArgs, 'server'>): string | undefined {
  const fromFlag = args.server !== undefined;
  const text = fromFlag ? args.server : io.env.FERRY_SERVER;
  if (text === undefined) return undefined;
  const source = fromFlag ? '--server' : 'FERRY_SERVER';
  if (text.trim() === '') throw new CliError(`${source} is empty: give a server address HOST:PORT (e.g. ${DEFAULT_SERVER}), or leave ${source} out`);
  parseServerAddress(text); // a malformed address fails here, with its own message
  return text;
}

export function serverOf(io: CliIo, args: ClientArgs): string {
  return givenServerOf(io, args) ?? DEFAULT_SERVER;
}

/** Parse a --cache-size (or similar) value, failing with a message that shows what works. */
export function sizeOption(name: string, text: string | undefined, examples = '512MiB or 2GiB'): number | undefined {
  if (text === undefined) return undefined;
  const bytes = parseBytes(text);
  if (!Number.isFinite(bytes) || bytes <= 0) throw new CliError(`invalid --${name} '${text}' (try ${examples})`);
  return bytes;
}

export function cacheDirOf(io: CliIo, args: CacheArgs): string | undefined {
  return args['cache-dir'] ?? io.env.FERRY_CACHE_DIR;
}

/** Connect with the common options; the cache is opened only when asked for. */
export async function openClient(io: CliIo, args: ClientArgs & CacheArgs, withCache = false): Promise<FerryClient> {
  const server = serverOf(io, args);
  const token = args.token ?? io.env.FERRY_TOKEN;
  const cacheDir = cacheDirOf(io, args);
  const cacheSize = sizeOption('cache-size', args['cache-size']);
  const fingerprint = args.fingerprint ?? io.env.FERRY_FINGERPRINT;
  const tls = args.tls ?? (io.env.FERRY_TLS === '1' || fingerprint !== undefined);
  const client = await connect({
    server,
    ...(token ? { token } : {}),
    ...(tls ? { tls } : {}),
    ...(fingerprint ? { fingerprint } : {}),
    ...(cacheDir !== undefined ? { cacheDir } : {}),
    ...(cacheSize !== undefined ? { cacheSize } : {}),
    noCache: !withCache || args.cache === false,
  });
  // Said once: the open that migrated or rebuilt the cache is the only one with it to say.
  const cacheNote = client.cache ? describeRepair(client.cache.repairReport) : undefined;
  if (cacheNote) warn(io, cacheNote);
  if (client.tls?.firstUse) {
    warn(io, `trusting ${client.info.address} on first use: certificate ${client.tls.fingerprint} (compare it with what \`ferry serve --tls\` printed)`);
  }
  return client;
}

/** Run `fn` with a connected client and always close it afterwards. */
export async function withClient<R>(io: CliIo, args: ClientArgs & CacheArgs, fn: (client: FerryClient) => Promise<R>, withCache = false): Promise<R> {
  const client = await openClient(io, args, withCache);
  try {
    return await fn(client);
  } finally {
    await client.close().catch(() => {});
  }
}

/** --transfers: a few files at once; more only queue up at the server. */
export function transfersOption(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new CliError(`--transfers must be a whole number from 1 to 64, not ${n}`);
  return n;
}
