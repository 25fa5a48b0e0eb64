import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  type AckPacket,
  DATA_HEADER_BYTES,
  LOOPBACK_CHUNK_BYTES,
  MAC_BYTES,
  MAX_CHUNK_BYTES,
  MAX_DATAGRAM_BYTES,
  MAX_SACK_RANGES,
  MIN_CHUNK_BYTES,
  NETWORK_CHUNK_BYTES,
  chooseChunkSize,
  chunkCount,
  decodeUdp,
  encodeAck,
  encodeData,
  encodeDataHeader,
  formatSessionId,
  macTag,
  parseSessionId,
  peekSessionId,
  transferShapeError,
  UDP_HEADER_BYTES,
  usableReceiveBuffer,
} from '../../src/protocol/udp-packet.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// Hand-checked layouts: magic 4659, version 01, type, session id, CRC, fields.
const DATA_VECTOR = '4659 01 01 0102030405060708 2a8313ca 00000001 00000002 00000007 6869';
const ACK_VECTOR = '4659 01 02 0102030405060708 7f511648 0000000000000009 000000fa 00000003 00000064 00010000 01 00000005 00000007';
const HELLO_VECTOR = '4659 01 02 0000000000000001 3e7f2da8 ffffffffffffffff 00000000 00000000 00000010 00000000 00';

/** The CRC field is CRC-32 (zlib) over the datagram with bytes 12..16 left out. */
function independentCrc(b: Buffer): number {
  return crc32(b.subarray(16), crc32(b.subarray(0, 12)));
}

const ackArb = fc
  .record({
    sessionId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    largestPacket: fc.integer({ min: -1, max: Number.MAX_SAFE_INTEGER }),
    ackDelayMicros: fc.integer({ min: 0, max: 0xffffffff }),
    cumulative: fc.integer({ min: 0, max: 0x7fffffff }),
    window: fc.integer({ min: 0, max: 0xffffffff }),
    receiveBuffer: fc.integer({ min: 0, max: 0xffffffff }),
    gaps: fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1000 })), { maxLength: MAX_SACK_RANGES }),
  })
  .map(({ gaps, ...a }): Omit<AckPacket, 'type'> => {
    let at = a.cumulative;
    const ranges = gaps.map(([gap, len]) => {
      const start = at + gap;
      at = start + len;
      return { start, end: at };
    });
    return { ...a, ranges: ranges.filter((r) => r.end <= 0xffffffff) };
  });

describe('UDP datagram codec', () => {
  it('encodes DATA to the documented bytes', () => {
    const b = encodeData(0x0102030405060708n, 0x1_0000_0002, 7, Buffer.from('hi'));
    expect(b.toString('hex')).toBe(hex(DATA_VECTOR).toString('hex'));
    expect(b.readUInt32BE(12)).toBe(independentCrc(b));
    expect(b.length).toBe(DATA_HEADER_BYTES + 2);
  });

  it('encodes ACKs to the documented bytes, including "no packet yet"', () => {
    const ack = encodeAck({
      sessionId: 0x0102030405060708n,
      largestPacket: 9,
      ackDelayMicros: 250,
      cumulative: 3,
      window: 100,
      receiveBuffer: 65536,
      ranges: [{ start: 5, end: 7 }],
    });
    expect(ack.toString('hex')).toBe(hex(ACK_VECTOR).toString('hex'));
    expect(ack.readUInt32BE(12)).toBe(independentCrc(ack));
    const hello = encodeAck({ sessionId: 1n, largestPacket: -1, ackDelayMicros: 0, cumulative: 0, window: 16, receiveBuffer: 0, ranges: [] });
    expect(hello.toString('hex')).toBe(hex(HELLO_VECTOR).toString('hex'));
    expect(decodeUdp(hello)).toMatchObject({ ok: true, packet: { type: 'ack', largestPacket: -1, window: 16 } });
  });

  it('sends the payload without copying it', () => {
    const payload = Buffer.from('payload');
    const head = encodeDataHeader(5n, 1, 2, payload);
    const d = decodeUdp(Buffer.concat([head, payload]));
    expect(d).toMatchObject({ ok: true, packet: { type: 'data', sessionId: 5n, packetNumber: 1, chunk: 2 } });
  });

  it('round-trips DATA', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 300 }),
        (id, pn, chunk, bytes) => {
          const d = decodeUdp(encodeData(id, pn, chunk, Buffer.from(bytes)));
          expect(d.ok).toBe(true);
          if (!d.ok || d.packet.type !== 'data') return;
          expect(d.packet).toMatchObject({ sessionId: id, packetNumber: pn, chunk });
          expect(Buffer.from(d.packet.payload).equals(Buffer.from(bytes))).toBe(true);
        },
      ),
    );
  });

  it('round-trips ACKs with up to the maximum number of SACK ranges', () => {
    fc.assert(
      fc.property(ackArb, (ack) => {
        expect(decodeUdp(encodeAck(ack))).toEqual({ ok: true, packet: { type: 'ack', ...ack } });
      }),
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const d = decodeUdp(Buffer.from(bytes));
        expect(typeof d.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects every single-bit corruption of a valid datagram', () => {
    const data = encodeData(0xabcdefn, 42, 9, Buffer.from('some chunk bytes that must not be damaged'));
    const ack = encodeAck({
      sessionId: 0xabcdefn,
      largestPacket: 40,
      ackDelayMicros: 3,
      cumulative: 8,
      window: 10,
      receiveBuffer: 1000,
      ranges: [{ start: 9, end: 12 }],
    });
    for (const original of [data, ack]) {
      for (let bit = 0; bit < original.length * 8; bit++) {
        const b = Buffer.from(original);
        b[bit >> 3]! ^= 1 << (bit & 7);
        expect(decodeUdp(b).ok, `bit ${bit}`).toBe(false);
      }
    }
  });

  it('rejects every truncation', () => {
    const data = encodeData(1n, 1, 1, Buffer.from('abc'));
    const ack = encodeAck({ sessionId: 1n, largestPacket: 1, ackDelayMicros: 0, cumulative: 0, window: 1, receiveBuffer: 0, ranges: [{ start: 2, end: 3 }] });
    for (const b of [data, ack]) for (let n = 0; n < b.length; n++) expect(decodeUdp(b.subarray(0, n)).ok).toBe(false);
  });

  it('names the reason for a rejection', () => {
    const good = encodeData(1n, 1, 1, Buffer.from('abc'));
    const withByte = (i: number, v: number) => {
      const b = Buffer.from(good);
      b[i] = v;
      return b;
    };
    expect(decodeUdp(Buffer.alloc(3))).toEqual({ ok: false, reason: 'short' });
    expect(decodeUdp(withByte(0, 0))).toEqual({ ok: false, reason: 'magic' });
    expect(decodeUdp(withByte(2, 9))).toEqual({ ok: false, reason: 'version' });
    expect(decodeUdp(withByte(3, 7))).toEqual({ ok: false, reason: 'type' });
    expect(decodeUdp(withByte(30, 0))).toEqual({ ok: false, reason: 'checksum' });
  });

  it('rejects SACK ranges that are empty, overlapping, descending or below the cumulative point', () => {
    const base = { sessionId: 1n, largestPacket: 5, ackDelayMicros: 0, cumulative: 10, window: 1, receiveBuffer: 0 };
    for (const ranges of [
      [{ start: 12, end: 12 }],
      [
        { start: 12, end: 15 },
        { start: 14, end: 16 },
      ],
      [
        { start: 20, end: 21 },
        { start: 12, end: 13 },
      ],
      [{ start: 5, end: 11 }],
    ]) {
      expect(decodeUdp(encodeAck({ ...base, ranges })), JSON.stringify(ranges)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('caps the SACK ranges an ACK carries', () => {
    const ranges = Array.from({ length: MAX_SACK_RANGES + 10 }, (_, i) => ({ start: 10 + 2 * i, end: 11 + 2 * i }));
    const b = encodeAck({ sessionId: 1n, largestPacket: 1, ackDelayMicros: 0, cumulative: 0, window: 1, receiveBuffer: 0, ranges });
    const d = decodeUdp(b);
    expect(d.ok && d.packet.type === 'ack' && d.packet.ranges.length).toBe(MAX_SACK_RANGES);
    expect(b.length).toBeLessThan(NETWORK_CHUNK_BYTES);
  });

  it('chooses big chunks on loopback and MTU-safe ones elsewhere', () => {
    expect(chooseChunkSize('127.0.0.1')).toBe(LOOPBACK_CHUNK_BYTES);
    expect(chooseChunkSize('::1')).toBe(LOOPBACK_CHUNK_BYTES);
    expect(chooseChunkSize('localhost')).toBe(LOOPBACK_CHUNK_BYTES);
    expect(chooseChunkSize('192.168.1.20')).toBe(NETWORK_CHUNK_BYTES);
    expect(chooseChunkSize('192.168.1.20', 9000)).toBe(9000);
    expect(() => chooseChunkSize('::1', MAX_CHUNK_BYTES + 1)).toThrow(RangeError);
    expect(LOOPBACK_CHUNK_BYTES + DATA_HEADER_BYTES).toBeLessThanOrEqual(65507);
    expect(NETWORK_CHUNK_BYTES + DATA_HEADER_BYTES + 48).toBeLessThanOrEqual(1500);
  });

  it('says why a transfer shape cannot go over UDP', () => {
    expect(transferShapeError(1000, 100)).toBeNull();
    expect(transferShapeError(0, 100)).toBeNull();
    expect(transferShapeError(1000, 100, 10)).toBeNull(); // a complete resume
    expect(transferShapeError(1000, MIN_CHUNK_BYTES - 1)).toMatch(/chunk size/);
    expect(transferShapeError(1000, MAX_CHUNK_BYTES + 1)).toMatch(/chunk size/);
    expect(transferShapeError(-1, 100)).toMatch(/file size/);
    expect(transferShapeError(2 ** 32 * 64 + 1, 64)).toMatch(/too many chunks/);
    expect(transferShapeError(1000, 100, 11)).toMatch(/start chunk/);
  });

  it('counts a receive buffer in datagrams, not bytes', () => {
    const buffer = 8 * 1024 * 1024; // what Linux reports for SO_RCVBUF = 4 MiB
    const big = usableReceiveBuffer(buffer, LOOPBACK_CHUNK_BYTES + DATA_HEADER_BYTES);
    expect(big / (LOOPBACK_CHUNK_BYTES + DATA_HEADER_BYTES)).toBeGreaterThan(80);
    expect(big).toBeLessThan(0.75 * buffer);
    const tiny = usableReceiveBuffer(buffer, 92);
    expect(tiny / 92).toBeLessThan(buffer / 1024); // each tiny datagram costs over 1 KB of buffer
    expect(usableReceiveBuffer(0, 92)).toBe(0);
  });

  it('counts chunks, including none for an empty file', () => {
    expect(chunkCount(0, 100)).toBe(0);
    expect(chunkCount(100, 100)).toBe(1);
    expect(chunkCount(101, 100)).toBe(2);
  });

  it('formats and parses session ids as 16 hex digits', () => {
    expect(formatSessionId(0xabn)).toBe('00000000000000ab');
    expect(parseSessionId('00000000000000ab')).toBe(0xabn);
    expect(parseSessionId('ab')).toBeNull();
    expect(parseSessionId('00000000000000AB')).toBeNull();
    expect(peekSessionId(encodeData(77n, 0, 0, Buffer.alloc(0)))).toBe(77n);
    expect(peekSessionId(Buffer.alloc(4))).toBeNull();
  });
});

describe('MAC tags (keyed sessions)', () => {
  const key = Buffer.alloc(32, 7);
  const otherKey = Buffer.alloc(32, 8);
  const ack = { sessionId: 0xabcdefn, largestPacket: 40, ackDelayMicros: 3, cumulative: 8, window: 10, receiveBuffer: 1000, ranges: [{ start: 9, end: 12 }] };

  it('appends a 16-byte HMAC-SHA256 tag over everything before it, and round-trips', () => {
    const payload = Buffer.from('chunk bytes');
    const data = encodeData(5n, 6, 7, payload, key);
    const plain = encodeData(5n, 6, 7, payload);
    expect(data.length).toBe(plain.length + MAC_BYTES);
    expect(data.subarray(0, plain.length).equals(plain)).toBe(true);
    expect(data.subarray(plain.length).equals(createHmac('sha256', key).update(plain).digest().subarray(0, 16))).toBe(true);
    expect(decodeUdp(data, key)).toEqual({ ok: true, packet: { type: 'data', sessionId: 5n, packetNumber: 6, chunk: 7, payload } });
    expect(decodeUdp(encodeAck(ack, key), key)).toEqual({ ok: true, packet: { type: 'ack', ...ack } });
    // The sender's zero-copy form gives the same bytes.
    const head = encodeDataHeader(5n, 6, 7, payload);
    expect(Buffer.concat([head, payload, macTag(key, head, payload)]).equals(data)).toBe(true);
  });

  it("rejects datagrams made without the key as 'mac', and damage as before", () => {
    const forged = Buffer.concat([encodeAck(ack), Buffer.alloc(MAC_BYTES)]); // right CRC, made-up tag
    expect(decodeUdp(forged, key)).toEqual({ ok: false, reason: 'mac' });
    expect(decodeUdp(encodeAck(ack, otherKey), key)).toEqual({ ok: false, reason: 'mac' });
    // A keyless sender's datagram loses its last 16 bytes to the "tag", so its CRC fails first.
    expect(decodeUdp(encodeData(1n, 1, 1, Buffer.from('abcdefghijklmnopqrstuvwxyz')), key)).toEqual({ ok: false, reason: 'checksum' });
    const damaged = encodeData(1n, 1, 1, Buffer.from('abc'), key);
    damaged[30]! ^= 1;
    expect(decodeUdp(damaged, key)).toEqual({ ok: false, reason: 'checksum' });
    expect(decodeUdp(Buffer.alloc(UDP_HEADER_BYTES + MAC_BYTES - 1), key)).toEqual({ ok: false, reason: 'short' });
  });

  it('rejects every single-bit change to a keyed datagram, tag included', () => {
    for (const original of [encodeData(0xabcdefn, 42, 9, Buffer.from('some chunk bytes'), key), encodeAck(ack, key)]) {
      for (let bit = 0; bit < original.length * 8; bit++) {
        const b = Buffer.from(original);
        b[bit >> 3]! ^= 1 << (bit & 7);
        expect(decodeUdp(b, key).ok, `bit ${bit}`).toBe(false);
      }
    }
  });

  it('leaves room for the tag in the largest chunk', () => {
    expect(DATA_HEADER_BYTES + MAX_CHUNK_BYTES + MAC_BYTES).toBe(MAX_DATAGRAM_BYTES);
  });

  it('never throws on arbitrary bytes with a key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(typeof decodeUdp(Buffer.from(bytes), key).ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});
