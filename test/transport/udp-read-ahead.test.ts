// How much of the file a UDP send session holds in memory. A session reads
// the file only as its window opens: nothing before the client's first ACK
// (a session id handed out over TCP must not cost the server megabytes), and
// during a transfer no more than the receiver's window plus a small slack.

import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fileSink } from '../helpers/file-sink.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { UdpEndpoint, newSessionId } from '../../src/transport/udp-endpoint.js';
import { receiveFile } from '../../src/transport/udp-receiver.js';
import { UdpRelay } from '../helpers/udp-relay.js';

const MiB = 1024 * 1024;
/** What a session may hold beyond its window: a partly used 1 MiB read block at each end and one recycled block. */
const SLACK = 3 * MiB;
const FILE_BYTES = 12 * MiB;

let dir: string;
let source: string;
const cleanup: (() => Promise<unknown> | void)[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-udp-read-ahead-'));
  source = join(dir, 'source.bin');
  await writeFile(source, randomBytes(FILE_BYTES));
});
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function endpointAndFile(): Promise<{ endpoint: UdpEndpoint; file: Awaited<ReturnType<typeof open>> }> {
  const endpoint = await UdpEndpoint.bind({ host: '127.0.0.1' });
  const file = await open(source, 'r');
  cleanup.push(
    () => endpoint.close(),
    () => file.close(),
  );
  return { endpoint, file };
}

describe('UDP send session read-ahead', { timeout: 30_000 }, () => {
  it('reads nothing from the file for sessions whose client never sends an ACK', async () => {
    const { endpoint, file } = await endpointAndFile();
    // Many sessions from many (claimed) client addresses, as a crowd of clients that asked over TCP and went quiet.
    const sessions = Array.from({ length: 40 }, (_, i) =>
      endpoint.openSession({
        sessionId: newSessionId(),
        clientAddress: `127.0.${i >> 4}.${(i & 15) + 2}`,
        file,
        size: FILE_BYTES,
        chunkSize: 60 * 1024,
        idleTimeoutMs: 300,
      }),
    );
    // Each ends by its idle timeout; by then any read-ahead it was going to start has started.
    const outcomes = await Promise.allSettled(sessions.map((s) => s.done));
    for (const o of outcomes) expect(o.status === 'rejected' && (o.reason as { code?: string }).code).toBe(ErrorCode.Timeout);
    for (const s of sessions) {
      expect(s.buffers.fileBytesRead).toBe(0);
      expect(s.buffers.peakBufferedBytes).toBe(0);
    }
  });

  it.each([
    ['clean loopback', null],
    ['5 % loss with reordering', { seed: 7, drop: 0.05, reorder: 0.05 }],
  ] as const)('holds no more than the receiver window plus a small slack (%s)', async (_label, impair) => {
    const { endpoint, file } = await endpointAndFile();
    const relay = impair ? await UdpRelay.start({ ...impair, target: { host: '127.0.0.1', port: endpoint.port } }) : null;
    if (relay) cleanup.push(() => relay.close());
    const part = await open(join(dir, `${randomBytes(4).toString('hex')}.part`), 'w+');
    cleanup.push(() => part.close());
    // Small, so the bound means something; much smaller and the client's own write batching could not fill it.
    const windowBytes = 2 * MiB;
    const chunkSize = 60 * 1024;
    const sessionId = newSessionId();
    const session = endpoint.openSession({ sessionId, clientAddress: '127.0.0.1', file, size: FILE_BYTES, chunkSize });
    await receiveFile({
      host: '127.0.0.1',
      port: relay?.port ?? session.port,
      sessionId,
      size: FILE_BYTES,
      chunkSize,
      sink: fileSink(part),
      windowBytes,
      idleTimeoutMs: 10_000,
      lingerMs: 200,
    });
    await session.done;
    const b = session.buffers;
    // Every byte was read (at least once), and the most held at once stayed near the window.
    expect(b.fileBytesRead).toBeGreaterThanOrEqual(FILE_BYTES);
    expect(b.peakBufferedBytes).toBeGreaterThan(0);
    expect(b.peakBufferedBytes).toBeLessThanOrEqual(windowBytes + SLACK);
    // A finished session lets go of everything.
    expect(b.bufferedBytes).toBe(0);
  });
});
