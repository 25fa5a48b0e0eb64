import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../src/protocol/errors.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/protocol/frame.js';
import { MAX_FRAME_BYTES, MAX_HANDSHAKE_FRAME_BYTES } from '../../src/protocol/limits.js';
import { Kind } from '../../src/protocol/messages.js';

const decodeAll = (bytes: Buffer, step = bytes.length): Frame[] => {
  const d = new FrameDecoder();
  const out: Frame[] = [];
  for (let i = 0; i < bytes.length; i += step) out.push(...d.push(bytes.subarray(i, i + step)));
  expect(d.pending).toBe(0);
  return out;
};

describe('frame codec', () => {
  it('encodes a PING with an empty header exactly as documented', () => {
    // length 7, kind 24, id 0, header length 0
    expect(encodeFrame(Kind.Ping, 0).toString('hex')).toBe('00000007' + '18' + '00000000' + '0000');
  });

  it('encodes a REQUEST header and a DATA payload as documented', () => {
    const req = encodeFrame(Kind.Request, 7, { op: 'hash', path: 'a' });
    const json = Buffer.from('{"op":"hash","path":"a"}');
    expect(req.toString('hex')).toBe(
      (7 + json.length).toString(16).padStart(8, '0') + '10' + '00000007' + json.length.toString(16).padStart(4, '0') + json.toString('hex'),
    );
    const data = encodeFrame(Kind.Data, 0xfffffffe, undefined, Buffer.from([1, 2, 3]));
    expect(data.toString('hex')).toBe('0000000a' + '12' + 'fffffffe' + '0000' + '010203');
  });

  it('decodes a frame split at every byte boundary', () => {
    const bytes = Buffer.concat([
      encodeFrame(Kind.Request, 1, { op: 'list', path: 'ümlaut/文件' }),
      encodeFrame(Kind.Data, 1, undefined, Buffer.from('payload bytes')),
      encodeFrame(Kind.Ping, 0),
    ]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = new FrameDecoder();
      const frames = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(frames.map((f) => f.kind)).toEqual([Kind.Request, Kind.Data, Kind.Ping]);
      expect(frames[0]!.header).toEqual({ op: 'list', path: 'ümlaut/文件' });
      expect(frames[1]!.payload.toString()).toBe('payload bytes');
    }
  });

  it('round-trips any frame, fed in any chunk size', () => {
    const kinds = Object.values(Kind);
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.boolean())),
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 64 }),
        (kind, id, header, payload, step) => {
          const frames = decodeAll(encodeFrame(kind, id, header, Buffer.from(payload)), step);
          expect(frames).toHaveLength(1);
          expect(frames[0]!.kind).toBe(kind);
          expect(frames[0]!.id).toBe(id);
          expect(frames[0]!.header).toEqual(header);
          expect([...frames[0]!.payload]).toEqual([...payload]);
        },
      ),
    );
  });

  it('fails only with coded FerryErrors on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          new FrameDecoder().push(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(FerryError);
          expect((err as FerryError).code).toBe('BAD_FRAME');
        }
      }),
    );
  });

  it('refuses a length over the limit before buffering the body', () => {
    const d = new FrameDecoder();
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(MAX_FRAME_BYTES + 1);
    expect(() => d.push(prefix)).toThrow(/exceeds the limit/);
  });

  it.each([
    ['a length shorter than a frame header', '00000003' + '010203'],
    ['an unknown kind', '00000007' + '63' + '00000001' + '0000'],
    ['a header length past the end', '00000007' + '10' + '00000001' + '0005'],
    ['a header that is not JSON', '00000009' + '10' + '00000001' + '0002' + '7b7b'],
    ['a header that is a JSON array', '00000009' + '10' + '00000001' + '0002' + '5b5d'],
  ])('refuses %s', (_, hex) => {
    expect(() => new FrameDecoder().push(Buffer.from(hex, 'hex'))).toThrow(FerryError);
  });

  it('stays failed after a framing error', () => {
    const d = new FrameDecoder();
    expect(() => d.push(Buffer.from('0000000363', 'hex'))).toThrow();
    expect(() => d.push(encodeFrame(Kind.Ping, 0))).toThrow(/already failed/);
  });

  it('refuses to encode an oversized header', () => {
    expect(() => encodeFrame(Kind.Item, 1, { big: 'x'.repeat(70_000) })).toThrow(/exceeds/);
  });
});

describe('payload ownership', () => {
  it("gives a large payload memory of its own, and never keeps the caller's chunk", () => {
    const big = encodeFrame(Kind.Data, 1, undefined, Buffer.alloc(100_000, 7));
    const d = new FrameDecoder();
    const [frame] = d.push(big);
    expect(frame!.ownsPayload).toBe(true);
    expect(frame!.payload.buffer.byteLength).toBe(big.length - 4);
    // A reused read buffer: overwrite the input after push(); the frame is unchanged.
    const half = Buffer.from(big.subarray(0, 50_000));
    const d2 = new FrameDecoder();
    expect(d2.push(half)).toEqual([]);
    half.fill(0);
    const [again] = d2.push(big.subarray(50_000));
    expect(again!.payload.every((b) => b === 7)).toBe(true);
    const small = new FrameDecoder().push(encodeFrame(Kind.Data, 1, undefined, Buffer.alloc(10)));
    expect(small[0]!.ownsPayload).toBe(false);
  });
});

describe('growing bodies (the server: memory follows the bytes that arrived)', () => {
  /** A decoder whose large-body allocations are counted. */
  const counting = (maxFrameBytes = MAX_FRAME_BYTES) => {
    const sizes: number[] = [];
    const decoder = new FrameDecoder(maxFrameBytes, (n) => (sizes.push(n), Buffer.allocUnsafeSlow(n)), { grow: true });
    return { decoder, sizes, total: () => sizes.reduce((a, b) => a + b, 0) };
  };

  it('decodes the documented hex vectors split at every byte boundary', () => {
    const hex = '00000007' + '18' + '00000000' + '0000' + '0000000a' + '12' + 'fffffffe' + '0000' + '010203';
    const bytes = Buffer.from(hex, 'hex');
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = new FrameDecoder(MAX_FRAME_BYTES, undefined, { grow: true });
      const frames = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(frames.map((f) => [f.kind, f.id, f.payload.toString('hex')])).toEqual([
        [Kind.Ping, 0, ''],
        [Kind.Data, 0xfffffffe, '010203'],
      ]);
      expect(d.pending).toBe(0);
    }
  });

  it('decodes a large frame split anywhere, including across every growth step', () => {
    const payload = Buffer.alloc(300_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    const bytes = Buffer.concat([encodeFrame(Kind.Data, 9, { n: 1 }, payload), encodeFrame(Kind.Ping, 0)]);
    const cuts = new Set<number>();
    for (let c = 1; c < bytes.length; c += 4999) cuts.add(c);
    for (const edge of [4, 5, 64 * 1024, 128 * 1024, 256 * 1024, bytes.length - 18]) for (let d = -3; d <= 3; d++) cuts.add(edge + d);
    for (const cut of cuts) {
      const { decoder } = counting();
      // Three pieces: the growth path sees a partial start, a middle and the end.
      const mid = Math.min(bytes.length - 1, cut + 70_001);
      const frames = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut, mid)), ...decoder.push(bytes.subarray(mid))];
      expect(frames).toHaveLength(2);
      expect(frames[0]!.header).toEqual({ n: 1 });
      expect(frames[0]!.payload.equals(payload)).toBe(true);
      expect(frames[0]!.ownsPayload).toBe(true);
      expect(frames[1]!.kind).toBe(Kind.Ping);
    }
  });

  it('holds memory in proportion to what arrived, not to the declared length', () => {
    const payload = Buffer.alloc(4 * 1024 * 1024 - 100, 5);
    const frame = encodeFrame(Kind.Data, 1, undefined, payload);
    const { decoder, total } = counting();
    // Only the length prefix and a few bytes: a small start, not 4 MiB.
    decoder.push(frame.subarray(0, 20));
    expect(total()).toBeLessThanOrEqual(64 * 1024);
    expect(decoder.reserved).toBeLessThanOrEqual(64 * 1024);
    // Half the frame a kilobyte at a time: never more than twice what arrived.
    for (let at = 20; at < frame.length / 2; at += 1024) {
      decoder.push(frame.subarray(at, Math.min(at + 1024, frame.length / 2)));
      expect(decoder.reserved).toBeLessThanOrEqual(Math.max(64 * 1024, 2 * decoder.pending));
    }
    // All but one byte: the doublings together stay within twice the frame.
    const rest = decoder.push(frame.subarray(frame.length / 2, frame.length - 1));
    expect(rest).toEqual([]);
    expect(total()).toBeLessThanOrEqual(2 * frame.length);
    const [done] = decoder.push(frame.subarray(frame.length - 1));
    expect(done!.payload.equals(payload)).toBe(true);
  });

  it('without growing (the client), allocates each large body once at its exact size', () => {
    const sizes: number[] = [];
    const d = new FrameDecoder(MAX_FRAME_BYTES, (n) => (sizes.push(n), Buffer.allocUnsafeSlow(n)));
    const frame = encodeFrame(Kind.Data, 1, undefined, Buffer.alloc(1024 * 1024, 1));
    for (let at = 0; at < frame.length; at += 65_536) d.push(frame.subarray(at, at + 65_536));
    expect(sizes).toEqual([frame.length - 4]);
  });

  it('refuses frames over a lowered limit, and takes them once it is raised', () => {
    const d = new FrameDecoder(MAX_HANDSHAKE_FRAME_BYTES);
    const big = encodeFrame(Kind.Request, 1, { op: 'list', pad: 'x'.repeat(1000) }, Buffer.alloc(MAX_HANDSHAKE_FRAME_BYTES));
    expect(() => d.push(big.subarray(0, 4))).toThrow(/exceeds the limit of 65543/);
    const d2 = new FrameDecoder(MAX_HANDSHAKE_FRAME_BYTES);
    d2.maxFrameBytes = MAX_FRAME_BYTES;
    expect(d2.push(big)).toHaveLength(1);
  });
});

describe('reads straight into a body (readTarget / filled)', () => {
  it('decodes a DATA frame whose body was mostly filled by the reader itself, then carries on with push()', () => {
    const payload = Buffer.alloc(300 * 1024, 7);
    payload.writeUInt32BE(0xdeadbeef, payload.length - 4);
    const bytes = Buffer.concat([encodeFrame(Kind.Data, 5, undefined, payload), encodeFrame(Kind.End, 5)]);
    const d = new FrameDecoder();
    expect(d.readTarget(1)).toBeUndefined(); // no body yet: read into your own buffer
    expect(d.push(bytes.subarray(0, 1000))).toEqual([]);
    const frames: Frame[] = [];
    let at = 1000;
    for (let target = d.readTarget(16 * 1024); target; target = d.readTarget(16 * 1024)) {
      // A read fills at most what it is given, often less.
      const n = Math.min(target.length, 70_000);
      bytes.copy(target, 0, at, at + n);
      at += n;
      frames.push(...d.filled(n));
    }
    frames.push(...d.push(bytes.subarray(at)));
    expect(frames.map((f) => f.kind)).toEqual([Kind.Data, Kind.End]);
    expect(frames[0]!.payload.equals(payload)).toBe(true);
    expect(d.pending).toBe(0);
  });

  it('offers no target while bodies grow, or for the last few bytes of a body', () => {
    const bytes = encodeFrame(Kind.Data, 1, undefined, Buffer.alloc(100 * 1024));
    const growing = new FrameDecoder(MAX_FRAME_BYTES, undefined, { grow: true });
    growing.push(bytes.subarray(0, 100));
    expect(growing.readTarget(1)).toBeUndefined();
    const d = new FrameDecoder();
    d.push(bytes.subarray(0, bytes.length - 100));
    expect(d.readTarget(101)).toBeUndefined();
    expect(d.readTarget(100)).toHaveLength(100);
  });

  it('refuses bytes said to be read into a body it did not offer', () => {
    const d = new FrameDecoder();
    expect(() => d.filled(10)).toThrow(FerryError);
    expect(() => d.push(Buffer.alloc(4))).toThrow(FerryError); // and stays failed
  });
});
