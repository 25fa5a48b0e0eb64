// A TCP relay between a client and a server that can cut every connection
// once a given number of bytes has flowed from the server (how tests kill a
// download mid-stream without depending on timing), or flip one bit of what
// the server sends (corruption in transit that TCP's checksum missed).

import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpRelay {
  port: number;
  /** Cut any connection once it has carried this many bytes server → client (undefined: never). */
  cutAfter: number | undefined;
  /** Connections cut so far. */
  cuts: number;
  /** Flip the low bit of the byte at this offset of each connection's server → client stream (undefined: never). */
  flipAt: number | undefined;
  close(): Promise<void>;
}

export async function startTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  const relay: TcpRelay = {
    port: 0,
    cutAfter: undefined,
    cuts: 0,
    flipAt: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    const upstream = connect(target);
    sockets.add(client).add(upstream);
    let fromServer = 0;
    const cut = () => {
      relay.cuts++;
      client.destroy();
      upstream.destroy();
    };
    upstream.on('data', (chunk: Buffer) => {
      const at = relay.flipAt === undefined ? -1 : relay.flipAt - fromServer;
      if (at >= 0 && at < chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[at]! ^= 1;
      }
      fromServer += chunk.length;
      if (relay.cutAfter !== undefined && fromServer > relay.cutAfter) {
        // Forward exactly up to the limit, then drop both sides.
        client.write(chunk.subarray(0, chunk.length - (fromServer - relay.cutAfter)), cut);
        upstream.pause();
        return;
      }
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    client.on('data', (chunk: Buffer) => {
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => {
        sockets.delete(a);
        b.end();
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  relay.port = (server.address() as AddressInfo).port;
  return relay;
}
