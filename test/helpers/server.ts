// A real server on a free port over a temp share, and clients connected to it,
// torn down together. Integration tests build on this.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownloadCache } from '../../src/cache/cache.js';
import { FerryError } from '../../src/protocol/errors.js';
import { FerryClient } from '../../src/client/client.js';
import { RpcConnection } from '../../src/client/rpc.js';
import { FerryServer, type ServerOptions } from '../../src/server/server.js';
import { createTempShare, type ShareSpec, type TempShare } from './temp-share.js';

export interface TestServer {
  server: FerryServer;
  share: TempShare;
  /** A scratch folder for downloads, caches and logs (outside the share). */
  scratch: string;
  address: string;
  /** A connected client; `cache` set unless `noCache`. */
  connect(options?: { cacheLimit?: number; noCache?: boolean; cacheDir?: string; port?: number }): Promise<FerryClient>;
  close(): Promise<void>;
}

export async function startTestServer(spec: ShareSpec = {}, options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const share = await createTempShare(spec);
  const scratch = await mkdtemp(join(tmpdir(), 'ferry-scratch-'));
  const server = await FerryServer.start({
    root: share.root,
    host: '127.0.0.1',
    port: 0,
    logFile: join(scratch, 'server.log.jsonl'),
    hashIndexFile: null,
    // Hundreds of test servers need not each start threads most never use.
    startHashWorkers: false,
    ...options,
  });
  const clients: FerryClient[] = [];
  const address = `127.0.0.1:${server.port}`;
  return {
    server,
    share,
    scratch,
    address,
    async connect(o = {}) {
      const rpcOptions = { host: '127.0.0.1', port: o.port ?? server.port };
      const cache = o.noCache ? null : await DownloadCache.open({ dir: o.cacheDir ?? join(scratch, 'cache'), limit: o.cacheLimit ?? 1024 ** 3 });
      const client = new FerryClient(await RpcConnection.open(rpcOptions), rpcOptions, cache);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await server.close();
      await share.remove();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/** Poll a condition until it holds or the deadline passes (no fixed sleeps). */
export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The error code a promise fails with: 'resolved' if it did not fail, 'uncoded: …' for a plain Error. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return err instanceof FerryError ? err.code : `uncoded: ${String(err)}`;
  }
}
