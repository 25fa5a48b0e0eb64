import { ErrorCode, FerryError } from '../../protocol/errors.js';
import type { FileIdentity, UdpRequest, UdpStart } from '../../protocol/messages.js';
import { chooseChunkSize, MAX_CHUNK_BYTES } from '../../protocol/udp-packet.js';
import type { Handler, RequestContext } from '../context.js';
import { sameIdentity } from './download.js';
import { startHashes } from './transfer-hashes.js';

/**
 * Open a UDP session for one file. The TCP request stays open for the whole
 * transfer: it carries the session's parameters, lets the client cancel, and
 * ends with the sender's statistics. The UDP socket sends nothing until the
 * client's first ACK arrives from the address of this TCP connection.
 */
export const udp: Handler<UdpRequest> = async (ctx) => {
  const { store, counters, limits, udpSessionsByAddress } = ctx.services;
  const sessions = ctx.services.udp;
  if (!sessions) throw new FerryError(ErrorCode.Forbidden, 'this server does not offer UDP downloads');
  const clientHost = ctx.client.slice(0, ctx.client.lastIndexOf(':'));
  const open = udpSessionsByAddress.get(clientHost) ?? 0;
  if (open >= limits.udpSessionsPerAddress) {
    throw new FerryError(ErrorCode.TooManyRequests, `more than ${limits.udpSessionsPerAddress} UDP downloads at once from ${clientHost}`);
  }
  udpSessionsByAddress.set(clientHost, open + 1);
  const { request } = ctx;
  const { handle, abs, rel, stat } = await store.openRead(request.path).catch((err: unknown) => {
    release(ctx, clientHost);
    throw err;
  });
  try {
    const identity: FileIdentity = { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, dev: stat.dev };
    if (request.identity && !sameIdentity(request.identity, identity)) {
      throw new FerryError(ErrorCode.Changed, `${rel} changed on the server since the download started`);
    }
    const chunkSize = Math.min(request.chunkSize ?? chooseChunkSize(clientHost), MAX_CHUNK_BYTES);
    const startChunk = request.startChunk ?? 0;
    if (startChunk * chunkSize > stat.size + chunkSize) throw new FerryError(ErrorCode.BadRequest, `start chunk ${startChunk} is past the end of ${rel}`);
    const blake3 = request.check === 'blake3';
    const hashes = await startHashes(ctx, abs, stat, blake3);
    const session = await sessions.open({
      clientHost,
      file: handle,
      size: stat.size,
      startChunk,
      chunkSize,
      signal: ctx.signal,
      ...(ctx.udpKeyFor ? { macKeyFor: ctx.udpKeyFor } : {}),
    });
    const start: UdpStart = {
      sessionId: session.sessionId,
      port: session.port,
      chunkSize,
      startChunk,
      size: stat.size,
      ...hashes.start,
      mtimeMs: stat.mtimeMs,
      identity,
    };
    await ctx.item(start, hashes.list);
    counters.downloads++;
    const stats = await session.done;
    counters.bytesSent += stats.bytesSent;
    ctx.countBytes(stats.bytesSent);
    ctx.note({ transport: 'udp', chunkSize, startChunk, retransmitted: stats.datagramsRetransmitted });
    return { datagramsSent: stats.datagramsSent, datagramsRetransmitted: stats.datagramsRetransmitted, bytesSent: stats.bytesSent, md5: await hashes.md5() };
  } finally {
    release(ctx, clientHost);
    await handle.close();
  }
};

function release(ctx: RequestContext, clientHost: string): void {
  const map = ctx.services.udpSessionsByAddress;
  const left = (map.get(clientHost) ?? 1) - 1;
  if (left > 0) map.set(clientHost, left);
  else map.delete(clientHost);
}
