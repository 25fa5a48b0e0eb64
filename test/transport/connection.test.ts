// FrameConnection: backpressure waiters and the frame size limit it enforces.

import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Kind } from '../../src/protocol/messages.js';
import { FrameConnection } from '../../src/transport/connection.js';

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** Two ends of a loopback TCP connection. */
async function pair(): Promise<{ near: Socket; far: Socket }> {
  const accepted = new Promise<Socket>((resolve) => {
    server = createServer((s) => resolve(s));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const port = (server!.address() as { port: number }).port;
  const far = connect({ host: '127.0.0.1', port });
  const near = await accepted;
  sockets.push(near, far);
  return { near, far };
}

describe('FrameConnection', () => {
  it('lets many writers wait for the same drain without piling listeners on the socket', async () => {
    const { near, far } = await pair();
    far.pause(); // not reading yet
    const conn = new FrameConnection(near);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      while (conn.send(Kind.Data, 1, undefined, Buffer.alloc(256 * 1024))) {
        /* fill the socket's buffer */
      }
      const before = near.listenerCount('drain');
      const waiters = Array.from({ length: 20 }, () => conn.drained());
      expect(near.listenerCount('drain') - before).toBeLessThanOrEqual(1);
      far.resume();
      await Promise.all(waiters);
      // A warning is emitted on the next tick: give it the chance before looking.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
      expect(near.listenerCount('drain')).toBe(before);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
