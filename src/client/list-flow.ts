// Reading a listing no faster than its consumer. A recursive download takes
// entries as its queue drains, far slower than the server walks: read
// freely, a listing of 100,000 files would be held here whole. With a flow
// (ListStream.flow) the listing has a connection of its own whose reading
// the consumer turns off while it holds enough; the server's walk then
// waits for its socket to drain (send-budget.ts), so what is held is
// bounded by the consumer, not by the folder, and the rest waits in the
// server's folder reads and the kernel's socket buffers.
//
// A server disconnects a client that reads nothing for a minute while it
// has something to send (sendStallMs), and a consumer can be busy that long
// (a queue of large files). So a flow paused for KEEP_ALIVE_MS reads once
// more, a batch or so, and pauses again: held entries then grow by a batch
// every KEEP_ALIVE_MS, never by the folder at once.

/** What a flow turns off and on: a listing connection's reading. */
export interface Readable {
  pause(): void;
  resume(): void;
}

/** Paused this long, a flow reads a little so the server does not take the connection for dead. */
export const KEEP_ALIVE_MS = 20_000;

export class ListFlow {
  private conn: Readable | undefined;
  private paused = false;
  /** Reading resumed for one batch by the keep-alive. */
  private dripping = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly keepAliveMs = KEEP_ALIVE_MS) {}

  /** Stop reading: nothing more arrives (beyond what one read already brought) until resume(). */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.conn?.pause();
    this.arm();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.dripping = false;
    this.disarm();
    this.conn?.resume();
  }

  get isPaused(): boolean {
    return this.paused && !this.dripping;
  }

  /** The listing's side: `conn` is the connection read for this listing. */
  attach(conn: Readable): void {
    this.conn = conn;
    if (this.paused) {
      conn.pause();
      this.arm();
    }
  }

  /** The listing's side: a batch arrived (a keep-alive read is then over). */
  arrived(): void {
    if (!this.dripping) return;
    this.dripping = false;
    this.conn?.pause();
    this.arm();
  }

  /** The listing's side: it ended; the connection reads on (it goes back to a pool or is closed). */
  detach(): void {
    this.disarm();
    if (this.paused) this.conn?.resume();
    this.conn = undefined;
  }

  private arm(): void {
    if (!this.conn || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.paused || !this.conn) return;
      this.dripping = true;
      this.conn.resume();
    }, this.keepAliveMs);
    // A paused listing alone does not keep the process alive: its consumer does.
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
