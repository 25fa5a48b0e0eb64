// Room for bytes read ahead of a stream, handed out strictly in order. The
// sender waits for item k before item k+1, so room must go to k first: were
// later items to take it all, k could never be read and nothing would move.
// With the order kept, either something is held (and the sender is about to
// send and give it back) or nothing is, and the next in line always fits.

export interface Slot {
  /** Wait for `bytes` of room (after every earlier slot took or passed). */
  take(bytes: number): Promise<void>;
  /** Give up this place in line without taking room. */
  pass(): void;
}

export class OrderedBytes {
  private held = 0;
  private last: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(private readonly limit: number) {}

  /** The next place in line; slots must be made in the order the items will be sent. */
  slot(): Slot {
    const before = this.last;
    let done!: () => void;
    this.last = new Promise<void>((resolve) => (done = resolve));
    let settled = false;
    const settle = () => {
      if (!settled) done();
      settled = true;
    };
    return {
      take: async (bytes) => {
        await before;
        // Only the head of the line waits here; a lone item larger than the limit still goes.
        while (!this.closed && this.held > 0 && this.held + bytes > this.limit) await new Promise<void>((resolve) => (this.wake = resolve));
        this.held += bytes;
        settle();
      },
      pass: () => void before.then(settle),
    };
  }

  give(bytes: number): void {
    this.held -= bytes;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** No more limit: whoever waits goes on (the stream stopped; they only finish and close). */
  close(): void {
    this.closed = true;
    this.give(0);
  }
}
