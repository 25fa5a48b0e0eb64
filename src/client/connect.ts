// Where a client starts: parse the server address, open the connection,
// open the cache.

import { DownloadCache } from '../cache/cache.js';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { FerryClient } from './client.js';
import { RpcConnection } from './rpc.js';

export const DEFAULT_PORT = 2003;
export const DEFAULT_SERVER = `127.0.0.1:${DEFAULT_PORT}`;

export interface ConnectOptions {
  /** host:port, [v6]:port, host (default port), or :port. Default: FERRY_SERVER, else 127.0.0.1:2003. */
  server?: string;
  token?: string;
  /** TLS 1.3 with the server's certificate pinned (by `fingerprint`, else trusted on first use). */
  tls?: boolean;
  fingerprint?: string;
  knownServersFile?: string;
  cacheDir?: string;
  cacheSize?: number;
  /** Downloads skip the cache (and no cache folder is created). */
  noCache?: boolean;
}

// A host is a name or an IPv4 address, or an IPv6 address in brackets (with an
// optional zone). Anything else (a URL, a space, a stray character) is a typo
// that would otherwise surface later as a confusing lookup failure.
const NAME_HOST = /^([A-Za-z0-9._-]*)(?::(\d+))?$/;
const IPV6_HOST = /^\[([0-9A-Fa-f:.]+(?:%[A-Za-z0-9._-]+)?)\](?::(\d+))?$/;

export function parseServerAddress(text: string): { host: string; port: number } {
  const t = text.trim();
  // An empty address is a mistake (an unset variable, a lost argument), not a
  // request for the default: connecting somewhere the user did not name is worse.
  if (t === '') throw new FerryError(ErrorCode.BadRequest, `the server address is empty (expected HOST:PORT, e.g. ${DEFAULT_SERVER})`);
  const m = IPV6_HOST.exec(t) ?? NAME_HOST.exec(t);
  const port = m?.[2] === undefined ? DEFAULT_PORT : Number(m[2]);
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new FerryError(ErrorCode.BadRequest, `'${text}' is not a server address (expected HOST:PORT, e.g. ${DEFAULT_SERVER})`);
  }
  return { host: m[1] || '127.0.0.1', port };
}

export async function connect(options: ConnectOptions = {}): Promise<FerryClient> {
  const { host, port } = parseServerAddress(options.server ?? process.env.FERRY_SERVER ?? DEFAULT_SERVER);
  const rpcOptions = {
    host,
    port,
    ...(options.token ? { token: options.token } : {}),
    ...(options.tls || options.fingerprint ? { tls: true } : {}),
    ...(options.fingerprint ? { fingerprint: options.fingerprint } : {}),
    ...(options.knownServersFile ? { knownServersFile: options.knownServersFile } : {}),
  };
  const rpc = await RpcConnection.open(rpcOptions);
  let cache: DownloadCache | null = null;
  if (!options.noCache) {
    try {
      cache = await DownloadCache.open({
        ...((options.cacheDir ?? process.env.FERRY_CACHE_DIR) ? { dir: options.cacheDir ?? process.env.FERRY_CACHE_DIR } : {}),
        ...(options.cacheSize !== undefined ? { limit: options.cacheSize } : {}),
      });
    } catch (err) {
      rpc.destroy();
      throw err;
    }
  }
  return new FerryClient(rpc, rpcOptions, cache);
}
