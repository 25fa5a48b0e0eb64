import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../src/protocol/errors.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/protocol/frame.js';
import { MAX_FRAME_BYTES } from '../../src/protocol/limits.js';
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
  it('gives a large payload memory of its own, and never keeps the caller\'s chunk', () => {
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
