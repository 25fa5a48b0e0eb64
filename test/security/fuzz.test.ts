// Fuzzing: every decoder answers garbage with a coded error (or a rejection
// value), never anything else, and round-trips what its encoder makes. Then a
// live server takes thousands of random and mutated frames over many
// connections and still serves a normal client correctly afterwards.

import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, FerryError, isErrorCode } from '../../src/protocol/errors.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/protocol/frame.js';
import { MAX_FRAME_BYTES } from '../../src/protocol/limits.js';
import { Kind, KIND_VALUES, parseErrorBody, parseHello, parseRequest } from '../../src/protocol/messages.js';
import { decodeUdp, encodeAck, encodeData, parseSessionId } from '../../src/protocol/udp-packet.js';
import { scratchDir } from '../helpers/scratch.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';
import { seededRandom } from '../helpers/udp-relay.js';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const bytes = (max = 300) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

/** Run fn; it may return anything, or throw a FerryError with one of `codes`. */
function codedOrValue<T>(fn: () => T, codes: readonly string[]): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof FerryError)) throw new Error(`threw a non-coded ${String(err)}`);
    if (!codes.includes(err.code)) throw new Error(`threw ${err.code}, expected one of ${codes.join(', ')}`);
    return undefined;
  }
}

/** Push bytes into a fresh decoder cut at the given points. */
function decodeSplit(data: Buffer, cuts: number[]): Frame[] {
  const d = new FrameDecoder();
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Frame[] = [];
  let at = 0;
  for (const p of [...points, data.length]) {
    out.push(...d.push(data.subarray(at, p)));
    at = p;
  }
  return out;
}

const jsonHeader = fc
  .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 })
  .map((h) => JSON.parse(JSON.stringify(h)) as Record<string, unknown>);
const kinds = fc.constantFrom(...KIND_VALUES);

describe('frame decoder', () => {
  it('answers any bytes, cut anywhere, with frames or BAD_FRAME', () => {
    fc.assert(
      fc.property(bytes(400), fc.array(fc.nat(), { maxLength: 6 }), (data, cuts) => {
        codedOrValue(() => decodeSplit(data, cuts), [ErrorCode.BadFrame]);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips every frame, whatever the cuts', () => {
    fc.assert(
      fc.property(
        kinds,
        fc.integer({ min: 0, max: 0xffffffff }),
        jsonHeader,
        bytes(200),
        fc.array(fc.nat(), { maxLength: 5 }),
        (kind, id, header, payload, cuts) => {
          const frames = decodeSplit(encodeFrame(kind, id, header, payload), cuts);
          expect(frames).toHaveLength(1);
          expect(frames[0]).toMatchObject({ kind, id, header });
          expect(Buffer.compare(frames[0]!.payload, payload)).toBe(0);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('answers a mutated valid frame (flipped, truncated, re-lengthened) with frames or BAD_FRAME', () => {
    fc.assert(
      fc.property(
        kinds,
        fc.nat(),
        jsonHeader,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
        (kind, id, header, flips, truncate, length) => {
          const buf = Buffer.from(encodeFrame(kind, id, header, Buffer.from('payload')));
          for (const [at, x] of flips) buf[at % buf.length]! ^= x;
          if (length !== undefined) buf.writeUInt32BE(length, 0);
          const data = truncate === undefined ? buf : buf.subarray(0, truncate % (buf.length + 1));
          codedOrValue(() => decodeSplit(data, []), [ErrorCode.BadFrame]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses a length beyond the limit from its four bytes alone, and stays failed', () => {
    const d = new FrameDecoder();
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    expect(() => d.push(prefix)).toThrow(expect.objectContaining({ code: ErrorCode.BadFrame }));
    expect(() => d.push(encodeFrame(Kind.Ping, 0, { seq: 1 }))).toThrow(expect.objectContaining({ code: ErrorCode.BadFrame }));
  });
});

describe('message validators', () => {
  const anyHeader = fc.oneof(
    fc.anything(),
    jsonHeader,
    fc.record(
      { op: fc.constantFrom('list', 'hash', 'hashall', 'stat', 'download', 'udp', 'upload', 'logs', 'x'), path: fc.anything() },
      { requiredKeys: ['op'] },
    ),
  );

  it('parseRequest returns a request or throws BAD_REQUEST, for anything', () => {
    fc.assert(
      fc.property(
        anyHeader,
        fc.dictionary(
          fc.constantFrom('path', 'offset', 'identity', 'size', 'md5', 'chunkSize', 'startChunk', 'limit', 'after', 'keyword', 'ext', 'recursive'),
          fc.anything(),
        ),
        (h, extra) => {
          const header = typeof h === 'object' && h !== null && !Array.isArray(h) ? { ...h, ...extra } : h;
          const r = codedOrValue(() => parseRequest(header), [ErrorCode.BadRequest]);
          if (r !== undefined) expect(JSON.parse(JSON.stringify(r))).toEqual(r); // a request is plain JSON
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('parseRequest keeps a valid request as it was', () => {
    const path = fc.string({ maxLength: 40 });
    const req = fc.oneof(
      fc.record({ op: fc.constant('list' as const), path, recursive: fc.boolean(), hidden: fc.boolean() }),
      fc.record({ op: fc.constant('hash' as const), path, rehash: fc.boolean() }),
      fc.record({ op: fc.constant('stat' as const), path, md5: fc.boolean() }),
      fc.record({ op: fc.constant('download' as const), path, offset: fc.nat() }),
      fc.record({ op: fc.constant('upload' as const), path, size: fc.nat(), md5: fc.stringMatching(/^[0-9a-f]{32}$/) }),
      fc.record({ op: fc.constant('logs' as const), limit: fc.integer({ min: 0, max: 100_000 }) }),
    );
    fc.assert(
      fc.property(req, (r) => {
        expect(parseRequest(JSON.parse(JSON.stringify(r)))).toEqual(r);
      }),
      { numRuns: 500 },
    );
  });

  it('parseHello returns a hello or throws BAD_FRAME; parseErrorBody never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ versions: fc.anything(), client: fc.anything(), nonce: fc.anything() })), (h) => {
        const hello = codedOrValue(() => parseHello(h), [ErrorCode.BadFrame]);
        if (hello) {
          expect(hello.client.length).toBeLessThanOrEqual(100);
          expect(hello.versions.every(Number.isInteger)).toBe(true);
        }
        const e = parseErrorBody(h);
        expect(typeof e.code).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('UDP datagrams', () => {
  const session = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
  const key = randomBytes(32);

  it('decodeUdp answers any bytes with a packet or a reason, keyed or not', () => {
    fc.assert(
      fc.property(bytes(200), (buf) => {
        for (const r of [decodeUdp(buf), decodeUdp(buf, key)]) {
          if (!r.ok) expect(typeof r.reason).toBe('string');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips DATA and ACK, and any changed byte is rejected', () => {
    const data = fc.record({
      sessionId: session,
      packetNumber: fc.integer({ min: 0, max: 2 ** 53 - 1 }),
      chunk: fc.integer({ min: 0, max: 0xffffffff }),
      payload: bytes(100),
    });
    // SACK ranges are ascending, disjoint, non-empty and above the cumulative point: built from gaps and lengths.
    const ack = fc
      .record({
        sessionId: session,
        largestPacket: fc.integer({ min: -1, max: 2 ** 53 - 1 }),
        ackDelayMicros: fc.nat(),
        cumulative: fc.nat(1_000_000),
        window: fc.nat(),
        receiveBuffer: fc.nat(),
        steps: fc.array(fc.tuple(fc.nat(100), fc.integer({ min: 1, max: 100 })), { maxLength: 10 }),
      })
      .map(({ steps, ...a }) => {
        let at = a.cumulative;
        const ranges = steps.map(([gap, len]) => {
          const start = at + gap;
          at = start + len;
          return { start, end: at };
        });
        return { ...a, ranges };
      });
    fc.assert(
      fc.property(
        fc.oneof(
          data.map((d) => ({ d })),
          ack.map((a) => ({ a })),
        ),
        fc.boolean(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (p, keyed, at, x) => {
          const k = keyed ? key : undefined;
          const buf = 'd' in p ? encodeData(p.d.sessionId, p.d.packetNumber, p.d.chunk, p.d.payload, k) : encodeAck(p.a, k);
          const r = decodeUdp(buf, k);
          expect(r.ok).toBe(true);
          if (r.ok && 'd' in p) expect(r.packet).toMatchObject({ type: 'data', sessionId: p.d.sessionId, packetNumber: p.d.packetNumber, chunk: p.d.chunk });
          if (r.ok && 'a' in p)
            expect(r.packet).toMatchObject({
              type: 'ack',
              sessionId: p.a.sessionId,
              largestPacket: p.a.largestPacket,
              cumulative: p.a.cumulative,
              ranges: p.a.ranges,
            });
          // CRC-32 (and the MAC) catch any single changed byte.
          const bad = Buffer.from(buf);
          bad[at % bad.length]! ^= x;
          expect(decodeUdp(bad, k).ok).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('parseSessionId accepts exactly 16 lower-case hex digits', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (s) => {
        const id = parseSessionId(s);
        expect(id !== null).toBe(/^[0-9a-f]{16}$/.test(s));
      }),
    );
  });
});

// ---- live ----

const HELLO = encodeFrame(Kind.Hello, 0, { versions: [1], client: 'fuzz/1' });

/** One hostile frame: a valid request mutated, or noise. */
function hostileFrame(r: () => number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const id = pick([0, 1, 2, 7, 0xffffffff, Math.floor(r() * 0xffffffff)]);
  const paths = ['a.txt', '../x', '', 'sub', 'nope', '\u0000', 'x'.repeat(300), 42, null];
  const ops = ['list', 'stat', 'hash', 'hashall', 'download', 'udp', 'upload', 'logs', 'bogus', 7];
  const header: Record<string, unknown> = { op: pick(ops), path: pick(paths) };
  if (r() < 0.3) header.offset = pick([-1, 0, 1e300, 'x', 3]);
  if (r() < 0.2) header.identity = pick([{}, { size: 1 }, null, 'id']);
  if (r() < 0.2) header.size = pick([0, -5, 1e20, 3]);
  if (r() < 0.2) header.md5 = pick(['0'.repeat(32), 'zz', 5]);
  if (r() < 0.1) header.limit = pick([0, 1e9, -1]);
  let buf: Buffer;
  const mode = r();
  if (mode < 0.4) {
    buf = Buffer.from(
      encodeFrame(
        pick([Kind.Request, Kind.Request, Kind.Data, Kind.End, Kind.Cancel, Kind.Ping, Kind.Auth, Kind.Hello]),
        id,
        header,
        r() < 0.2 ? randomBytes(Math.floor(r() * 64)) : undefined,
      ),
    );
  } else if (mode < 0.8) {
    buf = Buffer.from(encodeFrame(Kind.Request, id, header));
    const flips = 1 + Math.floor(r() * 3);
    for (let i = 0; i < flips; i++) buf[Math.floor(r() * buf.length)] = Math.floor(r() * 256);
    if (r() < 0.3) buf = buf.subarray(0, Math.floor(r() * buf.length));
  } else if (mode < 0.9) {
    buf = Buffer.from(encodeFrame(Kind.Request, id, header));
    buf.writeUInt32BE(pick([0, 6, 0xffffffff, MAX_FRAME_BYTES + 1, buf.length + 100, Math.floor(r() * 0xffffffff)]), 0);
  } else {
    buf = randomBytes(Math.floor(r() * 64));
  }
  return buf;
}

describe('a live server under hostile frames', () => {
  let t: TestServer;
  const content = randomBytes(3 * 1024 * 1024 + 17);
  beforeAll(async () => {
    t = await startTestServer({ 'a.txt': 'alpha\n', 'sub/b.bin': content }, { allowUpload: true });
  });
  afterAll(() => t?.close());

  it('keeps serving a normal client correctly after thousands of random and mutated frames', async () => {
    const r = seededRandom(0xfe77);
    const codes = new Map<string, number>();
    let frames = 0;
    let connections = 0;
    const deadline = Date.now() + 5000;
    const oneConnection = () =>
      new Promise<void>((resolve) => {
        connections++;
        const socket: Socket = connect({ host: '127.0.0.1', port: t.server.port });
        const decoder = new FrameDecoder();
        const timer = setTimeout(() => socket.destroy(), 2000);
        socket.on('data', (chunk: Buffer) => {
          try {
            for (const f of decoder.push(chunk)) {
              if (f.kind === Kind.Error) {
                const code = String(f.header.code);
                codes.set(code, (codes.get(code) ?? 0) + 1);
              }
            }
          } catch {
            codes.set('undecodable answer', (codes.get('undecodable answer') ?? 0) + 1);
            socket.destroy();
          }
        });
        socket.on('error', () => {});
        socket.on('close', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.on('connect', () => {
          const parts: Buffer[] = r() < 0.85 ? [HELLO] : [];
          const n = 5 + Math.floor(r() * 40);
          for (let i = 0; i < n; i++) parts.push(hostileFrame(r));
          frames += n;
          // Some connections send everything at once, some byte-dribbled in pieces.
          socket.end(Buffer.concat(parts));
        });
      });
    const lanes = Array.from({ length: 16 }, async () => {
      while (Date.now() < deadline && frames < 15_000) await oneConnection();
    });
    await Promise.all(lanes);
    expect(frames).toBeGreaterThan(1000);
    expect(connections).toBeGreaterThan(50);
    // Every refusal was coded; garbage never made the server fail inside.
    for (const code of codes.keys()) expect(isErrorCode(code), code).toBe(true);
    expect(codes.get(ErrorCode.BadFrame) ?? 0).toBeGreaterThan(0);
    expect(codes.get(ErrorCode.BadRequest) ?? 0).toBeGreaterThan(0);
    expect(codes.has(ErrorCode.Internal), JSON.stringify([...codes])).toBe(false);

    // A normal client still gets correct answers.
    const client = await t.connect({ noCache: true });
    const names = (await client.list()).map((e) => e.path).sort();
    expect(names).toEqual(['a.txt', 'sub', 'sub/b.bin']);
    expect((await client.hash('sub/b.bin')).md5).toBe(md5(content));
    const dest = await scratchDir('ferry-fuzz-dest-');
    const d = await client.download('sub/b.bin', { dest, noCache: true });
    expect(d.verified).toBe(true);
    expect(md5(await readFile(join(dest, 'b.bin')))).toBe(md5(content));
    // No upload from the garbage landed in the share.
    await t.share.assertSentinelIntact();
    await waitFor(() => t.server.counters.requests > 0, 'the server to have counted requests');
  });
});
