// Writing downloaded bytes with O_DIRECT: from the frame's memory straight to
// the disk, past the page cache. A durable download has to wait for the disk
// anyway (fsync before the rename); going through the page cache first added
// a copy of every byte into freshly allocated cache pages, which on this
// machine cost more than the disk itself (measured: 58 % of the client's CPU
// samples in that copy; `dd` of 512 MiB took 2.2 s buffered without any sync
// and 1.25 s with O_DIRECT and fdatasync, 0.67 vs 0.18 CPU-s).
//
// O_DIRECT wants the memory, the file position and the length aligned. Only
// whole pages at page-aligned positions, in memory registered here as page
// aligned (buffer-pool.ts), go this way; everything else (a file's tail, UDP
// datagrams) goes through the ordinary handle. Where O_DIRECT is missing or
// refused (another OS, a file system without it) there is simply no direct
// handle.

import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

export const PAGE_BYTES = 4096;

const alignedMemory = new WeakSet<ArrayBufferLike>();

/** `memory` starts on a page boundary (a WebAssembly.Memory's buffer does). */
export function registerAligned(memory: ArrayBufferLike): void {
  alignedMemory.add(memory);
}

/** True when `data` may be written with O_DIRECT at `position`. */
export function directable(position: number, data: Uint8Array): boolean {
  return position % PAGE_BYTES === 0 && data.length % PAGE_BYTES === 0 && data.byteOffset % PAGE_BYTES === 0 && alignedMemory.has(data.buffer);
}

/**
 * A second handle on the same open file with O_DIRECT, or undefined where
 * that is not available. Reopened through /proc/self/fd, so it is the very
 * file `handle` has (never whatever has the name now).
 */
export async function openDirect(handle: FileHandle): Promise<FileHandle | undefined> {
  const direct = constants.O_DIRECT;
  if (process.platform !== 'linux' || direct === undefined || process.env.FERRY_NO_DIRECT_IO) return undefined;
  try {
    return await open(`/proc/self/fd/${handle.fd}`, constants.O_WRONLY | direct);
  } catch {
    return undefined;
  }
}
