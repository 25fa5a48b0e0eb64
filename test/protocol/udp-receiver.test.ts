import { describe, expect, it } from 'vitest';
import type { DataPacket } from '../../src/protocol/udp-packet.js';
import { MAX_SACK_RANGES } from '../../src/protocol/udp-packet.js';
import { KEEPALIVES_PER_IDLE_TIMEOUT, MAX_KEEPALIVE_MS, type ReceiverAction, UdpReceiver, type UdpReceiverOptions } from '../../src/protocol/udp-receiver.js';

const CHUNK = 100;

function data(chunk: number, packetNumber = chunk, length = CHUNK): DataPacket {
  return { type: 'data', sessionId: 1n, packetNumber, chunk, payload: Buffer.alloc(length, chunk % 256) };
}

function receiver(chunks: number, options: Partial<UdpReceiverOptions> = {}, size = chunks * CHUNK): UdpReceiver {
  const r = new UdpReceiver({ sessionId: 1n, size, chunkSize: CHUNK, windowBytes: 1000 * CHUNK, ...options }, 0);
  r.poll(0); // the opening ACK
  return r;
}

const of = <T extends ReceiverAction['type']>(actions: ReceiverAction[], type: T) =>
  actions.filter((a): a is Extract<ReceiverAction, { type: T }> => a.type === type);
const acks = (actions: ReceiverAction[]) => of(actions, 'ack').map((a) => a.ack);

describe('UdpReceiver', () => {
  it('opens the session with an ACK before any data', () => {
    const r = new UdpReceiver({ sessionId: 9n, size: 10 * CHUNK, chunkSize: CHUNK, windowBytes: 5 * CHUNK, receiveBuffer: 4096 }, 0);
    expect(acks(r.poll(0))).toEqual([{ sessionId: 9n, largestPacket: -1, ackDelayMicros: 0, cumulative: 0, window: 5, receiveBuffer: 4096, ranges: [] }]);
  });

  it('writes and hashes in-order chunks and acknowledges every second one', () => {
    const r = receiver(10);
    const a0 = r.onData(data(0), 1);
    expect(of(a0, 'write')).toEqual([{ type: 'write', chunk: 0, position: 0, data: expect.any(Buffer) }]);
    expect(of(a0, 'hash').map((h) => h.chunk)).toEqual([0]);
    expect(acks(r.poll(1))).toEqual([]); // one packet: ACK may wait (max ack delay)
    r.onData(data(1), 2);
    expect(acks(r.poll(2))).toMatchObject([{ cumulative: 2, largestPacket: 1, ranges: [] }]);
  });

  it('sends a delayed ACK no later than the max ack delay', () => {
    const r = receiver(10, { maxAckDelayMs: 5 });
    r.onData(data(0), 1);
    const t = of(r.poll(1), 'timer')[0]!.at;
    expect(t).toBeLessThanOrEqual(6);
    expect(acks(r.poll(6))).toMatchObject([{ cumulative: 1, ackDelayMicros: 5000 }]);
  });

  it('writes out-of-order chunks at once but hashes only in order, with SACK ranges', () => {
    const r = receiver(10);
    const a2 = r.onData(data(2), 1);
    expect(of(a2, 'write').map((w) => w.position)).toEqual([200]);
    expect(of(a2, 'hash')).toEqual([]);
    r.onData(data(4), 2);
    expect(acks(r.poll(2))).toMatchObject([
      {
        cumulative: 0,
        largestPacket: 4,
        ranges: [
          { start: 2, end: 3 },
          { start: 4, end: 5 },
        ],
      },
    ]);
    r.onData(data(3), 3);
    expect(acks(r.poll(3))[0]!.ranges).toEqual([{ start: 2, end: 5 }]);
    expect(of(r.onData(data(1, 9), 4), 'hash')).toEqual([]); // chunk 0 still missing
    const fill = r.onData(data(0, 10), 5);
    expect(of(fill, 'hash').map((h) => h.chunk)).toEqual([0, 1, 2, 3, 4]);
    expect(acks(r.poll(5))).toMatchObject([{ cumulative: 5, ranges: [] }]);
  });

  it('acknowledges a gap-filling packet at once, so the sender does not time it out', () => {
    const r = receiver(10);
    r.onData(data(1), 1);
    r.poll(1);
    r.onData(data(0, 2), 2);
    expect(acks(r.poll(2))).toMatchObject([{ cumulative: 2 }]);
  });

  it('counts duplicates, writes nothing twice and re-acknowledges at once', () => {
    const r = receiver(10);
    r.onData(data(0), 1);
    r.onData(data(1), 1);
    r.poll(1);
    const dup = r.onData(data(0, 7), 2);
    expect(of(dup, 'write')).toEqual([]);
    expect(r.stats.duplicates).toBe(1);
    expect(acks(r.poll(2))).toMatchObject([{ cumulative: 2, largestPacket: 7 }]);
  });

  it('rejects a wrong length, an index beyond the file, and data beyond the window', () => {
    const r = receiver(10, { windowBytes: 5 * CHUNK }, 10 * CHUNK - 30);
    expect(r.onData(data(0, 0, CHUNK - 1), 1)).toEqual([]);
    expect(r.onData(data(9, 1, CHUNK), 1)).toEqual([]); // the last chunk is 70 bytes
    expect(r.onData(data(10), 1)).toEqual([]);
    expect(r.onData(data(5), 1)).toEqual([]); // window is 5 chunks from 0
    expect(r.stats.rejected).toBe(4);
    expect(of(r.onData(data(9, 2, 70), 1), 'write')).toHaveLength(0); // still beyond the window
    expect(of(r.onData(data(4), 1), 'write')).toHaveLength(1);
  });

  it('completes once every chunk is held, including a short last chunk', () => {
    const r = receiver(3, {}, 250);
    r.onData(data(2, 0, 50), 1);
    r.onData(data(0, 1), 1);
    const last = r.onData(data(1, 2), 2);
    expect(of(last, 'hash').map((h) => h.chunk)).toEqual([1, 2]);
    expect(of(last, 'complete')).toHaveLength(1);
    expect(r.complete).toBe(true);
    expect(acks(r.poll(2))).toMatchObject([{ cumulative: 3 }]);
    // A late retransmission after completion is answered with the final ACK.
    r.onData(data(1, 3), 3);
    expect(acks(r.poll(3))).toMatchObject([{ cumulative: 3, largestPacket: 3 }]);
  });

  it('announces completion at once when nothing is missing', () => {
    const empty = new UdpReceiver({ sessionId: 1n, size: 0, chunkSize: CHUNK }, 0);
    expect(of(empty.poll(0), 'complete')).toHaveLength(1);
    expect(of(empty.poll(1), 'complete')).toHaveLength(0);
    const resumed = new UdpReceiver({ sessionId: 1n, size: 5 * CHUNK, chunkSize: CHUNK, startChunk: 5 }, 0);
    expect(of(resumed.poll(0), 'complete')).toHaveLength(1);
  });

  it('starts a resume at the start chunk', () => {
    const r = new UdpReceiver({ sessionId: 1n, size: 10 * CHUNK, chunkSize: CHUNK, startChunk: 4 }, 0);
    expect(acks(r.poll(0))).toMatchObject([{ cumulative: 4 }]);
    expect(of(r.onData(data(4), 1), 'hash').map((h) => h.chunk)).toEqual([4]);
    expect(r.onData(data(2), 1)).toEqual([]);
    expect(r.stats.duplicates).toBe(1);
  });

  it('closes the window while the write/hash backlog is full and reopens it when it drains', () => {
    const r = receiver(100, { windowBytes: 10 * CHUNK });
    r.onBacklog(10 * CHUNK, 1);
    r.onData(data(0), 1);
    r.onData(data(1), 1);
    expect(acks(r.poll(1))).toMatchObject([{ window: 0 }]);
    r.onBacklog(0, 2);
    expect(acks(r.poll(2))).toMatchObject([{ window: 10 }]);
  });

  /** Poll at each timer the receiver asks for, with nothing arriving, until it gives up. */
  function silence(r: UdpReceiver, from: number): { ackTimes: number[]; failure: ReceiverAction; failedAt: number } {
    const ackTimes: number[] = [];
    let now = from;
    for (let i = 0; i < 1000; i++) {
      const actions = r.poll(now);
      if (acks(actions).length > 0) ackTimes.push(now);
      const failure = actions.find((a) => a.type === 'fail');
      if (failure) return { ackTimes, failure, failedAt: now };
      now = of(actions, 'timer')[0]!.at;
    }
    throw new Error(`no failure after 1000 polls: stuck at ${now}`);
  }

  it('resends its ACK while nothing arrives, backing off, then gives up', () => {
    const r = new UdpReceiver({ sessionId: 1n, size: 10 * CHUNK, chunkSize: CHUNK, keepaliveMs: 20, idleTimeoutMs: 20_000 }, 0);
    r.poll(0);
    const { ackTimes, failure } = silence(r, 0);
    expect(ackTimes.slice(0, 8)).toEqual([20, 60, 140, 300, 620, 1260, 2260, 3260]);
    expect(failure).toEqual({ type: 'fail', reason: expect.stringMatching(/no UDP data arrived for 20 s/) });
  });

  it('caps the keepalive backoff well inside a short idle timeout, so a lossy path gets many tries', () => {
    const r = new UdpReceiver({ sessionId: 1n, size: 10 * CHUNK, chunkSize: CHUNK, keepaliveMs: 20, idleTimeoutMs: 5000 }, 0);
    const { ackTimes, failedAt } = silence(r, 0);
    expect(failedAt).toBe(5000);
    const gaps = ackTimes.slice(1).map((t, i) => t - ackTimes[i]!);
    expect(Math.max(...gaps)).toBe(Math.min(MAX_KEEPALIVE_MS, 5000 / KEEPALIVES_PER_IDLE_TIMEOUT));
    expect(ackTimes.length).toBeGreaterThanOrEqual(16);
  });

  it('fails exactly when its idle timer fires, however the sum rounds', () => {
    const t = 15023.64991622561; // (t + 5000) - t < 5000 in floating point
    const r = receiver(10, { idleTimeoutMs: 5000 });
    r.onData(data(0), t);
    expect(silence(r, t).failedAt).toBe(t + 5000);
  });

  it('gives up when only duplicates arrive: the idle timeout counts progress, not traffic', () => {
    const r = receiver(10, { idleTimeoutMs: 1000 });
    r.onData(data(0), 0);
    for (let t = 100; t < 1000; t += 100) {
      r.onData(data(0, t), t);
      expect(r.poll(t).some((a) => a.type === 'fail')).toBe(false);
    }
    expect(r.poll(1000)).toEqual([{ type: 'fail', reason: expect.stringMatching(/no new UDP data for 1 s/) }]);
  });

  it('reports recent ranges first when there are more than an ACK can carry', () => {
    const r = receiver(2000);
    for (let i = 0; i < MAX_SACK_RANGES + 50; i++) r.onData(data(1 + 2 * i, i), 1);
    r.poll(1);
    r.onData(data(6, 10_000), 2); // fills a low gap: [5,6) [6,7) [7,8) become [5,8)
    const [a] = acks(r.poll(2));
    expect(a!.ranges).toHaveLength(MAX_SACK_RANGES);
    expect(a!.ranges).toContainEqual({ start: 5, end: 8 });
    expect(a!.ranges).not.toContainEqual({ start: 3, end: 4 }); // old news, left out
    expect(a!.ranges.at(-1)).toEqual({ start: 1 + 2 * (MAX_SACK_RANGES + 49), end: 2 + 2 * (MAX_SACK_RANGES + 49) });
  });
});
