// Fetch one remote file into its landing place (landing/landing.ts) over a
// TCP connection of its own. The first request asks for what the landing
// record says is missing and brings the server's chunk list; every chunk is
// checked as it lands, and what is still missing afterwards (a chunk that
// failed its check, or chunks the record claimed but the .part no longer
// holds) is asked for again, as byte ranges, on the same connection.

import { ErrorCode, FerryError } from '../protocol/errors.js';
import { MAX_RANGES, type DownloadStart, type TransferEnd } from '../protocol/messages.js';
import type { FrameMemory, PoolKey } from './buffer-pool.js';
import type { Lease, ServerLink } from './server-link.js';
import { type ChunkList, Landing, type LandingTarget, MAX_CHUNK_FAILURES } from './landing/landing.js';
import { DIRECT_RUN_BYTES } from './landing/writer.js';
import { ProgressMeter } from './progress.js';
import type { RpcConnection } from './rpc.js';
import type { RemoteStat, TransferProgress } from './types.js';

export type FetchTarget = LandingTarget;

export interface FetchResult {
  /** The server's MD5 of the file whose chunks were all verified. */
  md5: string;
  blake3: string;
  bytes: number; // bytes that crossed the network this time
  resumedFrom: number;
  restarted: boolean;
  /** Chunks that failed their check and were fetched again. */
  refetchedChunks: number;
}

export interface FetchOptions {
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
}

/**
 * Unwritten bytes above which the socket is paused: room for the landing's
 * large O_DIRECT writes (two in flight and the next one gathering,
 * landing/writer.ts), within this transfer's share of the 64 frame slots when
 * others run at once, but never under BACKLOG_FLOOR. It resumes below
 * RESUME_PART of that, and never below DIRECT_RUN_BYTES: a backlog that large
 * is always being written, so the landing always calls back (onDrain) to say
 * it shrank.
 */
const BACKLOG_HIGH = 40 * 1024 * 1024;
const BACKLOG_FLOOR = 12 * 1024 * 1024;
const RESUME_PART = 0.6;

export async function fetchTcp(client: ServerLink, remote: RemoteStat, target: FetchTarget, options: FetchOptions): Promise<FetchResult> {
  requireChunkHashes(client);
  const landing = await Landing.open(target, { server: client.info.address, path: remote.path, size: remote.size, identity: remote.identity });
  const meter = new ProgressMeter(remote.path, 'tcp', remote.size, options.onProgress);
  let lease: Lease | undefined;
  let clean = false;
  try {
    lease = await client.leaseConnection();
    const { rpc } = lease;
    const hold = recycleInto(landing, lease.frames);
    const release = (payload: Buffer) => lease!.frames.release(payload);
    const first = await fetchRanges(rpc, remote, landing, landing.guess(), { ...options, meter, first: true, hold, release, frames: lease.frames });
    const rest = await fetchMissing(rpc, remote, landing, { ...options, meter, hold, frames: lease.frames });
    const md5 = await finishBeside(landing, rest.md5 ?? first.md5);
    meter.update(remote.size, true);
    clean = true;
    return landed(landing, md5, first.bytes + rest.bytes);
  } catch (err) {
    if (err instanceof FerryError && err.code === ErrorCode.ChecksumMismatch) await landing.discard();
    else await landing.abandon();
    throw err;
  } finally {
    // The landing is finished or abandoned (no write holds a frame any more) and
    // the connection closed or idle: every slot this transfer took goes back,
    // including those of frames dropped on the way out.
    lease?.release(clean);
    lease?.frames.reclaim();
  }
}

/**
 * Ask again for whatever the landing is still missing, until nothing is (a
 * chunk failing MAX_CHUNK_FAILURES times ends it with CHECKSUM_MISMATCH).
 * Also finishes a UDP download whose chunks failed their check.
 */
export async function fetchMissing(
  rpc: RpcConnection,
  remote: RemoteStat,
  landing: Landing,
  options: FetchOptions & { meter: ProgressMeter; hold?: (owned: Buffer) => void; frames?: FrameMemory },
): Promise<{ bytes: number; md5?: Promise<string> }> {
  let bytes = 0;
  let md5: Promise<string> | undefined;
  for (let round = 0; ; round++) {
    await landing.settle();
    const missing = landing.missing(MAX_RANGES);
    if (missing.length === 0) return { bytes, ...(md5 ? { md5 } : {}) };
    if (round > MAX_CHUNK_FAILURES * 2) throw new FerryError(ErrorCode.ChecksumMismatch, `${remote.path}: chunks keep failing their check`);
    const got = await fetchRanges(rpc, remote, landing, missing, { ...options, first: false });
    bytes += got.bytes;
    md5 = got.md5;
  }
}

/** What a finished landing reports: the server's MD5, and what this attempt moved and kept. */
export function landed(landing: Landing, md5: string, bytes: number): FetchResult {
  return { md5, blake3: landing.blake3, bytes, resumedFrom: landing.keptBytes, restarted: landing.restarted, refetchedChunks: landing.failedChunks };
}

/**
 * Make the landing durable while the server's REPLY (with the MD5, which a
 * file never hashed before finishes only as its bytes flow) is on its way:
 * the fsync and the MD5's tail overlap instead of following each other.
 */
export async function finishBeside(landing: Landing, md5: Promise<string>): Promise<string> {
  const [landed, reply] = await Promise.allSettled([landing.finish(), md5]);
  if (landed.status === 'rejected') throw landed.reason;
  if (reply.status === 'rejected') throw reply.reason;
  return reply.value;
}

/**
 * One download request for `ranges`; its bytes go to the landing. Resolves
 * once every byte asked for has arrived, with the REPLY's MD5 still to come.
 */
async function fetchRanges(
  rpc: RpcConnection,
  remote: RemoteStat,
  landing: Landing,
  ranges: [number, number][],
  options: FetchOptions & {
    meter: ProgressMeter;
    first: boolean;
    hold?: (owned: Buffer) => void;
    release?: (payload: Buffer) => void;
    frames?: FrameMemory;
  },
): Promise<{ bytes: number; md5: Promise<string> }> {
  let range = 0;
  let position = ranges[0]?.[0] ?? 0;
  let received = 0;
  let paused = false;
  let holding = false;
  let failure: Error | undefined;
  const stop = (err: Error) => {
    failure ??= err;
    rpc.destroy();
  };
  const take = (chunk: Buffer) => {
    while (chunk.length > 0) {
      const current = ranges[range];
      if (!current) return stop(new FerryError(ErrorCode.TooLarge, `${remote.path}: the server sent more than was asked for`));
      const n = Math.min(chunk.length, current[1] - position);
      landing.add(position, chunk.subarray(0, n));
      position += n;
      received += n;
      chunk = chunk.subarray(n);
      if (position === current[1]) position = ranges[++range]?.[0] ?? position;
    }
    allInYet();
    options.meter.update(landing.heldBytes);
    if (!paused && landing.backlogBytes > backlogLimit(options.frames)) {
      paused = true;
      rpc.conn.pause();
    }
  };
  landing.onDrain = () => {
    if (paused && landing.backlogBytes < Math.max(DIRECT_RUN_BYTES, RESUME_PART * backlogLimit(options.frames))) {
      paused = false;
      if (!holding) rpc.conn.resume();
    }
  };
  let arrived!: () => void;
  const allIn = new Promise<void>((resolve) => (arrived = resolve));
  // All in: the chunk list (first request) and every byte asked for.
  let begun = !options.first;
  const allInYet = () => begun && range === ranges.length && arrived();
  allInYet();
  const reply = rpc
    .request(
      { op: 'download', path: remote.path, identity: remote.identity, ranges, check: 'blake3', list: options.first },
      {
        signal: options.signal,
        onItem: (h, payload) => {
          if (!options.first || failure) return;
          const start = h as unknown as DownloadStart;
          if (start.size !== remote.size || typeof start.blake3 !== 'string' || typeof start.chunkBytes !== 'number') {
            return stop(new FerryError(ErrorCode.BadFrame, `${remote.path}: the server did not announce the file's chunk hashes`));
          }
          const list: ChunkList = { blake3: start.blake3, chunkBytes: start.chunkBytes, chunks: Buffer.from(payload) };
          options.release?.(payload); // copied: its memory (a frame slot, for a large file's list) goes back
          try {
            landing.begin(list);
            begun = true;
            allInYet();
          } catch (err) {
            return stop(err as Error);
          }
          // The stream waits for the record of a new attempt (see Landing.ready).
          holding = true;
          rpc.conn.pause();
          void landing.ready.then(() => {
            holding = false;
            if (!paused) rpc.conn.resume();
          });
        },
        onData: (chunk, owned) => {
          if (failure) return;
          if (owned) options.hold?.(chunk);
          take(chunk);
        },
      },
    )
    .then(
      (header) => {
        if (failure) throw failure;
        if (range < ranges.length) throw new FerryError(ErrorCode.ConnectionLost, `${remote.path}: stream ended early, at byte ${position}`);
        return md5Of(header as unknown as TransferEnd, remote.path);
      },
      (err: unknown) => {
        throw failure ?? err;
      },
    );
  reply.catch(() => {}); // awaited by whoever needs the MD5; a failure before that surfaces below
  await Promise.race([allIn, reply]);
  if (failure) throw failure;
  return { bytes: received, md5: reply };
}

/** Unwritten bytes past which the socket pauses (see BACKLOG_HIGH). */
function backlogLimit(frames: FrameMemory | undefined): number {
  return Math.max(BACKLOG_FLOOR, Math.min(BACKLOG_HIGH, frames?.shareBytes ?? BACKLOG_HIGH));
}

/** The MD5 a REPLY carries, checked. */
export function md5Of(end: TransferEnd, path: string): string {
  if (typeof end.md5 !== 'string' || !/^[0-9a-f]{32}$/.test(end.md5)) throw new FerryError(ErrorCode.BadFrame, `${path}: the server sent no MD5`);
  return end.md5;
}

/**
 * Give each frame's memory back to the pool once every piece of it is
 * written: a fresh ~1 MiB allocation per frame left hundreds of megabytes of
 * garbage for the collector (peak RSS 180-360 MB on 512 MiB - 2 GiB files).
 */
function recycleInto(landing: Landing, pool: FrameMemory): (owned: Buffer) => void {
  const held = new Map<PoolKey, number>();
  landing.onRelease = (data) => {
    const key = pool.keyOf(data);
    const had = held.get(key);
    if (had === undefined) return; // not a frame of ours (small frames share pooled memory)
    if (had > data.length) return void held.set(key, had - data.length);
    held.delete(key);
    pool.give(key);
  };
  return (owned) => void held.set(pool.keyOf(owned), owned.length);
}

/** Servers before chunk hashes cannot be checked this way: say so rather than download unchecked. */
export function requireChunkHashes(client: ServerLink): void {
  if (!client.info.features.includes('blake3')) {
    throw new FerryError(
      ErrorCode.UnsupportedVersion,
      `${client.info.address} runs an older ferry without BLAKE3 chunk hashes; update the server to download from it`,
    );
  }
}
