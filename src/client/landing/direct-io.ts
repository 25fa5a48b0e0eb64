// Writing downloaded bytes with O_DIRECT: from the frame's memory straight to
// the disk, past the page cache. A durable download has to wait for the disk
// anyway (fsync before the rename); going through the page cache first added
// a copy of every byte into freshly allocated cache pages, which on this
// machine cost more than the disk itself (measured: 58 % of the client's CPU
// samples in that copy; `dd` of 512 MiB took 2.2 s buffered without any sync
// and 1.25 s with O_DIRECT and fdatasync, 0.67 vs 0.18 CPU-s).
//
// Reading back what an earlier attempt left (to check it before keeping it)
// goes the same way: those bytes are not in the page cache, and buffered reads
// of them ran at ~200 MB/s here against ~800 MB/s with O_DIRECT.
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

const aligned = new WeakSet<ArrayBufferLike>();

/** The one piece of the WebAssembly API used here (this project's TypeScript libs do not declare it). */
const Wasm = (globalThis as { WebAssembly?: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } } }).WebAssembly;
const WASM_PAGE = 64 * 1024;

/**
 * Page-aligned memory of at least `bytes` (a WebAssembly.Memory, registered
 * as aligned), or undefined where there is none to be had. Node has no
 * aligned allocation of its own.
 */
export function alignedMemory(bytes: number): ArrayBuffer | undefined {
  try {
    const memory = new Wasm!.Memory({ initial: Math.ceil(bytes / WASM_PAGE) }).buffer;
    registerAligned(memory);
    return memory;
  } catch {
    return undefined;
  }
}

/** `memory` starts on a page boundary (a WebAssembly.Memory's buffer does). */
export function registerAligned(memory: ArrayBufferLike): void {
  aligned.add(memory);
}

/** `bytes` rounded up to whole pages. */
export function wholePages(bytes: number): number {
  return Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES;
}

/** True when `data` may be written (or read into) with O_DIRECT at `position`. */
export function directable(position: number, data: Uint8Array): boolean {
  return position % PAGE_BYTES === 0 && data.length % PAGE_BYTES === 0 && data.byteOffset % PAGE_BYTES === 0 && aligned.has(data.buffer);
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
    return await open(`/proc/self/fd/${handle.fd}`, constants.O_RDWR | direct);
  } catch {
    return undefined;
  }
}
