// A TCP relay for fault tests: it can hold (stop forwarding) once a number of
// bytes has gone one way, so a test knows a transfer is mid-stream before it
// kills something, and it can cut every connection once a number of bytes has
// gone client → server (an upload cut mid-stream).

import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface FaultRelay {
  port: number;
  /** Stop forwarding server → client after this many bytes on one connection (undefined: never). */
  holdAfter: number | undefined;
  /** Cut a connection once this many bytes went client → server on it (undefined: never). */
  cutUploadAfter: number | undefined;
  /** Resolves when some connection is being held. */
  held(): Promise<void>;
  /** Resolves when some connection has been cut. */
  cut(): Promise<void>;
  /** Drop every open connection (both sides). */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startFaultRelay(target: { host: string; port: number }): Promise<FaultRelay> {
  const sockets = new Set<Socket>();
  let onHeld: () => void = () => {};
  let heldOnce = new Promise<void>((r) => (onHeld = r));
  let onCut: () => void = () => {};
  const cutOnce = new Promise<void>((r) => (onCut = r));
  const server = createServer((client) => {
    const upstream = connect(target);
    sockets.add(client).add(upstream);
    let down = 0;
    let up = 0;
    upstream.on('data', (chunk: Buffer) => {
      down += chunk.length;
      if (relay.holdAfter !== undefined && down > relay.holdAfter) {
        upstream.pause(); // never resumed: the test kills something, then drops the connection
        onHeld();
        return;
      }
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => {
      if (relay.holdAfter === undefined || down <= relay.holdAfter) upstream.resume();
    });
    client.on('data', (chunk: Buffer) => {
      up += chunk.length;
      if (relay.cutUploadAfter !== undefined && up > relay.cutUploadAfter) {
        client.destroy();
        upstream.destroy();
        onCut();
        return;
      }
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
    }
  });
  const relay: FaultRelay = {
    port: 0,
    holdAfter: undefined,
    cutUploadAfter: undefined,
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
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  relay.port = (server.address() as AddressInfo).port;
  return relay;
}
