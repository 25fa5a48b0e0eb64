// The attackers of the "server under attack" row: plain sockets speaking just
// enough of the protocol to load the server, and no more of it than that, so
// that the bench process itself stays light (it shares the machine's cores
// with the server it measures). Each crowd spreads its connections over many
// 127.x.y.z source addresses, so a per-address cap limits it but cannot
// refuse it outright; nothing system-wide is changed.

import net from 'node:net';
import { encodeFrame } from '../../protocol/frame.js';
import { FRAME_PREFIX_BYTES, PROTOCOL_VERSION } from '../../protocol/limits.js';
import { Kind } from '../../protocol/messages.js';

/** Source address number `i` of a crowd: 127.B.x.y, `perAddress` connections each. */
export function sourceAddress(block: number, i: number, perAddress: number): string {
  const n = Math.floor(i / perAddress) + 1;
  return `127.${block}.${Math.floor(n / 250)}.${(n % 250) + 1}`;
}

export interface FrameInfo {
  kind: number;
  id: number;
  /** Parsed only for the small frames that end a request or answer HELLO. */
  header?: Record<string, unknown>;
}

const WANT_HEADER = new Set<number>([Kind.Welcome, Kind.Error, Kind.Reply, Kind.Auth, Kind.GoAway]);

/**
 * Finds frame boundaries in a byte stream without keeping the bodies: a
 * listing of 200,000 entries passes through with no more work than counting
 * its bytes.
 */
export class FrameSkipper {
  private readonly prefix = Buffer.alloc(FRAME_PREFIX_BYTES);
  private prefixFill = 0;
  private left = 0; // bytes of the current frame still to come after its prefix
  private kind = 0;
  private id = 0;
  private header: Buffer | null = null;
  private headerFill = 0;

  constructor(private readonly onFrame: (f: FrameInfo) => void) {}

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.prefixFill < FRAME_PREFIX_BYTES) {
        const n = Math.min(FRAME_PREFIX_BYTES - this.prefixFill, chunk.length - i);
        chunk.copy(this.prefix, this.prefixFill, i, i + n);
        this.prefixFill += n;
        i += n;
        if (this.prefixFill < FRAME_PREFIX_BYTES) return;
        this.left = this.prefix.readUInt32BE(0) - (FRAME_PREFIX_BYTES - 4);
        this.kind = this.prefix.readUInt8(4);
        this.id = this.prefix.readUInt32BE(5);
        const headerBytes = this.prefix.readUInt16BE(9);
        this.header = WANT_HEADER.has(this.kind) && headerBytes > 0 ? Buffer.alloc(headerBytes) : null;
        this.headerFill = 0;
        if (this.left <= 0) this.finish();
        continue;
      }
      const n = Math.min(this.left, chunk.length - i);
      if (this.header && this.headerFill < this.header.length) {
        const m = Math.min(n, this.header.length - this.headerFill);
        chunk.copy(this.header, this.headerFill, i, i + m);
        this.headerFill += m;
      }
      i += n;
      this.left -= n;
      if (this.left === 0) this.finish();
    }
  }

  private finish(): void {
    let header: Record<string, unknown> | undefined;
    if (this.header) {
      try {
        header = JSON.parse(this.header.toString('utf8')) as Record<string, unknown>;
      } catch {
        header = undefined;
      }
    }
    this.prefixFill = 0;
    this.header = null;
    this.onFrame({ kind: this.kind, id: this.id, ...(header ? { header } : {}) });
  }
}

export const helloFrame = (): Buffer => encodeFrame(Kind.Hello, 0, { versions: [PROTOCOL_VERSION], client: 'ferry-bench-attack' });
export const requestFrame = (id: number, request: Record<string, unknown>): Buffer => encodeFrame(Kind.Request, id, request);

/** Tallies of what the server did to a crowd; shared by every crowd kind. */
export interface CrowdCounts {
  /** Connections open right now, and the most at once. */
  open: number;
  peakOpen: number;
  /** Connection attempts that failed (refused, reset, timed out). */
  failedConnects: number;
  /** Connections the server closed after accepting them. */
  closedByServer: number;
  /** ERROR frames received, by code. */
  errors: Map<string, number>;
}

export interface Crowd {
  counts: CrowdCounts;
  /** Stop: destroy every socket, reconnect no more. */
  stop(): void;
  /** One line for the table: what the server did to this crowd. */
  describe(): string;
}

interface Slot {
  /** What to do once connected (send HELLO, requests...); the socket is already counted as open. */
  onOpen(socket: net.Socket): void;
  /** Reconnect after the server closes the connection or refuses it. */
  reconnect: boolean;
}

/**
 * `count` connections to host:port, each from sourceAddress(block, i, perAddress),
 * each run by `slot(i)`. A connection that fails or is closed is counted and,
 * when the slot says so, tried again a little later, as a persistent attacker would.
 */
export function crowd(
  host: string,
  port: number,
  block: number,
  count: number,
  perAddress: number,
  slot: (i: number, counts: CrowdCounts) => Slot,
  detail: () => string,
): Crowd {
  const counts: CrowdCounts = { open: 0, peakOpen: 0, failedConnects: 0, closedByServer: 0, errors: new Map() };
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const start = (i: number): void => {
    if (stopped) return;
    const s = slot(i, counts);
    const socket = net.connect({ host, port, localAddress: sourceAddress(block, i, perAddress) });
    sockets.add(socket);
    let connected = false;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      connected = true;
      counts.open++;
      counts.peakOpen = Math.max(counts.peakOpen, counts.open);
      s.onOpen(socket);
    });
    socket.on('error', () => {}); // counted on close
    socket.on('close', () => {
      sockets.delete(socket);
      if (stopped) return;
      if (connected) {
        counts.open--;
        counts.closedByServer++;
      } else {
        counts.failedConnects++;
      }
      if (s.reconnect) {
        const t = setTimeout(
          () => {
            timers.delete(t);
            start(i);
          },
          100 + Math.random() * 100,
        );
        timers.add(t);
      }
    });
  };
  for (let i = 0; i < count; i++) start(i);
  return {
    counts,
    stop: () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    describe: () => {
      const errors = [...counts.errors].map(([code, n]) => `${n}× ${code}`).join(', ');
      const parts = [
        `${counts.peakOpen} of ${count} open at most`,
        counts.closedByServer ? `${counts.closedByServer} closed by the server` : '',
        counts.failedConnects ? `${counts.failedConnects} connects failed` : '',
        errors ? `errors: ${errors}` : '',
        detail(),
      ];
      return parts.filter(Boolean).join('; ');
    },
  };
}

function noteError(counts: CrowdCounts, header: Record<string, unknown> | undefined): void {
  const code = typeof header?.code === 'string' ? header.code : 'ERROR';
  counts.errors.set(code, (counts.errors.get(code) ?? 0) + 1);
}

/** (a) Connections that never send HELLO; reconnect when closed. */
export function idleCrowd(host: string, port: number, count: number, perAddress: number): Crowd {
  return crowd(
    host,
    port,
    10,
    count,
    perAddress,
    () => ({ onOpen: () => {}, reconnect: true }),
    () => '',
  );
}

/**
 * (b) Clients that send HELLO, then `requests` downloads of `file` at once,
 * and never read another byte: whatever the server sends piles up somewhere.
 */
export function nonReadingCrowd(host: string, port: number, count: number, requests: number, file: string): Crowd {
  let sent = 0;
  return crowd(
    host,
    port,
    11,
    count,
    1,
    (_i, counts) => ({
      reconnect: false,
      onOpen: (socket) => {
        const frames = new FrameSkipper((f) => {
          if (f.kind === Kind.Error && f.id === 0) noteError(counts, f.header);
          if (f.kind !== Kind.Welcome) return;
          for (let id = 1; id <= requests; id++) socket.write(requestFrame(id, { op: 'download', path: file }));
          sent += requests;
          // From here on nothing is read: the kernel's buffers fill, then the server's.
          socket.pause();
          socket.removeListener('data', onData);
        });
        const onData = (d: Buffer) => frames.push(d);
        socket.on('data', onData);
        socket.write(helloFrame());
      },
    }),
    () => `${sent} download requests sent`,
  );
}

/**
 * (c) Clients that each keep one recursive listing of `folder` going: when
 * it ends (REPLY or ERROR) the next starts. Bytes are counted, not decoded.
 */
export function listingCrowd(host: string, port: number, count: number, folder: string): Crowd {
  let completed = 0;
  let bytes = 0;
  return crowd(
    host,
    port,
    12,
    count,
    1,
    (_i, counts) => ({
      reconnect: true,
      onOpen: (socket) => {
        let id = 0;
        const next = () => socket.write(requestFrame(++id, { op: 'list', path: folder, recursive: true }));
        const frames = new FrameSkipper((f) => {
          if (f.kind === Kind.Welcome) return next();
          if (f.kind === Kind.Reply) completed++;
          if (f.kind !== Kind.Error) {
            if (f.kind === Kind.Reply && f.id === id) next();
            return;
          }
          noteError(counts, f.header);
          // Refused (busy, too many): ask again a little later, as a persistent client would.
          if (f.id === id) setTimeout(() => socket.writable && next(), 100);
        });
        socket.on('data', (d: Buffer) => {
          bytes += d.length;
          frames.push(d);
        });
        socket.write(helloFrame());
      },
    }),
    () => `${completed} listings completed (${(bytes / 1e6).toFixed(0)} MB received)`,
  );
}
