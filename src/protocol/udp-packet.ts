// UDP datagram codec for downloads over UDP (see docs/protocol-udp.md).
// Pure: bytes in, typed values out. Decoders never throw: garbage, truncated
// or corrupted datagrams come back as a typed rejection the caller counts.
//
// Common header (big-endian), 16 bytes:
//   0  u16 magic 0x4659 ('FY')     4  u64 session id
//   2  u8  version (1)            12  u32 CRC-32 of every other byte
//   3  u8  type (1 DATA, 2 ACK)
// DATA (28-byte header, then the chunk's bytes):
//  16  u64 packet number (< 2^53; never reused within a session)
//  24  u32 chunk index
// ACK (41 bytes + 8 per range):
//  16  u64 largest packet number received (2^64-1 = none yet)
//  24  u32 ack delay, microseconds    28  u32 cumulative chunk
//  32  u32 window, chunks             36  u32 receive buffer, bytes
//  40  u8  range count, then count × (u32 start, u32 end): held chunks
//      [start, end) above cumulative, ascending and disjoint.
//
// The checksum is CRC-32 (IEEE, zlib's): the kernel's UDP checksum is 16 bits
// and optional, and a corrupted chunk must never reach the file. zlib's crc32
// is native and runs at several GB/s, so it costs little next to MD5.
//
// With a session key (TLS, see transport/tls.ts udpKeyFrom) every datagram
// also ends in a 16-byte tag: HMAC-SHA256 over all the bytes before it,
// truncated. The CRC still comes first, so damage is told apart from forgery.
// Whether a session has a key is agreed over TCP; the datagram does not say.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const UDP_MAGIC = 0x4659;
export const UDP_VERSION = 1;
export const UdpType = { Data: 1, Ack: 2 } as const;

export const UDP_HEADER_BYTES = 16;
export const DATA_HEADER_BYTES = 28;
export const ACK_FIXED_BYTES = 41;
/** SACK ranges per ACK: keeps an ACK under 1,100 bytes, below any path MTU we use. */
export const MAX_SACK_RANGES = 128;
/** The MAC tag that ends every datagram of a keyed session: truncated HMAC-SHA256 (128 bits). */
export const MAC_BYTES = 16;
/** Largest UDP payload over IPv4; a chunk plus header (and a MAC tag, if keyed) must fit. */
export const MAX_DATAGRAM_BYTES = 65507;
/** The same limit with or without a key, so a chunk size never depends on it. */
export const MAX_CHUNK_BYTES = MAX_DATAGRAM_BYTES - DATA_HEADER_BYTES - MAC_BYTES;
/** 60 KiB chunks on loopback (MTU 64 KiB, no fragmentation); page-aligned for writes. */
export const LOOPBACK_CHUNK_BYTES = 60 * 1024;
/** 1,400-byte chunks elsewhere: 1,428-byte datagrams (1,444 with a MAC tag) fit a 1,500 MTU over IPv6 too. */
export const NETWORK_CHUNK_BYTES = 1400;
export const MIN_CHUNK_BYTES = 64;

const NO_PACKET = 0xffffffffffffffffn;
const CRC_OFFSET = 12;

export interface DataPacket {
  type: 'data';
  sessionId: bigint;
  packetNumber: number;
  chunk: number;
  payload: Buffer; // a view into the datagram, not a copy
}

export interface SackRange {
  start: number; // first held chunk
  end: number; // one past the last held chunk
}

export interface AckPacket {
  type: 'ack';
  sessionId: bigint;
  /** Largest packet number received so far; -1 before any DATA arrived. */
  largestPacket: number;
  ackDelayMicros: number;
  /** Every chunk below this is held. */
  cumulative: number;
  /** The sender may send chunks below cumulative + window. */
  window: number;
  /** The receiver's socket buffer: a cap on bytes in flight. */
  receiveBuffer: number;
  ranges: SackRange[];
}

export type UdpPacket = DataPacket | AckPacket;
/** 'mac': intact (right CRC) but the tag is wrong: not from the key's holder. */
export type UdpReject = 'short' | 'magic' | 'version' | 'type' | 'checksum' | 'malformed' | 'mac';
export type DecodeResult = { ok: true; packet: UdpPacket } | { ok: false; reason: UdpReject };

/** Pick the chunk size for a peer: big datagrams on loopback, MTU-safe elsewhere. */
export function chooseChunkSize(host: string, override?: number): number {
  if (override !== undefined) {
    if (!Number.isInteger(override) || override < MIN_CHUNK_BYTES || override > MAX_CHUNK_BYTES) {
      throw new RangeError(`chunk size must be an integer from ${MIN_CHUNK_BYTES} to ${MAX_CHUNK_BYTES}`);
    }
    return override;
  }
  return isLoopback(host) ? LOOPBACK_CHUNK_BYTES : NETWORK_CHUNK_BYTES;
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h.startsWith('127.') || h.startsWith('::ffff:127.');
}

/** Chunks in a file of `size` bytes; the last one may be short, an empty file has none. */
export function chunkCount(size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize);
}

/**
 * How many bytes of datagrams a socket receive buffer really holds. The
 * kernel charges each datagram its buffer's true size, so a buffer that holds
 * a hundred 60 KiB datagrams holds far fewer than 8 MiB worth of 92-byte ones.
 * Linux's charge is about payload + 512 bytes (headroom, shared info),
 * rounded up to a power of two below 32 KiB, plus the skb itself; a quarter
 * is kept in reserve. (Advertising raw bytes lost 15 % of tiny datagrams.)
 */
export function usableReceiveBuffer(reportedBytes: number, datagramBytes: number): number {
  const need = datagramBytes + 512;
  const truesize = need <= 32768 ? 2 ** Math.ceil(Math.log2(need)) + 256 : need + 4096;
  return Math.floor((0.75 * reportedBytes) / truesize) * datagramBytes;
}

/**
 * Why a transfer's shape cannot go over UDP, or null if it can: chunk size in
 * range (else datagrams fail with EMSGSIZE and look like loss), chunk indices
 * within 32 bits, and a start chunk inside the file.
 */
export function transferShapeError(size: number, chunkSize: number, startChunk = 0): string | null {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_BYTES || chunkSize > MAX_CHUNK_BYTES) {
    return `chunk size must be an integer from ${MIN_CHUNK_BYTES} to ${MAX_CHUNK_BYTES}`;
  }
  if (!Number.isSafeInteger(size) || size < 0) return 'file size must be a non-negative integer';
  if (chunkCount(size, chunkSize) > 0xffffffff) return 'file has too many chunks for this chunk size';
  if (!Number.isInteger(startChunk) || startChunk < 0 || startChunk > chunkCount(size, chunkSize)) return 'start chunk is outside the file';
  return null;
}

/** Session ids travel as 16 lower-case hex digits over TCP (JSON has no 64-bit ints). */
export function parseSessionId(hex: string): bigint | null {
  return /^[0-9a-f]{16}$/.test(hex) ? BigInt('0x' + hex) : null;
}

export function formatSessionId(id: bigint): string {
  return id.toString(16).padStart(16, '0');
}

function writeHead(buf: Buffer, type: number, sessionId: bigint): void {
  buf.writeUInt16BE(UDP_MAGIC, 0);
  buf.writeUInt8(UDP_VERSION, 2);
  buf.writeUInt8(type, 3);
  buf.writeBigUInt64BE(sessionId, 4);
}

function writeU53(buf: Buffer, value: number, offset: number): void {
  buf.writeUInt32BE(Math.floor(value / 0x100000000), offset);
  buf.writeUInt32BE(value >>> 0, offset + 4);
}

/** CRC over the datagram without the CRC field; `rest` is the payload of a DATA packet. */
function checksum(head: Buffer, rest?: Buffer): number {
  let c = crc32(head.subarray(0, CRC_OFFSET));
  c = crc32(head.subarray(CRC_OFFSET + 4), c);
  return rest && rest.length > 0 ? crc32(rest, c) : c;
}

/** The MAC tag over a datagram given in parts (so a payload need not be copied). */
export function macTag(key: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest().subarray(0, MAC_BYTES);
}

/**
 * Encode a DATA header for `payload`. The payload is not copied: send
 * [header, payload] as one datagram (dgram accepts a list of buffers), or
 * [header, payload, macTag(key, header, payload)] in a keyed session.
 */
export function encodeDataHeader(sessionId: bigint, packetNumber: number, chunk: number, payload: Buffer): Buffer {
  const head = Buffer.allocUnsafe(DATA_HEADER_BYTES);
  writeHead(head, UdpType.Data, sessionId);
  writeU53(head, packetNumber, 16);
  head.writeUInt32BE(chunk, 24);
  head.writeUInt32BE(checksum(head, payload), CRC_OFFSET);
  return head;
}

/** Encode a whole DATA datagram into one buffer (tests, small chunks). */
export function encodeData(sessionId: bigint, packetNumber: number, chunk: number, payload: Buffer, key?: Buffer): Buffer {
  const head = encodeDataHeader(sessionId, packetNumber, chunk, payload);
  return Buffer.concat(key ? [head, payload, macTag(key, head, payload)] : [head, payload]);
}

/** Encode an ACK; with a key, its MAC tag is appended. */
export function encodeAck(ack: Omit<AckPacket, 'type'>, key?: Buffer): Buffer {
  const plain = encodeAckPlain(ack);
  return key ? Buffer.concat([plain, macTag(key, plain)]) : plain;
}

function encodeAckPlain(ack: Omit<AckPacket, 'type'>): Buffer {
  const count = Math.min(ack.ranges.length, MAX_SACK_RANGES);
  const buf = Buffer.allocUnsafe(ACK_FIXED_BYTES + count * 8);
  writeHead(buf, UdpType.Ack, ack.sessionId);
  if (ack.largestPacket < 0) buf.writeBigUInt64BE(NO_PACKET, 16);
  else writeU53(buf, ack.largestPacket, 16);
  buf.writeUInt32BE(Math.min(ack.ackDelayMicros, 0xffffffff), 24);
  buf.writeUInt32BE(ack.cumulative, 28);
  buf.writeUInt32BE(Math.min(ack.window, 0xffffffff), 32);
  buf.writeUInt32BE(Math.min(ack.receiveBuffer, 0xffffffff), 36);
  buf.writeUInt8(count, 40);
  for (let i = 0; i < count; i++) {
    const r = ack.ranges[i]!;
    buf.writeUInt32BE(r.start, ACK_FIXED_BYTES + i * 8);
    buf.writeUInt32BE(r.end, ACK_FIXED_BYTES + i * 8 + 4);
  }
  buf.writeUInt32BE(checksum(buf), CRC_OFFSET);
  return buf;
}

/** Read the session id without validating anything else (for demultiplexing). */
export function peekSessionId(buf: Buffer): bigint | null {
  return buf.length >= UDP_HEADER_BYTES ? buf.readBigUInt64BE(4) : null;
}

/**
 * Decode a datagram. With `key`, the last MAC_BYTES are its tag: the rest is
 * decoded (so damage still reads as 'checksum'), then the tag must match.
 */
export function decodeUdp(buf: Buffer, key?: Buffer): DecodeResult {
  if (!key) return decodeBody(buf);
  if (buf.length < UDP_HEADER_BYTES + MAC_BYTES) return { ok: false, reason: 'short' };
  const body = buf.subarray(0, buf.length - MAC_BYTES);
  const decoded = decodeBody(body);
  if (decoded.ok && !timingSafeEqual(macTag(key, body), buf.subarray(body.length))) return { ok: false, reason: 'mac' };
  return decoded;
}

function decodeBody(buf: Buffer): DecodeResult {
  if (buf.length < UDP_HEADER_BYTES) return { ok: false, reason: 'short' };
  if (buf.readUInt16BE(0) !== UDP_MAGIC) return { ok: false, reason: 'magic' };
  if (buf.readUInt8(2) !== UDP_VERSION) return { ok: false, reason: 'version' };
  const type = buf.readUInt8(3);
  const sessionId = buf.readBigUInt64BE(4);
  if (type === UdpType.Data) {
    if (buf.length < DATA_HEADER_BYTES) return { ok: false, reason: 'short' };
    const head = buf.subarray(0, DATA_HEADER_BYTES);
    const payload = buf.subarray(DATA_HEADER_BYTES);
    if (checksum(head, payload) !== buf.readUInt32BE(CRC_OFFSET)) return { ok: false, reason: 'checksum' };
    const hi = buf.readUInt32BE(16);
    if (hi > 0x1fffff) return { ok: false, reason: 'malformed' };
    const packetNumber = hi * 0x100000000 + buf.readUInt32BE(20);
    return { ok: true, packet: { type: 'data', sessionId, packetNumber, chunk: buf.readUInt32BE(24), payload } };
  }
  if (type !== UdpType.Ack) return { ok: false, reason: 'type' };
  if (buf.length < ACK_FIXED_BYTES) return { ok: false, reason: 'short' };
  const count = buf.readUInt8(40);
  if (count > MAX_SACK_RANGES || buf.length !== ACK_FIXED_BYTES + count * 8) return { ok: false, reason: 'malformed' };
  if (checksum(buf) !== buf.readUInt32BE(CRC_OFFSET)) return { ok: false, reason: 'checksum' };
  let largestPacket = -1;
  if (buf.readBigUInt64BE(16) !== NO_PACKET) {
    const hi = buf.readUInt32BE(16);
    if (hi > 0x1fffff) return { ok: false, reason: 'malformed' };
    largestPacket = hi * 0x100000000 + buf.readUInt32BE(20);
  }
  const cumulative = buf.readUInt32BE(28);
  const ranges: SackRange[] = [];
  let floor = cumulative;
  for (let i = 0; i < count; i++) {
    const start = buf.readUInt32BE(ACK_FIXED_BYTES + i * 8);
    const end = buf.readUInt32BE(ACK_FIXED_BYTES + i * 8 + 4);
    // Ranges must be ascending, disjoint, non-empty and above the cumulative point.
    if (start < floor || end <= start) return { ok: false, reason: 'malformed' };
    ranges.push({ start, end });
    floor = end;
  }
  return {
    ok: true,
    packet: {
      type: 'ack',
      sessionId,
      largestPacket,
      ackDelayMicros: buf.readUInt32BE(24),
      cumulative,
      window: buf.readUInt32BE(32),
      receiveBuffer: buf.readUInt32BE(36),
      ranges,
    },
  };
}
