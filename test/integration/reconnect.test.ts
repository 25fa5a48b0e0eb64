// The client's control connection across a server restart: calls made while
// the server is away wait for it, give up with a clear error after their wait,
// and the client picks the server up again whenever it returns.

import { afterEach, describe, expect, it } from 'vitest';
import type { FerryClient } from '../../src/client/client.js';
import type { ConnectionStatus } from '../../src/client/types.js';
import { FerryServer } from '../../src/server/server.js';
import { codeOf, startTestServer, waitFor, type TestServer } from '../helpers/server.js';

let t: TestServer;
let again: FerryServer | undefined;

afterEach(async () => {
  await again?.close();
  again = undefined;
  await t.close();
});

/** Stop the test server and wait until the client has noticed. */
async function serverGoesAway(_client: FerryClient, statuses: ConnectionStatus[]): Promise<void> {
  await t.server.close();
  await waitFor(() => statuses.some((s) => s.state === 'reconnecting'), 'the client to notice the server is gone');
}

/** A server with one file and a client of it, whose server has then gone away. */
async function connectedThenServerGone(): Promise<{ client: FerryClient; statuses: ConnectionStatus[] }> {
  t = await startTestServer({ 'a.txt': 'one\n' });
  const client = await t.connect({ noCache: true });
  const statuses: ConnectionStatus[] = [];
  client.onStatus((s) => statuses.push(s));
  await serverGoesAway(client, statuses);
  return { client, statuses };
}

/** The same share on the same port, as after a restart. */
async function serverComesBack(options: { allowWrite?: boolean } = {}): Promise<void> {
  again = await FerryServer.start({
    root: t.share.root,
    host: '127.0.0.1',
    port: t.server.port,
    logFile: `${t.scratch}/again.log.jsonl`,
    hashIndexFile: null,
    ...options,
  });
}

describe('reconnecting', () => {
  it('a call made while the server is away waits and succeeds once it is back', async () => {
    const { client, statuses } = await connectedThenServerGone();

    const listing = client.list(); // issued while nothing listens on the port
    await serverComesBack();
    expect((await listing).map((e) => e.path)).toEqual(['a.txt']);
    expect(statuses.at(-1)?.state).toBe('connected');
  });

  it('a call that waits too long fails with CONNECTION_LOST; the client still picks the server up later', async () => {
    const { client, statuses } = await connectedThenServerGone();

    client.reconnectWaitMs = 200;
    const failed = client.list();
    expect(await codeOf(failed)).toBe('CONNECTION_LOST');
    await expect(failed).rejects.toThrow(/cannot reach 127\.0\.0\.1:\d+: .*\(still trying\)/);

    await serverComesBack();
    // Nobody asked for anything since the failure: the client kept trying by itself.
    await waitFor(() => statuses.at(-1)?.state === 'connected', 'the client to reconnect on its own');
    client.reconnectWaitMs = 10_000;
    expect((await client.list()).map((e) => e.path)).toEqual(['a.txt']);
  });

  it('after close, calls fail at once instead of waiting for a reconnection', async () => {
    const { client, statuses } = await connectedThenServerGone();
    await client.close();
    expect(statuses.at(-1)?.state).toBe('closed');
    // With the default 30 s wait, a call that did not know the client is closed would hang here.
    expect(await codeOf(client.list())).toBe('CONNECTION_LOST');
  });

  it('re-reads the write permission: a server restarted with --allow-write is writable, and read-only again after', async () => {
    const { client, statuses } = await connectedThenServerGone();
    expect(client.writable).toBe(false);
    await serverComesBack({ allowWrite: true });
    await waitFor(() => statuses.at(-1)?.state === 'connected', 'the client to reconnect');
    expect(client.writable).toBe(true);
    expect(client.info.features).toContain('write');
    expect(await client.mkdir('made')).toEqual({ path: 'made', created: true });

    statuses.length = 0;
    await again!.close();
    again = undefined;
    await waitFor(() => statuses.some((s) => s.state === 'reconnecting'), 'the client to notice');
    await serverComesBack();
    await waitFor(() => statuses.at(-1)?.state === 'connected', 'the client to reconnect again');
    expect(client.writable).toBe(false);
    expect(await codeOf(client.mkdir('again'))).toBe('READ_ONLY');
  });
});
