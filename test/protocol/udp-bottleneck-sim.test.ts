// The pure sender and receiver through a simulated path with a bottleneck:
// datagrams queue in front of a link of fixed rate (drop-tail, so an
// oversized window loses datagrams there: congestion), after a relay that
// drops and reorders at random as the bench's relay does (loss that is not
// congestion). A virtual clock, no sockets: a 64 MiB transfer runs in well
// under a second. These are the dynamics behind the bench's udp-loss row.

import { describe, expect, it } from 'vitest';
import type { AckPacket, DataPacket } from '../../src/protocol/udp-packet.js';
import { DATA_HEADER_BYTES } from '../../src/protocol/udp-packet.js';
import { type ReceiverAction, UdpReceiver } from '../../src/protocol/udp-receiver.js';
import { UdpSender } from '../../src/protocol/udp-sender.js';
import { seededRandom } from '../helpers/udp-relay.js';

interface Path {
  /** Random drop probability, each way (before the bottleneck). */
  loss: number;
  /** Probability that a datagram is held back until 1–3 later ones passed (or 1–3 ms). */
  reorder: number;
  /** Bottleneck rate, bytes per millisecond. */
  rate: number;
  /** Bottleneck queue, bytes; a datagram that does not fit is dropped. */
  queue: number;
  /** One-way delay besides the queue, ms. */
  delayMs: number;
}

interface Result {
  ms: number;
  /** Datagrams the random relay dropped towards the receiver. */
  randomDrops: number;
  /** Datagrams the full queue dropped: what the sender's own excess cost. */
  queueDrops: number;
  sent: number;
  retransmitted: number;
}

const CHUNK = 61_440;

/** Min-heap of timed events, by time then insertion order. */
class Events<T> {
  private heap: { at: number; seq: number; value: T }[] = [];
  private seq = 0;
  get nextAt(): number {
    return this.heap[0]?.at ?? Infinity;
  }
  push(at: number, value: T): void {
    const h = this.heap;
    const e = { at, seq: this.seq++, value };
    let i = h.push(e) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (before(h[p]!, e)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }
  pop(): T {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        let m = l < h.length && before(h[l]!, last) ? l : -1;
        if (l + 1 < h.length && before(h[l + 1]!, m < 0 ? last : h[m]!)) m = l + 1;
        if (m < 0) break;
        h[i] = h[m]!;
        i = m;
      }
      h[i] = last;
    }
    return top.value;
  }
}
const before = (a: { at: number; seq: number }, b: { at: number; seq: number }) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

function transfer(size: number, path: Path, seed = 4): Result {
  const random = seededRandom(seed);
  const payload = Buffer.alloc(CHUNK);
  let now = 0;
  const sender = new UdpSender({ size, chunkSize: CHUNK, initialRttMs: 1 }, now);
  const receiver = new UdpReceiver({ sessionId: 1n, size, chunkSize: CHUNK, receiveBuffer: 3 * 1024 * 1024 }, now);
  const events = new Events<{ data: DataPacket; bytes: number } | { ack: AckPacket }>();
  let held: { data: DataPacket; bytes: number; after: number; until: number }[] = [];
  let queued = 0;
  let busyUntil = 0;
  let randomDrops = 0;
  let queueDrops = 0;

  const enqueue = (data: DataPacket, bytes: number): void => {
    if (queued + bytes > path.queue) return void queueDrops++;
    queued += bytes;
    busyUntil = Math.max(now, busyUntil) + bytes / path.rate;
    events.push(busyUntil + path.delayMs, { data, bytes });
  };
  const release = (due: (h: (typeof held)[number]) => boolean): void => {
    const keep: typeof held = [];
    for (const h of held) due(h) ? enqueue(h.data, h.bytes) : keep.push(h);
    held = keep;
  };
  const toReceiver = (data: DataPacket, bytes: number): void => {
    if (random() < path.loss) randomDrops++;
    else if (random() < path.reorder) held.push({ data, bytes, after: 1 + Math.floor(random() * 3), until: now + 1 + random() * 2 });
    else enqueue(data, bytes);
    release((h) => --h.after <= 0);
  };
  const toSender = (ack: Omit<AckPacket, 'type'>): void => {
    if (random() < path.loss) return;
    events.push(now + path.delayMs + (random() < path.reorder ? 1 + random() * 2 : 0), { ack: { type: 'ack', ...ack } });
  };

  let senderAt = 0;
  let receiverAt = 0;
  let done = false;
  let complete = false;
  const runSender = (): void => {
    senderAt = Infinity;
    for (const a of sender.poll(now)) {
      if (a.type === 'send') {
        const bytes = sender.chunkBytes(a.chunk);
        const data: DataPacket = { type: 'data', sessionId: 1n, packetNumber: a.packetNumber, chunk: a.chunk, payload: payload.subarray(0, bytes) };
        toReceiver(data, bytes + DATA_HEADER_BYTES);
      } else if (a.type === 'timer') senderAt = a.at;
      else if (a.type === 'done') done = true;
      else if (a.type === 'fail') throw new Error(`sender: ${a.reason}`);
    }
  };
  const onReceiver = (actions: ReceiverAction[]): void => {
    for (const a of actions) {
      if (a.type === 'ack') toSender(a.ack);
      else if (a.type === 'timer') receiverAt = a.at;
      else if (a.type === 'complete') complete = true;
      else if (a.type === 'fail') throw new Error(`receiver: ${a.reason}`);
    }
  };

  onReceiver(receiver.poll(now));
  runSender();
  while (!(done && complete)) {
    const heldUntil = held.reduce((m, h) => Math.min(m, h.until), Infinity);
    const next = Math.min(events.nextAt, senderAt, complete ? Infinity : receiverAt, heldUntil);
    if (next === Infinity) throw new Error('deadlock: nothing in flight and no timer set');
    now = Math.max(now, next);
    release((h) => h.until <= now);
    while (events.nextAt <= now) {
      const e = events.pop();
      if ('ack' in e) sender.onAck(e.ack, now);
      else {
        queued -= e.bytes;
        onReceiver(receiver.onData(e.data, now));
      }
    }
    receiverAt = Infinity;
    onReceiver(receiver.poll(now));
    runSender();
  }
  const s = sender.stats;
  return { ms: now, randomDrops, queueDrops, sent: s.datagramsSent, retransmitted: s.datagramsRetransmitted };
}

const MiB = 1024 * 1024;
/** 200 MB/s, 1 ms each way: a window of about 400 kB fills the pipe. */
const link = { rate: 200_000, delayMs: 1 };

describe('UDP sender through a bottleneck, simulated', () => {
  for (const [label, queue] of [
    ['half a MiB', 0.5 * MiB],
    ['2 MiB', 2 * MiB],
  ] as const) {
    // The bench asks for 0.7× on loopback; here, where nothing else competes for the CPU, a
    // window that shrank on every lossy round trip made 0.61× and 0.79×.
    it(`keeps at least 0.8× its goodput at 5 % random loss with reordering, behind a queue of ${label}`, () => {
      const clean = transfer(64 * MiB, { ...link, queue, loss: 0, reorder: 0 });
      const lossy = transfer(64 * MiB, { ...link, queue, loss: 0.05, reorder: 0.02 });
      if (process.env.SIM_PRINT) console.log(label, clean, lossy, clean.ms / lossy.ms);
      // Goodput is size / time, so the ratio of goodputs is the inverse ratio of times.
      expect(clean.ms / lossy.ms).toBeGreaterThanOrEqual(0.8);
      // Each drop costs one resend, give or take the few lost twice or taken for lost.
      expect(lossy.retransmitted).toBeLessThan(2 * (lossy.randomDrops + lossy.queueDrops));
      // Tolerating the path's loss lets the window push a little harder into the queue (6.6 % there, half a MiB).
      expect(lossy.queueDrops / lossy.sent).toBeLessThan(0.08);
    });
  }

  it('still backs off when only its own excess is lost: few datagrams die in the queue', () => {
    const r = transfer(64 * MiB, { ...link, queue: 0.5 * MiB, loss: 0, reorder: 0 });
    if (process.env.SIM_PRINT) console.log(r, r.queueDrops / r.sent);
    // The pipe stays full...
    expect((64 * MiB) / r.ms).toBeGreaterThan(0.9 * link.rate);
    // ...without pushing the queue into steady loss: a window that ignored loss would lose a
    // third here, and one that shrank on every loss lost 2.8 %, as this does.
    expect(r.queueDrops / r.sent).toBeLessThan(0.03);
  });
});
