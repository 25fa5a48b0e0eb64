// Fetch one remote file into a .part file over its own TCP connection,
// continuing an earlier attempt when the sidecar says the server's file is
// unchanged. MD5 is computed while bytes arrive (on a worker thread) and
// checked against the server's before the caller may use the .part.

import { createReadStream } from 'node:fs';
import { unlink, type FileHandle } from 'node:fs/promises';
import { openPart } from './part-file.js';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { DownloadStart } from '../protocol/messages.js';
import type { ServerLink } from './server-link.js';
import { BufferPool } from './buffer-pool.js';
import { FlushBehind } from './flush-behind.js';
import { Md5Worker } from './md5-worker.js';
import { ProgressMeter } from './progress.js';
import { describeRemote, readSidecar, removeSidecar, sameFile, sizeOf, writeSidecar } from './sidecar.js';
import type { RemoteStat, TransferProgress } from './types.js';

export interface FetchTarget {
  part: string;
  sidecar: string;
}

export interface FetchResult {
  md5: string;
  bytes: number; // bytes that crossed the network this time
  resumedFrom: number;
  restarted: boolean;
}

/** Buffered-but-unwritten bytes above which the socket is paused. */
const WRITE_HIGH_WATER = 4 * 1024 * 1024;

export async function fetchTcp(
  client: ServerLink,
  remote: RemoteStat & { md5: string },
  target: FetchTarget,
  options: { signal?: AbortSignal; onProgress?: (p: TransferProgress) => void },
): Promise<FetchResult> {
  const wanted = describeRemote(client.info.address, remote);
  const previous = await readSidecar(target.sidecar);
  let offset = 0;
  let restarted = false;
  if (previous && sameFile(previous, wanted)) {
    offset = Math.min(await sizeOf(target.part), remote.size);
  } else if (previous) {
    restarted = true; // the server's file changed since the interrupted attempt
  }
  await writeSidecar(target.sidecar, { version: 1, ...wanted });

  const opened = await openPart(target.part, offset > 0);
  const handle = opened.handle;
  if (!opened.resumed) offset = 0;
  const pool = new BufferPool();
  const md5 = new Md5Worker((memory) => pool.give(memory));
  const meter = new ProgressMeter(remote.path, 'tcp', remote.size, options.onProgress);
  const flush = new FlushBehind(handle, offset);
  try {
    if (offset > 0) await hashPrefix(target.part, offset, md5);
    else await handle.truncate(0);
    meter.update(offset, true);
    const received = await stream(client, remote, offset, { handle, flush }, md5, meter, options.signal, pool);
    await flush.sync();
    const digest = await md5.digest();
    if (digest !== remote.md5) {
      // Nothing of a bad transfer may be resumed from, or left lying around.
      await unlink(target.part).catch(() => {});
      await removeSidecar(target.sidecar);
      throw new FerryError(ErrorCode.ChecksumMismatch, `${remote.path}: received MD5 ${digest} but the server has ${remote.md5}`);
    }
    meter.update(remote.size, true);
    return { md5: digest, bytes: received, resumedFrom: offset, restarted };
  } finally {
    await flush.settle();
    await handle.close();
    await md5.close();
  }
}

async function stream(
  client: ServerLink,
  remote: RemoteStat & { md5: string },
  offset: number,
  { handle, flush }: { handle: FileHandle; flush: FlushBehind },
  md5: Md5Worker,
  meter: ProgressMeter,
  signal: AbortSignal | undefined,
  pool: BufferPool,
): Promise<number> {
  const rpc = await client.openConnection({ allocate: pool.take });
  let position = offset;
  let unwritten = 0;
  let paused = false;
  let writeError: Error | undefined;
  let writes: Promise<unknown> = Promise.resolve();
  try {
    await rpc.request(
      { op: 'download', path: remote.path, offset, identity: remote.identity },
      {
        signal,
        onItem: (h) => {
          const start = h as unknown as DownloadStart;
          if (start.md5 !== remote.md5 && !writeError) {
            writeError = new FerryError(ErrorCode.Changed, `${remote.path} changed on the server`);
            rpc.destroy();
          }
        },
        onData: (chunk, owned) => {
          if (writeError) return;
          if (position + chunk.length > remote.size) {
            // A server that sends more than it announced could fill the disk: stop here.
            writeError = new FerryError(ErrorCode.TooLarge, `${remote.path}: the server sent more than the ${remote.size} bytes it announced`);
            rpc.destroy();
            return;
          }
          const at = position;
          const length = chunk.length; // the chunk is detached once handed to the worker
          position += length;
          unwritten += length;
          if (unwritten > WRITE_HIGH_WATER && !paused) {
            paused = true;
            rpc.conn.pause();
          }
          // Writes are chained so the file grows strictly in order: a killed
          // client leaves a .part that is a clean prefix of the file. The chunk
          // goes to the MD5 worker after its write, so its memory can be moved
          // there instead of copied; the chain also waits while the worker is
          // behind, which pauses the socket through `unwritten`.
          writes = writes.then(async () => {
            if (writeError) return;
            try {
              await handle.write(chunk, 0, length, at);
              flush.wrote(at + length);
            } catch (err) {
              writeError = describeWriteError(err);
              rpc.destroy();
              return;
            }
            md5.update(chunk, owned);
            await md5.below(WRITE_HIGH_WATER);
            unwritten -= length;
            meter.update(at + length);
            if (paused && unwritten < WRITE_HIGH_WATER / 2) {
              paused = false;
              rpc.conn.resume();
            }
          });
        },
      },
    );
    await writes;
    if (writeError) throw writeError;
    if (position !== remote.size) {
      throw new FerryError(ErrorCode.ConnectionLost, `${remote.path}: stream ended after ${position} of ${remote.size} bytes`);
    }
    return position - offset;
  } catch (err) {
    await writes;
    throw writeError ?? err;
  } finally {
    rpc.destroy();
  }
}

async function hashPrefix(file: string, length: number, md5: Md5Worker): Promise<void> {
  for await (const chunk of createReadStream(file, { start: 0, end: length - 1, highWaterMark: 1024 * 1024 })) {
    md5.update(chunk as Buffer);
  }
}

export function describeWriteError(err: unknown): FerryError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return new FerryError(ErrorCode.NoSpace, 'no space left on the local disk');
  if (code === 'EDQUOT') return new FerryError(ErrorCode.NoSpace, 'disk quota exceeded on the local disk');
  if (err instanceof FerryError) return err;
  return new FerryError(ErrorCode.Internal, `cannot write the download: ${(err as Error).message}`);
}
