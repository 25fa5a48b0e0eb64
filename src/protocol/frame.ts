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
   * True when the payload's memory belongs to this frame alone (large frames),
   * so a consumer may transfer it to a worker instead of copying. False when
   * it shares the pooled memory of small buffers.
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

/** Frame bodies at least this large get memory of their own (and may be transferred). */
const OWNED_BODY_BYTES = 64 * 1024;

/** A growing body starts this small and doubles as bytes arrive (see FrameDecoder's `grow`). */
const GROW_START_BYTES = 64 * 1024;

export interface FrameDecoderOptions {
  /**
   * Size large bodies by the bytes that have arrived instead of the declared
   * length: start small and double. The server sets this, so a peer that
   * declares 4 MiB and sends a few bytes costs a few bytes, and one that sends
   * all but one byte costs at most twice what it sent. The client leaves it
   * off: its 1 MiB DATA frames come from a server it chose, and each is then
   * allocated once (from its recycling `allocate`) and never copied again.
   */
  grow?: boolean;
}

/**
 * Incremental decoder: push() chunks as they arrive, get back whole frames.
 * Throws FerryError(BAD_FRAME) on anything malformed; after that the stream
 * cannot be resynchronised and the connection must be closed.
 *
 * Bytes are copied out of each chunk into the frame they belong to, once, and
 * no chunk is kept after push() returns: the caller may reuse its read buffer
 * (the client reads sockets into one fixed buffer), and large payloads own
 * their memory so they can be moved to a worker thread without another copy.
 */
export class FrameDecoder {
  private readonly prefix = Buffer.alloc(4);
  private prefixHave = 0;
  private body: Buffer | null = null; // the frame being filled, once its length is known
  private bodyLength = 0; // its declared length (body may be smaller while growing)
  private bodyHave = 0;
  private failed = false;
  private readonly grow: boolean;

  /**
   * `allocate` supplies memory for large frame bodies (a consumer that hands
   * payloads back when done can recycle them instead of allocating ~1 MiB per
   * frame); it must return a buffer of exactly the size asked for whose memory
   * nothing else uses. `maxFrameBytes` may be changed between pushes (the
   * server raises it once a peer has authenticated).
   */
  constructor(
    public maxFrameBytes = MAX_FRAME_BYTES,
    private readonly allocate: (bytes: number) => Buffer = (bytes) => Buffer.allocUnsafeSlow(bytes),
    options: FrameDecoderOptions = {},
  ) {
    this.grow = options.grow ?? false;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get pending(): number {
    return this.prefixHave + this.bodyHave;
  }

  /** Bytes of memory held for the frame being filled (its buffer's size). */
  get reserved(): number {
    return this.body?.length ?? 0;
  }

  push(chunk: Buffer): Frame[] {
    if (this.failed) throw new FerryError(ErrorCode.BadFrame, 'decoder already failed');
    const out: Frame[] = [];
    let at = 0;
    try {
      while (at < chunk.length) {
        if (this.body === null) {
          const n = Math.min(4 - this.prefixHave, chunk.length - at);
          chunk.copy(this.prefix, this.prefixHave, at, at + n);
          this.prefixHave += n;
          at += n;
          if (this.prefixHave < 4) break;
          const len = this.prefix.readUInt32BE(0);
          if (len < FRAME_PREFIX_BYTES - 4) throw new FerryError(ErrorCode.BadFrame, `frame length ${len} is shorter than a frame header`);
          if (len > this.maxFrameBytes) throw new FerryError(ErrorCode.BadFrame, `frame length ${len} exceeds the limit of ${this.maxFrameBytes}`);
          this.bodyLength = len;
          this.body = this.bodyBuffer(this.grow ? Math.min(len, Math.max(GROW_START_BYTES, chunk.length - at)) : len);
          this.bodyHave = 0;
          this.prefixHave = 0;
        }
        const n = Math.min(this.bodyLength - this.bodyHave, chunk.length - at);
        if (this.bodyHave + n > this.body.length) this.enlarge(this.bodyHave + n);
        chunk.copy(this.body, this.bodyHave, at, at + n);
        this.bodyHave += n;
        at += n;
        if (this.bodyHave === this.bodyLength) {
          const body = this.body;
          this.body = null;
          this.bodyHave = 0;
          out.push(decodeBody(body, body.length >= OWNED_BODY_BYTES));
        }
      }
    } catch (err) {
      this.failed = true;
      this.body = null;
      throw err;
    }
    return out;
  }

  /**
   * Where the next read from the socket may put its bytes itself: the rest of
   * the body being filled, when at least `min` bytes of it remain (undefined
   * otherwise: read into a buffer of your own and push() it). Saves the copy
   * out of the read buffer, which was a tenth of a download's receiving
   * thread. Not while bodies grow: their memory follows what arrived.
   */
  readTarget(min: number): Buffer | undefined {
    if (this.body === null || this.failed || this.grow) return undefined;
    const rest = this.bodyLength - this.bodyHave;
    return rest >= min ? this.body.subarray(this.bodyHave, this.bodyLength) : undefined;
  }

  /** `n` bytes were read into the buffer readTarget() gave: the frame, once that completes it. */
  filled(n: number): Frame[] {
    if (this.body === null || this.failed || n > this.bodyLength - this.bodyHave) {
      this.failed = true;
      throw new FerryError(ErrorCode.BadFrame, 'bytes read into a frame that was not being filled');
    }
    this.bodyHave += n;
    if (this.bodyHave < this.bodyLength) return [];
    const body = this.body;
    this.body = null;
    this.bodyHave = 0;
    try {
      return [decodeBody(body, body.length >= OWNED_BODY_BYTES)];
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }

  /**
   * Memory for `bytes` of the current frame. Large bodies never come from the
   * shared pool: a transferred payload detaches its whole ArrayBuffer.
   */
  private bodyBuffer(bytes: number): Buffer {
    return this.bodyLength >= OWNED_BODY_BYTES ? this.allocate(bytes) : Buffer.allocUnsafe(bytes);
  }

  /** Double the growing body until `need` fits, capped at the declared length. */
  private enlarge(need: number): void {
    let size = this.body!.length;
    while (size < need) size *= 2;
    const bigger = this.bodyBuffer(Math.min(size, this.bodyLength));
    this.body!.copy(bigger, 0, 0, this.bodyHave);
    this.body = bigger;
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
