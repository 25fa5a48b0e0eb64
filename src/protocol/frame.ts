// The frame codec. Pure: bytes in, frames out; no sockets, no timers.
//
// Wire layout (all integers big-endian):
//   u32 length   bytes that follow this field (7 + headerLength + payload)
//   u8  kind     see Kind
//   u32 id       request id; 0 for connection-level frames
//   u16 hlen     header length
//   hlen bytes   header: a UTF-8 JSON object (may be empty: hlen 0 means {})
//   rest         payload: raw bytes (DATA frames)

import { ErrorCode, FerryError } from './errors.js';
import { FRAME_PREFIX_BYTES, MAX_FRAME_BYTES, MAX_HEADER_BYTES, MAX_PAYLOAD_BYTES } from './limits.js';
import { KIND_VALUES } from './messages.js';

export interface Frame {
  kind: number;
  id: number;
  header: Record<string, unknown>;
  payload: Buffer;
  /**
   * True when the payload's memory belongs to this frame alone (the decoder
   * assembled it from several reads), so a consumer may transfer it to a
   * worker instead of copying. False when it is a view into a socket read
   * that other frames may share.
   */
  ownsPayload: boolean;
}

const EMPTY = Buffer.alloc(0);

/**
 * Encode one frame. The payload is not copied: the result is the prefix and
 * header in one buffer plus the payload, so a 1 MiB DATA frame costs no memcpy.
 */
export function encodeFrameParts(kind: number, id: number, header?: object, payload: Buffer = EMPTY): [Buffer, Buffer] {
  const json = header && Object.keys(header).length > 0 ? Buffer.from(JSON.stringify(header), 'utf8') : EMPTY;
  if (json.length > MAX_HEADER_BYTES) throw new FerryError(ErrorCode.TooLarge, `frame header of ${json.length} bytes exceeds ${MAX_HEADER_BYTES}`);
  if (payload.length > MAX_PAYLOAD_BYTES) throw new FerryError(ErrorCode.TooLarge, `frame payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new FerryError(ErrorCode.BadFrame, `bad request id ${id}`);
  const head = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + json.length);
  head.writeUInt32BE(FRAME_PREFIX_BYTES - 4 + json.length + payload.length, 0);
  head.writeUInt8(kind, 4);
  head.writeUInt32BE(id, 5);
  head.writeUInt16BE(json.length, 9);
  json.copy(head, FRAME_PREFIX_BYTES);
  return [head, payload];
}

/** Encode one frame into a single buffer (handy for tests and small frames). */
export function encodeFrame(kind: number, id: number, header?: object, payload: Buffer = EMPTY): Buffer {
  const [head, body] = encodeFrameParts(kind, id, header, payload);
  return body.length === 0 ? head : Buffer.concat([head, body]);
}

/**
 * Incremental decoder: push() chunks as they arrive, get back whole frames.
 * Throws FerryError(BAD_FRAME) on anything malformed; after that the stream
 * cannot be resynchronised and the connection must be closed.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = 4; // bytes wanted for the current step
  private frameLength = -1; // -1 while reading the length prefix
  private failed = false;

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  /** Bytes held while waiting for the rest of a frame. */
  get pending(): number {
    return this.buffered;
  }

  push(chunk: Buffer): Frame[] {
    if (this.failed) throw new FerryError(ErrorCode.BadFrame, 'decoder already failed');
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: Frame[] = [];
    try {
      while (this.buffered >= this.need) {
        if (this.frameLength < 0) {
          const len = this.take(4).readUInt32BE(0);
          if (len < FRAME_PREFIX_BYTES - 4) throw new FerryError(ErrorCode.BadFrame, `frame length ${len} is shorter than a frame header`);
          if (len > this.maxFrameBytes) throw new FerryError(ErrorCode.BadFrame, `frame length ${len} exceeds the limit of ${this.maxFrameBytes}`);
          this.frameLength = len;
          this.need = len;
        } else {
          const before = this.chunks[0]!.length;
          const body = this.take(this.frameLength);
          out.push(decodeBody(body, before < this.frameLength));
          this.frameLength = -1;
          this.need = 4;
        }
      }
    } catch (err) {
      this.failed = true;
      throw err;
    }
    return out;
  }

  /** Remove exactly n bytes from the front of the buffered chunks. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    // Never from the shared pool: an assembled payload may be transferred to a
    // worker, which detaches its whole ArrayBuffer.
    const out = Buffer.allocUnsafeSlow(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const used = Math.min(c.length, n - off);
      c.copy(out, off, 0, used);
      off += used;
      if (used === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(used);
    }
    return out;
  }
}

function decodeBody(body: Buffer, owned: boolean): Frame {
  const kind = body.readUInt8(0);
  if (!KIND_VALUES.has(kind)) throw new FerryError(ErrorCode.BadFrame, `unknown frame kind ${kind}`);
  const id = body.readUInt32BE(1);
  const hlen = body.readUInt16BE(5);
  const headerEnd = 7 + hlen;
  if (headerEnd > body.length) throw new FerryError(ErrorCode.BadFrame, `header length ${hlen} runs past the end of the frame`);
  if (body.length - headerEnd > MAX_PAYLOAD_BYTES) throw new FerryError(ErrorCode.BadFrame, 'frame payload exceeds the limit');
  let header: Record<string, unknown> = {};
  if (hlen > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8', 7, headerEnd));
    } catch {
      throw new FerryError(ErrorCode.BadFrame, 'frame header is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new FerryError(ErrorCode.BadFrame, 'frame header must be a JSON object');
    }
    header = parsed as Record<string, unknown>;
  }
  return { kind, id, header, payload: body.subarray(headerEnd), ownsPayload: owned };
}
