// Recycled memory for download frames. Each DATA frame needs ~1 MiB; with a
// fresh allocation per frame a fast download leaves hundreds of megabytes of
// garbage for the collector (measured: peak RSS 180-360 MB on 512 MiB - 2 GiB
// files). Buffers come back once the landing place has written them, and are reused.
//
// Frame bodies of DATA size come from page-aligned slots, placed so that the
// payload (which starts DATA_PAYLOAD_OFFSET bytes into the body: DATA frames
// carry an empty header) begins on a page boundary. The landing place can
// then write them with O_DIRECT (landing/direct-io.ts), straight from this
// memory to the disk: copying into the page cache was the largest single cost
// of a download here (see docs/bench.md, "Where ferry's time goes"). Node has
// no aligned allocation; a WebAssembly.Memory is page-aligned by construction.

import { alignedMemory, PAGE_BYTES } from './landing/direct-io.js';

/** Where a DATA frame's payload starts in its body: kind (1), id (4), header length (2), empty header. */
export const DATA_PAYLOAD_OFFSET = 7;
/** Largest payload a slot holds (the server's DATA frames are 1 MiB). */
const SLOT_PAYLOAD_BYTES = 1024 * 1024;
const SLOT_BYTES = SLOT_PAYLOAD_BYTES + PAGE_BYTES;
/** Slots per WebAssembly.Memory, and at most this many memories (64 MiB in all); past that, plain buffers. */
const SLOTS_PER_BLOCK = 16;
const MAX_BLOCKS = 4;

/** What give() takes back: a slot's number, or the ArrayBuffer of a plain buffer. */
export type PoolKey = number | ArrayBuffer;

/**
 * One transfer's share of the pool. Every slot it takes is recorded as its
 * own until given back, so a transfer that fails half way (frames dropped,
 * a partial frame in a connection that is then closed, writes that never
 * happened) still returns all of them with reclaim(): before this, each such
 * failure lost its slots for good, and after 64 the pool handed out only
 * plain memory, written through the page cache. A slot given back twice,
 * or by a transfer that no longer owns it, is ignored: it may be another
 * transfer's frame by then.
 */
export interface FrameMemory {
  /** A buffer of exactly `bytes` whose memory nothing else uses (the frame decoder's `allocate`). */
  take(bytes: number): Buffer;
  /** The key under which `buffer` (all of a frame's body, or any piece of it) goes back. */
  keyOf(buffer: Uint8Array): PoolKey;
  /** Hand memory back for reuse; the caller must hold no view of it any more. */
  give(key: PoolKey): void;
  /** Give back the slot `buffer` lies in, if it lies in one of this transfer's. */
  release(buffer: Uint8Array): void;
  /** Give back every slot still out: the transfer is over and holds no view of any of them. */
  reclaim(): void;
  /** Slots out now. */
  readonly slotsOut: number;
  /**
   * Bytes of slots this transfer may count on: all of them alone, an equal
   * part with others at once (a transfer keeps its unwritten bytes under
   * this, so several large downloads do not run out of slots and fall back
   * to plain memory, written through the page cache).
   */
  readonly shareBytes: number;
  /** The transfer is over: it no longer takes part in the sharing (its slots are reclaim()'s). */
  retire(): void;
}

export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  private readonly blocks: ArrayBuffer[] = [];
  private readonly freeSlots: number[] = [];
  /** Who holds each slot that is out (see FrameMemory). */
  private readonly owners = new Map<number, object>();
  /** Transfers taking part in the sharing now. */
  private active = 0;
  private aligned = true;

  constructor(private readonly keep = 32) {}

  /** A share of the pool for one transfer (see FrameMemory). */
  lender(): FrameMemory {
    const owner = {};
    const mine = new Set<number>();
    let retired = false;
    this.active++;
    const share = () => Math.floor((MAX_BLOCKS * SLOTS_PER_BLOCK) / Math.max(1, this.active)) * SLOT_PAYLOAD_BYTES;
    const give = (key: PoolKey) => {
      if (typeof key !== 'number') return this.give(key);
      if (this.owners.get(key) !== owner) return;
      mine.delete(key);
      this.give(key);
    };
    return {
      take: (bytes) => {
        const buffer = this.take(bytes);
        const key = this.keyOf(buffer);
        if (typeof key === 'number') {
          this.owners.set(key, owner);
          mine.add(key);
        }
        return buffer;
      },
      keyOf: (buffer) => this.keyOf(buffer),
      give,
      release: (buffer) => {
        const key = this.keyOf(buffer);
        if (typeof key === 'number') give(key);
      },
      reclaim: () => {
        for (const key of [...mine]) give(key);
      },
      get slotsOut() {
        return mine.size;
      },
      get shareBytes() {
        return share();
      },
      retire: () => {
        if (!retired) this.active--;
        retired = true;
      },
    };
  }

  /** Slots free to take now (for tests: a pool that lost none has them all back). */
  get freeSlotCount(): number {
    return this.freeSlots.length + (MAX_BLOCKS - this.blocks.length) * SLOTS_PER_BLOCK;
  }

  /** A buffer of exactly `bytes` whose memory nothing else uses. */
  take = (bytes: number): Buffer => {
    const slot = bytes > DATA_PAYLOAD_OFFSET && bytes - DATA_PAYLOAD_OFFSET <= SLOT_PAYLOAD_BYTES ? this.slot() : undefined;
    if (slot !== undefined) {
      const block = this.blocks[Math.floor(slot / SLOTS_PER_BLOCK)]!;
      return Buffer.from(block, (slot % SLOTS_PER_BLOCK) * SLOT_BYTES + PAGE_BYTES - DATA_PAYLOAD_OFFSET, bytes);
    }
    for (let i = this.free.length - 1; i >= 0; i--) {
      const ab = this.free[i]!;
      if (ab.byteLength >= bytes && ab.byteLength - bytes < 64 * 1024) {
        this.free.splice(i, 1);
        return Buffer.from(ab, 0, bytes);
      }
    }
    return Buffer.from(new ArrayBuffer(bytes));
  };

  /** The key under which `buffer` (all of a frame's body, or any piece of it) goes back to the pool. */
  keyOf(buffer: Uint8Array): PoolKey {
    const block = this.blocks.indexOf(buffer.buffer as ArrayBuffer);
    if (block < 0) return buffer.buffer as ArrayBuffer;
    return block * SLOTS_PER_BLOCK + Math.floor(buffer.byteOffset / SLOT_BYTES);
  }

  /**
   * Give back the slot `buffer` lies in, if it lies in one (a frame other than
   * DATA that was large enough for one: the chunk list of a large file). The
   * caller must hold no view of it any more.
   */
  release(buffer: Uint8Array): void {
    const key = this.keyOf(buffer);
    if (typeof key === 'number') this.give(key);
  }

  /** Hand memory back for reuse; the caller must hold no view of it any more. A slot that is not out is left alone. */
  give(key: PoolKey): void {
    if (typeof key === 'number') {
      if (this.freeSlots.includes(key)) return;
      this.owners.delete(key);
      this.freeSlots.push(key);
    } else if (this.free.length < this.keep && key.byteLength > 0) this.free.push(key);
  }

  private slot(): number | undefined {
    if (this.freeSlots.length === 0 && this.aligned && this.blocks.length < MAX_BLOCKS) this.addBlock();
    return this.freeSlots.pop();
  }

  private addBlock(): void {
    const memory = alignedMemory(SLOTS_PER_BLOCK * SLOT_BYTES);
    if (!memory) {
      this.aligned = false; // no WebAssembly memory to spare: plain buffers, written through the page cache
      return;
    }
    const block = this.blocks.length;
    this.blocks.push(memory);
    // Lowest slots last, so they are taken first and the same few pages are reused.
    for (let i = SLOTS_PER_BLOCK - 1; i >= 0; i--) this.freeSlots.push(block * SLOTS_PER_BLOCK + i);
  }
}
