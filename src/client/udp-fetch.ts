// Fetch one remote file into a .part file over UDP. The session is opened
// over a TCP connection of its own (which also carries cancellation and the
// sender's statistics); DATA and ACK travel over UDP. The receiver writes
// chunks in place and hashes them in order; the sidecar records the prefix
// of chunks written without a gap, so an interrupted download resumes there.

import { unlink } from 'node:fs/promises';
import { openPart } from './part-file.js';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { UdpStart } from '../protocol/messages.js';
import { TLSSocket } from 'node:tls';
import { udpKeyFrom } from '../transport/tls.js';
import { receiveFile, type ReceiveFileResult } from '../transport/udp-receiver.js';
import type { ServerLink } from './server-link.js';
import { FlushBehind } from './flush-behind.js';
import { ProgressMeter } from './progress.js';
import { describeRemote, readSidecar, removeSidecar, sameFile, sizeOf, writeSidecar, type Sidecar } from './sidecar.js';
import type { FetchResult, FetchTarget } from './tcp-fetch.js';
import type { RemoteStat, TransferProgress, UdpStats } from './types.js';

/** How often the resume point is saved while a UDP download runs. */
const SIDECAR_INTERVAL_MS = 1000;

export async function fetchUdp(
  client: ServerLink,
  remote: RemoteStat & { md5: string },
  target: FetchTarget,
  options: { signal?: AbortSignal; onProgress?: (p: TransferProgress) => void; chunkSize?: number },
): Promise<FetchResult & { udp: UdpStats }> {
  const wanted = describeRemote(client.info.address, remote);
  const previous = await readSidecar(target.sidecar);
  const resumable = previous && sameFile(previous, wanted) && previous.chunkSize && previous.ranges?.[0]?.[0] === 0;
  const restarted = previous !== undefined && !sameFile(previous, wanted);
  let held = resumable ? Math.min(previous.ranges![0]![1], Math.floor((await sizeOf(target.part)) / previous.chunkSize!)) : 0;
  const rpc = await client.openConnection();
  const opened = await openPart(target.part, held > 0);
  const handle = opened.handle;
  if (!opened.resumed) held = 0;
  const meter = new ProgressMeter(remote.path, 'udp', remote.size, options.onProgress);
  const flush = new FlushBehind(handle);
  let sidecar: Sidecar = { version: 1, ...wanted };
  let lastSaved = 0;
  let saving: Promise<void> = Promise.resolve();
  const save = (durableChunks: number) => {
    sidecar = { ...sidecar, ranges: [[0, durableChunks]] };
    const snapshot = sidecar;
    saving = saving.then(() => writeSidecar(target.sidecar, snapshot)).catch(() => {});
  };
  try {
    let started!: (s: UdpStart) => void;
    const start = new Promise<UdpStart>((r) => (started = r));
    const reply = rpc.request(
      {
        op: 'udp',
        path: remote.path,
        identity: remote.identity,
        // A resume must cut the file as the first attempt did; otherwise the caller may choose.
        ...(held > 0 ? { startChunk: held, chunkSize: previous!.chunkSize! } : options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
      },
      { signal: options.signal, onItem: (h) => started(h as unknown as UdpStart) },
    );
    const session = await Promise.race([
      start,
      reply.then(() => Promise.reject(new FerryError(ErrorCode.Internal, 'the server ended the UDP request before starting'))),
    ]);
    if (session.md5 !== remote.md5) throw new FerryError(ErrorCode.Changed, `${remote.path} changed on the server`);
    sidecar = { ...sidecar, chunkSize: session.chunkSize, ranges: [[0, session.startChunk]] };
    await writeSidecar(target.sidecar, sidecar);
    if (session.startChunk === 0) await handle.truncate(0);
    meter.update(Math.min(session.startChunk * session.chunkSize, remote.size), true);
    const host = rpc.conn.socket.remoteAddress ?? client.options.host;
    let received: ReceiveFileResult;
    let durable = session.startChunk;
    try {
      // A failure of the TCP request (the server refused or went away) must
      // stop the UDP receiver too, so both race.
      received = await Promise.race([
        receiveFile({
          host,
          port: session.port,
          sessionId: session.sessionId,
          size: remote.size,
          chunkSize: session.chunkSize,
          partFile: handle,
          startChunk: session.startChunk,
          // Over TLS every datagram carries a MAC keyed from the TLS session.
          ...(rpc.conn.socket instanceof TLSSocket ? { macKey: udpKeyFrom(rpc.conn.socket, session.sessionId) } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          onProgress: (p) => {
            meter.update(p.bytes);
            flush.wrote(p.durableBytes);
            durable = p.durableChunks;
            const now = performance.now();
            if (now - lastSaved > SIDECAR_INTERVAL_MS) {
              lastSaved = now;
              save(p.durableChunks);
            }
          },
        }),
        reply.then(
          () => new Promise<never>(() => {}), // a normal REPLY: the receiver finishes on its own
          (err: unknown) => Promise.reject(err),
        ),
      ]);
    } catch (err) {
      save(durable); // keep what is safely on disk for the next attempt
      await saving;
      throw err;
    }
    await reply.catch(() => {}); // the sender's statistics; the verdict is ours
    await saving;
    await flush.sync();
    if (received.md5 !== remote.md5) {
      await unlink(target.part).catch(() => {});
      await removeSidecar(target.sidecar);
      throw new FerryError(ErrorCode.ChecksumMismatch, `${remote.path}: received MD5 ${received.md5} but the server has ${remote.md5}`);
    }
    meter.update(remote.size, true);
    const { stats } = received;
    return {
      md5: received.md5,
      bytes: received.bytes,
      resumedFrom: Math.min(session.startChunk * session.chunkSize, remote.size),
      restarted,
      udp: {
        datagramsSent: stats.datagramsSent,
        datagramsRetransmitted: stats.datagramsRetransmitted,
        lossPercent: stats.lossPercent,
        datagramBytes: stats.datagramBytes, // on the wire: the chunk plus the DATA header (and MAC)
      },
    };
  } finally {
    await flush.settle();
    await handle.close();
    rpc.destroy();
  }
}
