// The pure sender and receiver wired together through a simulated network
// with a virtual clock: loss in both directions (so ACKs are lost too),
// duplication, reordering by jitter, and corruption caught by the codec.
// No sockets, no timers: the whole transfer runs in milliseconds.

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/udp-relay.js';
import { decodeUdp, encodeAck, encodeData } from '../../src/protocol/udp-packet.js';
import { UdpReceiver } from '../../src/protocol/udp-receiver.js';
import { UdpSender } from '../../src/protocol/udp-sender.js';

interface Net {
  loss: number; // each direction
  dup: number;
  corrupt: number;
  delayMs: number;
  jitterMs: number; // > 0 reorders
  ackLoss?: number; // overrides loss for receiver → sender
}

interface Outcome {
  ok: boolean;
  reason?: string;
  time: number;
  file: Buffer;
  hashed: Buffer;
  sender: UdpSender;
  receiver: UdpReceiver;
  dropped: number;
  packetNumbers: number[];
}

export function simulate(size: number, chunkSize: number, net: Net, seed: number, startChunk = 0): Outcome {
  const random = seededRandom(seed);
  const file = Buffer.alloc(size);
  for (let i = 0; i < size; i++) file[i] = (random() * 256) | 0;
  const id = 0xfeedfacecafebeefn;
  let now = 0;
  const sender = new UdpSender({ size, chunkSize, startChunk, initialRttMs: 20, idleTimeoutMs: 5000 }, now);
  const receiver = new UdpReceiver(
    { sessionId: id, size, chunkSize, startChunk, receiveBuffer: 64 * chunkSize, windowBytes: 256 * chunkSize, idleTimeoutMs: 5000 },
    now,
  );
  const written = Buffer.alloc(size);
  file.copy(written, 0, 0, Math.min(size, startChunk * chunkSize));
  const hashParts: Buffer[] = [file.subarray(0, Math.min(size, startChunk * chunkSize))];
  const queue: { at: number; to: 'sender' | 'receiver'; bytes: Buffer }[] = [];
  const packetNumbers: number[] = [];
  let dropped = 0;
  let senderTimer = 0;
  let receiverTimer = 0;
  let senderDone = false;
  let receiverDone = false;

  const transmit = (to: 'sender' | 'receiver', bytes: Buffer): void => {
    const loss = to === 'sender' ? (net.ackLoss ?? net.loss) : net.loss;
    if (random() < loss) return void dropped++;
    const copies = random() < net.dup ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      let b = bytes;
      if (random() < net.corrupt) {
        b = Buffer.from(bytes);
        b[Math.floor(random() * b.length)]! ^= 1 << Math.floor(random() * 8);
      }
      queue.push({ at: now + net.delayMs + random() * net.jitterMs, to, bytes: b });
    }
  };
  const runSender = (): void => {
    senderTimer = Infinity;
    for (const a of sender.poll(now)) {
      if (a.type === 'send') {
        packetNumbers.push(a.packetNumber);
        const off = a.chunk * chunkSize;
        transmit('receiver', encodeData(id, a.packetNumber, a.chunk, file.subarray(off, off + sender.chunkBytes(a.chunk))));
      } else if (a.type === 'timer') senderTimer = a.at;
      else if (a.type === 'done') senderDone = true;
      else if (a.type === 'fail') throw new Error(`sender: ${a.reason}`);
    }
  };
  const handleReceiver = (actions: ReturnType<UdpReceiver['poll']>, polled = false): void => {
    if (polled) receiverTimer = Infinity;
    for (const a of actions) {
      if (a.type === 'write') a.data.copy(written, a.position);
      else if (a.type === 'hash') hashParts.push(Buffer.from(a.data));
      else if (a.type === 'ack') transmit('sender', encodeAck(a.ack));
      else if (a.type === 'timer') receiverTimer = a.at;
      else if (a.type === 'complete') receiverDone = true;
      else if (a.type === 'fail') throw new Error(`receiver: ${a.reason}`);
    }
  };

  try {
    handleReceiver(receiver.poll(now), true);
    runSender();
    for (let steps = 0; !(senderDone && receiverDone); steps++) {
      if (steps > 2_000_000)
        throw new Error(
          `simulation did not converge: now=${now} senderTimer=${senderTimer} receiverTimer=${receiverTimer} queue=${queue.length} done=${senderDone},${receiverDone}`,
        );
      queue.sort((a, b) => a.at - b.at);
      const next = Math.min(queue[0]?.at ?? Infinity, senderTimer, receiverDone ? Infinity : receiverTimer);
      if (next === Infinity) throw new Error('deadlock: nothing in flight and no timer set');
      now = Math.max(now, next);
      while (queue.length > 0 && queue[0]!.at <= now) {
        const m = queue.shift()!;
        const d = decodeUdp(m.bytes);
        if (!d.ok) continue; // corrupted: the codec refuses it
        if (m.to === 'receiver' && d.packet.type === 'data') handleReceiver(receiver.onData(d.packet, now));
        else if (m.to === 'sender' && d.packet.type === 'ack') sender.onAck(d.packet, now);
      }
      handleReceiver(receiver.poll(now), true);
      runSender();
    }
  } catch (e) {
    return { ok: false, reason: (e as Error).message, time: now, file, hashed: Buffer.concat(hashParts), sender, receiver, dropped, packetNumbers };
  }
  return { ok: true, time: now, file, hashed: Buffer.concat(hashParts), sender, receiver, dropped, packetNumbers };
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const clean: Net = { loss: 0, dup: 0, corrupt: 0, delayMs: 2, jitterMs: 0 };

describe('UDP sender and receiver, simulated', () => {
  it('transfers without loss and without a single retransmission', () => {
    const r = simulate(200 * 1000 + 17, 1000, clean, 1);
    expect(r.reason).toBeUndefined();
    expect(md5(r.hashed)).toBe(md5(r.file));
    expect(r.sender.stats.datagramsRetransmitted).toBe(0);
    expect(r.sender.stats.datagramsSent).toBe(201);
  });

  it.each([
    ['loss 5 % both ways', { ...clean, loss: 0.05 }],
    ['loss 20 % both ways, reordering', { ...clean, loss: 0.2, jitterMs: 3 }],
    ['duplication and reordering', { ...clean, dup: 0.2, jitterMs: 4 }],
    ['heavy ACK loss', { ...clean, ackLoss: 0.6 }],
    ['corruption', { ...clean, corrupt: 0.1 }],
  ])('completes with %s, hashing exactly the file in order', (_label, net) => {
    const r = simulate(300 * 1000, 1000, net, 7);
    expect(r.reason).toBeUndefined();
    expect(r.hashed.equals(r.file)).toBe(true);
  });

  it('retransmits less than twice what was dropped', () => {
    const r = simulate(500 * 1000, 1000, { ...clean, loss: 0.05, ackLoss: 0, jitterMs: 1 }, 3);
    expect(r.ok).toBe(true);
    expect(r.dropped).toBeGreaterThan(10);
    expect(r.sender.stats.datagramsRetransmitted).toBeLessThan(2 * r.dropped);
  });

  it('never reuses a packet number', () => {
    const r = simulate(200 * 1000, 1000, { ...clean, loss: 0.2, jitterMs: 3 }, 5);
    expect(r.ok).toBe(true);
    expect(new Set(r.packetNumbers).size).toBe(r.packetNumbers.length);
    expect(r.packetNumbers).toEqual([...r.packetNumbers].sort((a, b) => a - b));
  });

  it('resumes from a start chunk and delivers the rest', () => {
    const r = simulate(100 * 1000, 1000, { ...clean, loss: 0.1 }, 9, 40);
    expect(r.ok).toBe(true);
    expect(r.hashed.equals(r.file)).toBe(true);
  });

  // Each of these stalled until the idle timeout before probes were capped at a
  // fraction of it and sent in pairs: the tail's last chunk or its ACK lost, then
  // the few probes a 2 s backoff cap left room for all lost too. The first is
  // the case the property found; the rest came from a sweep of small files.
  it.each([
    [11173, 1397, 0.2143316040746868, 0.1, 885374535],
    [16000, 1000, 0.2, 20, 2450],
    [11173, 1397, 0.2, 20, 12685],
    [4000, 512, 0.22, 0.1, 12899],
    [16000, 1397, 0.22, 20, 5516],
    [4000, 512, 0.25, 20, 5093],
    [11173, 1400, 0.28, 0.1, 4159],
    [20000, 1000, 0.28, 20, 11187],
    [1500, 1400, 0.3, 1, 7864],
    [16000, 1400, 0.3, 1, 1148],
  ])('does not stall at the tail: %i bytes in %i-byte chunks, loss %d, delay %d ms, seed %i', (size, chunkSize, loss, delayMs, seed) => {
    const r = simulate(size, chunkSize, { loss, dup: 0, corrupt: 0, delayMs, jitterMs: 0 }, seed);
    expect(r.reason).toBeUndefined();
    expect(r.hashed.equals(r.file)).toBe(true);
  });

  // Seeded, so CI sees the same 60 cases every time. To explore, run it with a
  // random seed and many cases: UDP_SIM_RUNS=5000 npx vitest run test/protocol/udp-sim.test.ts
  it('completes for any seed and network mix (property)', { timeout: 600_000 }, () => {
    const soak = Number(process.env.UDP_SIM_RUNS ?? 0);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40_000 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.record({
          loss: fc.double({ min: 0, max: 0.3, noNaN: true }),
          dup: fc.double({ min: 0, max: 0.2, noNaN: true }),
          corrupt: fc.double({ min: 0, max: 0.1, noNaN: true }),
          delayMs: fc.double({ min: 0.1, max: 20, noNaN: true }),
          jitterMs: fc.double({ min: 0, max: 10, noNaN: true }),
        }),
        fc.integer(),
        (size, chunkSize, net, seed) => {
          const r = simulate(size, chunkSize, net, seed);
          expect(r.reason).toBeUndefined();
          expect(r.hashed.equals(r.file)).toBe(true);
        },
      ),
      soak > 0 ? { numRuns: soak } : { numRuns: 60, seed: 20_251_125 },
    );
  });
});
