// Fetch one remote file into its landing place over UDP. The session is
// opened over a TCP connection of its own (which also carries the chunk
// list, cancellation and the sender's statistics); DATA and ACK travel over
// UDP. The landing writes and checks every chunk; a resume starts the UDP
// session at the first chunk it is missing (bytes of chunks it already holds
// are dropped on arrival), and chunks that fail their check, or that a
// resume record claimed wrongly, are fetched afterwards as TCP byte ranges on
// the same connection.

import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { TransferEnd, UdpStart } from '../protocol/messages.js';
import { chooseChunkSize } from '../protocol/udp-packet.js';
import { receiveFile } from '../transport/udp-receiver.js';
import { type ChunkList, Landing } from './landing/landing.js';
import { ProgressMeter } from './progress.js';
import type { ServerLink } from './server-link.js';
import { type FetchResult, type FetchTarget, fetchMissing, finishBeside, landed, md5Of, requireChunkHashes } from './tcp-fetch.js';
import type { RemoteStat, TransferProgress, UdpStats } from './types.js';

export async function fetchUdp(
  client: ServerLink,
  remote: RemoteStat,
  target: FetchTarget,
  options: { signal?: AbortSignal; onProgress?: (p: TransferProgress) => void; chunkSize?: number },
): Promise<FetchResult & { udp: UdpStats }> {
  requireChunkHashes(client);
  const landing = await Landing.open(target, { server: client.info.address, path: remote.path, size: remote.size, identity: remote.identity });
  const meter = new ProgressMeter(remote.path, 'udp', remote.size, options.onProgress);
  const rpc = await client.openConnection().catch(async (err: unknown) => {
    await landing.abandon();
    throw err;
  });
  try {
    const host = rpc.conn.remoteAddress ?? client.options.host;
    // A resume starts where the first missing byte is; the chunk size must be
    // known to say where that is, so the client names it.
    const from = landing.guess()[0]?.[0] ?? remote.size;
    const chunkSize = options.chunkSize ?? (from > 0 ? chooseChunkSize(host) : undefined);
    const startChunk = from > 0 && chunkSize ? Math.floor(from / chunkSize) : 0;

    let started!: (s: { start: UdpStart; list: Buffer }) => void;
    const start = new Promise<{ start: UdpStart; list: Buffer }>((r) => (started = r));
    const reply = rpc.request(
      {
        op: 'udp',
        path: remote.path,
        identity: remote.identity,
        check: 'blake3',
        ...(startChunk > 0 ? { startChunk } : {}),
        ...(chunkSize !== undefined ? { chunkSize } : {}),
      },
      { signal: options.signal, onItem: (h, payload) => started({ start: h as unknown as UdpStart, list: Buffer.from(payload) }) },
    );
    const opened = await Promise.race([
      start,
      reply.then(() => Promise.reject(new FerryError(ErrorCode.Internal, 'the server ended the UDP request before starting'))),
    ]);
    const session = opened.start;
    if (session.size !== remote.size || typeof session.blake3 !== 'string' || typeof session.chunkBytes !== 'number') {
      throw new FerryError(ErrorCode.BadFrame, `${remote.path}: the server did not announce the file's chunk hashes`);
    }
    const macKey = rpc.conn.udpKey(session.sessionId);
    const list: ChunkList = { blake3: session.blake3, chunkBytes: session.chunkBytes, chunks: opened.list };
    // The datagrams start at once: the chunks an earlier attempt left are
    // read back and checked meanwhile (they are not the ones asked for, and
    // bytes that arrive for them are dropped); one that fails is fetched
    // over TCP afterwards, with anything else still missing.
    landing.begin(list);
    await landing.ready;
    meter.update(landing.heldBytes, true);
    // A failure of the TCP request (the server refused or went away) must
    // stop the UDP receiver too, so both race.
    const received = await Promise.race([
      receiveFile({
        host,
        port: session.port,
        sessionId: session.sessionId,
        size: remote.size,
        chunkSize: session.chunkSize,
        sink: landing,
        startChunk: session.startChunk,
        // Over TLS every datagram carries a MAC keyed from the TLS session.
        ...(macKey ? { macKey } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: () => meter.update(landing.heldBytes),
      }),
      reply.then(
        () => new Promise<never>(() => {}), // a normal REPLY: the receiver finishes on its own
        (err: unknown) => Promise.reject(err),
      ),
    ]);
    const end = reply.then((header) => md5Of(header as unknown as TransferEnd, remote.path));
    end.catch(() => {}); // awaited below, once the landing is done
    // What failed its check, or was claimed by a resume record and is not in the .part, comes over TCP.
    const rest = await fetchMissing(rpc, remote, landing, { ...options, meter });
    const md5 = await finishBeside(landing, rest.md5 ?? end);
    meter.update(remote.size, true);
    const { stats } = received;
    return {
      ...landed(landing, md5, received.bytes + rest.bytes),
      udp: {
        datagramsSent: stats.datagramsSent,
        datagramsRetransmitted: stats.datagramsRetransmitted,
        lossPercent: stats.lossPercent,
        datagramBytes: stats.datagramBytes, // on the wire: the chunk plus the DATA header (and MAC)
      },
    };
  } catch (err) {
    if (err instanceof FerryError && err.code === ErrorCode.ChecksumMismatch) await landing.discard();
    else await landing.abandon();
    throw err;
  } finally {
    rpc.destroy();
  }
}
