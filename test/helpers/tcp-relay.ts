// A TCP relay between a client and a server, for making faults happen at a
// known point of a stream instead of at a moment in time. Per connection it
// can cut both sides once a number of bytes has flowed server → client (a
// download killed mid-stream) or client → server (an upload cut), hold the
// server's stream (so a test knows a transfer is mid-way before it kills
// something), or flip one bit of what the server sends (corruption in transit
// that TCP's checksum missed).

import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpRelay {
  port: number;
  /** Cut a connection once it has carried this many bytes server → client (undefined: never). */
  cutAfter: number | undefined;
  /** Cut a connection once this many bytes went client → server on it (undefined: never). */
  cutUploadAfter: number | undefined;
  /** Stop forwarding server → client after this many bytes on one connection (undefined: never). */
  holdAfter: number | undefined;
  /** Flip the low bit of the byte at this offset of each connection's server → client stream (undefined: never). */
  flipAt: number | undefined;
  /** Connections cut so far. */
  cuts: number;
  /** Resolves when some connection is being held. */
  held(): Promise<void>;
  /** Resolves when some connection has been cut. */
  cut(): Promise<void>;
  /** Drop every open connection (both sides). */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  let onHeld: () => void = () => {};
  let heldOnce = new Promise<void>((r) => (onHeld = r));
  let onCut: () => void = () => {};
  const cutOnce = new Promise<void>((r) => (onCut = r));
  const relay: TcpRelay = {
    port: 0,
    cutAfter: undefined,
    cutUploadAfter: undefined,
    holdAfter: undefined,
    flipAt: undefined,
    cuts: 0,
    held: () => heldOnce,
    cut: () => cutOnce,
    dropAll() {
      for (const s of sockets) s.destroy();
      heldOnce = new Promise<void>((r) => (onHeld = r));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    const upstream = connect(target);
    sockets.add(client).add(upstream);
    let down = 0;
    let up = 0;
    let holding = false;
    const cut = () => {
      relay.cuts++;
      client.destroy();
      upstream.destroy();
      onCut();
    };
    upstream.on('data', (chunk: Buffer) => {
      const at = relay.flipAt === undefined ? -1 : relay.flipAt - down;
      if (at >= 0 && at < chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[at]! ^= 1;
      }
      down += chunk.length;
      if (relay.cutAfter !== undefined && down > relay.cutAfter) {
        // Forward exactly up to the limit, then drop both sides.
        client.write(chunk.subarray(0, chunk.length - (down - relay.cutAfter)), cut);
        upstream.pause();
        return;
      }
      if (relay.holdAfter !== undefined && down > relay.holdAfter) {
        holding = true; // never resumed: the test kills something, then drops the connection
        upstream.pause();
        onHeld();
        return;
      }
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => {
      if (!holding) upstream.resume();
    });
    client.on('data', (chunk: Buffer) => {
      up += chunk.length;
      if (relay.cutUploadAfter !== undefined && up > relay.cutUploadAfter) return cut();
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
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
