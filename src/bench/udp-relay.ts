// A seeded, lossy UDP relay for the tests and the bench: the client talks to
// the relay, the relay talks to the server. Each direction can drop,
// duplicate, reorder, delay and corrupt datagrams; the same seed makes the
// same decisions, and the counts say what was done. This kernel has no netem,
// so this is it. It lives in src so the built bench can run it too.

import { type Socket, createSocket } from 'node:dgram';

export interface Impairments {
  drop?: number; // probability per datagram
  duplicate?: number;
  reorder?: number; // held back until 1–3 later datagrams have passed (or delayMs)
  delay?: number; // probability of a random delay up to delayMs
  delayMs?: number;
  corrupt?: number; // one random bit flipped, anywhere in the datagram
}

export interface RelayOptions extends Impairments {
  seed: number;
  target: { host: string; port: number };
  toServer?: Impairments;
  toClient?: Impairments;
}

export interface RelayCounts {
  received: number;
  forwarded: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  delayed: number;
  corrupted: number;
  /** Bytes sent on (every copy of a duplicated datagram counts). */
  forwardedBytes: number;
  /** Bytes of the datagrams dropped: what a sender had to make good. */
  droppedBytes: number;
}

/** mulberry32: small, fast, good enough to make loss patterns repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const zero = (): RelayCounts => ({
  received: 0,
  forwarded: 0,
  dropped: 0,
  duplicated: 0,
  reordered: 0,
  delayed: 0,
  corrupted: 0,
  forwardedBytes: 0,
  droppedBytes: 0,
});

class Direction {
  counts = zero();
  private held: { msg: Buffer; after: number; timer: NodeJS.Timeout }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly imp: Impairments,
    private readonly random: () => number,
    private readonly out: (msg: Buffer) => void,
  ) {}

  push(msg: Buffer): void {
    this.counts.received++;
    const r = this.random;
    if (r() < (this.imp.drop ?? 0)) {
      this.counts.dropped++;
      this.counts.droppedBytes += msg.length;
      return this.release();
    }
    let copies = 1;
    if (r() < (this.imp.duplicate ?? 0)) {
      copies = 2;
      this.counts.duplicated++;
    }
    for (let i = 0; i < copies; i++) {
      let m = msg;
      if (r() < (this.imp.corrupt ?? 0)) {
        m = Buffer.from(msg);
        const bit = Math.floor(r() * m.length * 8);
        m[bit >> 3]! ^= 1 << (bit & 7);
        this.counts.corrupted++;
      }
      if (r() < (this.imp.reorder ?? 0)) {
        this.counts.reordered++;
        const timer = this.later(() => this.flushHeld(m), 1 + r() * (this.imp.delayMs ?? 5));
        this.held.push({ msg: m, after: 1 + Math.floor(r() * 3), timer });
      } else if (r() < (this.imp.delay ?? 0)) {
        this.counts.delayed++;
        this.later(() => this.send(m), r() * (this.imp.delayMs ?? 5));
      } else {
        this.send(m);
      }
    }
    this.release();
  }

  /** Count a passing datagram against each held one; release those whose turn has come. */
  private release(): void {
    if (this.held.length === 0) return;
    const keep: typeof this.held = [];
    for (const h of this.held) {
      if (--h.after <= 0) {
        clearTimeout(h.timer);
        this.timers.delete(h.timer);
        this.send(h.msg);
      } else keep.push(h);
    }
    this.held = keep;
  }

  private flushHeld(msg: Buffer): void {
    const i = this.held.findIndex((h) => h.msg === msg);
    if (i < 0) return;
    this.held.splice(i, 1);
    this.send(msg);
  }

  private later(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private send(msg: Buffer): void {
    this.counts.forwarded++;
    this.counts.forwardedBytes += msg.length;
    this.out(msg);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.held = [];
  }
}

export class UdpRelay {
  private client: { address: string; port: number } | null = null;
  private readonly up: Direction;
  private readonly down: Direction;

  private constructor(
    private readonly front: Socket,
    private readonly back: Socket,
    options: RelayOptions,
  ) {
    const random = seededRandom(options.seed);
    const base: Impairments = options;
    this.up = new Direction({ ...base, ...options.toServer }, random, (m) => back.send(m));
    this.down = new Direction({ ...base, ...options.toClient }, random, (m) => {
      if (this.client) front.send(m, this.client.port, this.client.address);
    });
    front.on('message', (msg, rinfo) => {
      this.client = { address: rinfo.address, port: rinfo.port };
      this.up.push(msg);
    });
    back.on('message', (msg) => this.down.push(msg));
    front.on('error', () => {});
    back.on('error', () => {});
  }

  static async start(options: RelayOptions): Promise<UdpRelay> {
    const front = createSocket('udp4');
    const back = createSocket('udp4');
    await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => back.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => back.connect(options.target.port, options.target.host, resolve));
    for (const s of [front, back]) {
      s.setRecvBufferSize(4 * 1024 * 1024);
      s.setSendBufferSize(4 * 1024 * 1024);
    }
    return new UdpRelay(front, back, options);
  }

  /** The port clients send to. */
  get port(): number {
    return this.front.address().port;
  }

  /** Client → server and server → client counts. */
  get counts(): { toServer: RelayCounts; toClient: RelayCounts } {
    return { toServer: { ...this.up.counts }, toClient: { ...this.down.counts } };
  }

  /** Start counting afresh (the bench reads one download's counts at a time). */
  resetCounts(): void {
    this.up.counts = zero();
    this.down.counts = zero();
  }

  async close(): Promise<void> {
    this.up.stop();
    this.down.stop();
    await Promise.all([this.front, this.back].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
