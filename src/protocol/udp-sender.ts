// The sending half of a UDP download as a pure state machine: the driver
// passes in ACKs and the time, and carries out the actions it gets back.
// Loss detection follows RFC 9002 §6 (packet threshold 3, time threshold
// 9/8 RTT, probe timeout with exponential backoff); duplicate ACKs alone
// never cause a retransmission. Sending is limited by the AIMD window, the
// pacer, the receiver's advertised window and its socket buffer. The window
// shrinks for congestion, not for every loss: LossRounds (udp-congestion.ts)
// tells the two apart a round trip at a time.

import { CongestionWindow, GRANULARITY_MS, LossRounds, Pacer, RttEstimator } from './udp-congestion.js';
import { IntervalSet } from './udp-intervals.js';
import { SentLedger } from './udp-ledger.js';
import { type AckPacket, DATA_HEADER_BYTES, chunkCount } from './udp-packet.js';

/** RFC 9002's packet threshold: where reordering detection starts. */
export const PACKET_THRESHOLD = 3;
/** How far the threshold may grow when reordering fooled it (RFC 9002 §6.1.1 allows adapting). */
export const MAX_PACKET_THRESHOLD = 64;
/** The longest the probe timeout backs off to. */
export const MAX_PROBE_INTERVAL_MS = 2000;
/**
 * The backed-off probe interval is also capped at this fraction of the idle
 * timeout, so that a lossy path gets many tries before the transfer gives up.
 * A probe round trip fails when the probe or its ACK is lost: half the time at
 * 30 % loss each way. A 2 s cap left room for only six probes in a 5 s idle
 * timeout, so about one stall in 60 ended the transfer; now some 17 fit.
 */
export const PROBES_PER_IDLE_TIMEOUT = 16;
/** Datagrams per probe (RFC 9002 §6.2.4 allows two); a lone chunk is sent twice. */
export const PROBE_DATAGRAMS = 2;
/** RFC 9002's time threshold, in round trips... */
export const TIME_THRESHOLD = 9 / 8;
/** ...and how far it may grow, an eighth per loss disproved (§6.1.2 allows adapting it, as RACK does). */
export const MAX_TIME_THRESHOLD = 2;
/** Persistent congestion: losses spanning this many probe timeouts, nothing acknowledged between (RFC 9002 §7.6.1). */
export const PERSISTENT_CONGESTION_THRESHOLD = 3;

export interface UdpSenderOptions {
  size: number;
  chunkSize: number;
  /** Chunks below this are already held by the receiver (resume). */
  startChunk?: number;
  /** RTT assumed until the first sample (e.g. measured over TCP). */
  initialRttMs?: number;
  /** The longest the receiver holds back an ACK; part of the probe timeout. */
  maxAckDelayMs?: number;
  /** Give up after this long without the receiver acknowledging anything new. */
  idleTimeoutMs?: number;
  /** Datagrams handed out per poll, so ACKs get processed between bursts. */
  maxBurst?: number;
  /**
   * Our own limit on memory held for retransmission: on bytes in flight, and
   * on the span from the oldest unacknowledged chunk to the newest sent (a
   * receiver that never acknowledges one chunk keeps the whole span held).
   */
  maxWindowBytes?: number;
  beta?: number;
}

export type SenderAction =
  | { type: 'send'; chunk: number; packetNumber: number; retransmit: boolean }
  | { type: 'timer'; at: number }
  | { type: 'done' }
  | { type: 'fail'; reason: string };

export interface UdpSenderStats {
  datagramsSent: number;
  datagramsRetransmitted: number;
  packetsLost: number;
  probes: number;
  bytesSent: number;
  /** Losses later disproved (the original arrived): reordering, not loss. */
  spuriousLosses: number;
  packetThreshold: number;
  /** The time threshold, in round trips (9/8, raised by losses disproved). */
  timeThreshold: number;
  smoothedRttMs: number;
  windowBytes: number;
}

// Chunk states.
const UNSENT = 0;
const IN_FLIGHT = 1;
const LOST = 2;
const ACKED = 3;

export class UdpSender {
  readonly totalChunks: number;
  private readonly chunkSize: number;
  private readonly size: number;
  private readonly maxAckDelay: number;
  private readonly idleTimeout: number;
  private readonly maxProbeInterval: number;
  private readonly maxBurst: number;
  private readonly maxWindowBytes: number;
  /** maxWindowBytes in chunks: how far new data may run ahead of the oldest unacknowledged chunk. */
  private readonly maxSpanChunks: number;
  private readonly state: Uint8Array;
  /**
   * The packet currently carrying each in-flight chunk. A map, not an array
   * per chunk: only a window's worth is ever in flight, and a 10 GiB file in
   * 1,400-byte chunks would otherwise cost 60 MB per session here.
   */
  private readonly carrier = new Map<number, number>();
  private readonly sent = new SentLedger();
  /** Every SACK range heard so far, above the acknowledged prefix. */
  private readonly sacked = new IntervalSet();
  private nextNew: number;
  private retransmitQueue: number[] = [];
  private rqHead = 0;
  private ackedBelow: number; // every chunk below this is acked
  private largestAcked = -1;
  private peerCumulative: number;
  private peerWindow = 0;
  private lossTime = Infinity;
  private ptoCount = 0;
  private lastAckElicitingTime = -Infinity;
  private lastProgress: number;
  private started = false;
  private finished: 'done' | 'fail' | null = null;
  private readonly rtt: RttEstimator;
  private readonly cc: CongestionWindow;
  private readonly pacer: Pacer;
  private readonly rounds = new LossRounds();
  private packetThreshold = PACKET_THRESHOLD;
  private timeThreshold = TIME_THRESHOLD;
  readonly stats: UdpSenderStats = {
    datagramsSent: 0,
    datagramsRetransmitted: 0,
    packetsLost: 0,
    probes: 0,
    bytesSent: 0,
    spuriousLosses: 0,
    packetThreshold: PACKET_THRESHOLD,
    timeThreshold: TIME_THRESHOLD,
    smoothedRttMs: 0,
    windowBytes: 0,
  };

  constructor(options: UdpSenderOptions, now: number) {
    this.size = options.size;
    this.chunkSize = options.chunkSize;
    this.totalChunks = chunkCount(options.size, options.chunkSize);
    const start = Math.min(options.startChunk ?? 0, this.totalChunks);
    this.maxAckDelay = options.maxAckDelayMs ?? 5;
    this.idleTimeout = options.idleTimeoutMs ?? 15_000;
    this.maxProbeInterval = Math.min(MAX_PROBE_INTERVAL_MS, this.idleTimeout / PROBES_PER_IDLE_TIMEOUT);
    this.maxBurst = options.maxBurst ?? 64;
    this.maxWindowBytes = options.maxWindowBytes ?? 64 * 1024 * 1024;
    this.maxSpanChunks = Math.max(1, Math.floor(this.maxWindowBytes / options.chunkSize));
    this.state = new Uint8Array(this.totalChunks);
    this.state.fill(ACKED, 0, start);
    this.nextNew = start;
    this.ackedBelow = start;
    this.peerCumulative = start;
    this.lastProgress = now;
    this.rtt = new RttEstimator(options.initialRttMs ?? 50);
    const datagramBytes = options.chunkSize + DATA_HEADER_BYTES;
    this.cc = new CongestionWindow({ datagramBytes, beta: options.beta });
    this.cc.cap = this.maxWindowBytes;
    this.pacer = new Pacer(datagramBytes);
    if (start >= this.totalChunks) this.finished = 'done';
  }

  get done(): boolean {
    return this.finished === 'done';
  }

  /** Every chunk below this has been acknowledged (used to free read buffers). */
  get acknowledgedBelow(): number {
    return this.ackedBelow;
  }

  /** The next chunk that has never been sent (used to read ahead). */
  get nextNewChunk(): number {
    return this.nextNew;
  }

  /**
   * Chunks at and above this one will not be sent before more ACKs arrive and
   * the window has grown a round trip's worth: what the driver should have
   * read from the file, so the data is ready when the window opens without
   * holding more than the window needs. Before the receiver has spoken,
   * nothing at all; then one congestion window past the next new chunk,
   * never past the receiver's window, our span limit or the end of the file.
   */
  get readAheadLimit(): number {
    if (!this.started || this.finished) return this.nextNew;
    const windowChunks = Math.ceil(this.cc.effective / (this.chunkSize + DATA_HEADER_BYTES));
    return Math.max(
      this.nextNew,
      Math.min(this.totalChunks, this.peerCumulative + this.peerWindow, this.nextNew + windowChunks, this.ackedBelow + this.maxSpanChunks),
    );
  }

  chunkBytes(chunk: number): number {
    return Math.min(this.chunkSize, this.size - chunk * this.chunkSize);
  }

  /** Feed one decoded ACK; then call poll() for what to do. */
  onAck(ack: AckPacket, now: number): void {
    if (this.finished) return;
    // An ACK for packets never sent, or for chunks beyond the file, is a lie: ignore it.
    if (ack.largestPacket >= this.sent.next || ack.cumulative > this.totalChunks) return;
    if (ack.ranges.length > 0 && ack.ranges[ack.ranges.length - 1]!.end > this.totalChunks) return;
    this.started = true;
    const fresh = ack.largestPacket >= this.largestAcked;
    if (fresh) {
      this.peerWindow = ack.window;
      if (ack.receiveBuffer > 0) this.cc.cap = Math.min(this.maxWindowBytes, ack.receiveBuffer);
    }
    this.peerCumulative = Math.max(this.peerCumulative, ack.cumulative);
    if (ack.largestPacket > this.largestAcked) {
      const rec = this.sent.get(ack.largestPacket);
      if (rec) this.rtt.update(now - rec.time, ack.ackDelayMicros / 1000, this.maxAckDelay);
      this.largestAcked = ack.largestPacket;
    }
    let newly = this.ackRange(this.ackedBelow, ack.cumulative, ack.largestPacket);
    // Only the parts of each range not reported before are walked chunk by chunk.
    for (const r of ack.ranges) this.sacked.add(r.start, r.end, (a, b) => (newly += this.ackRange(a, b, ack.largestPacket)));
    while (this.ackedBelow < this.totalChunks && this.state[this.ackedBelow] === ACKED) this.ackedBelow++;
    this.sacked.dropBelow(this.ackedBelow);
    this.detectLoss(now);
    const lostAt = this.rounds.endRound(this.largestAcked, this.sent.next, now);
    if (lostAt !== null) this.cc.onCongestionEvent(lostAt, now);
    if (newly > 0) {
      this.lastProgress = now;
      this.ptoCount = 0;
    }
    if (this.ackedBelow >= this.totalChunks) this.finished = 'done';
  }

  private ackRange(start: number, end: number, largestReceived: number): number {
    let newly = 0;
    for (let c = start; c < end; c++) {
      const s = this.state[c];
      if (s === ACKED) continue;
      if (s === LOST) this.spurious(); // declared lost, arrived before we even resent it
      let sentAt = -Infinity; // a chunk already counted lost is no sample of the path
      if (s === IN_FLIGHT) {
        const pn = this.carrier.get(c)!;
        this.carrier.delete(c);
        const rec = this.sent.get(pn);
        // The receiver holds the chunk but has not seen the resent packet yet: the first copy
        // arrived after all. (Not for probes: those resend what was never called lost.)
        if (rec?.afterLoss && pn > largestReceived) this.spurious();
        if (rec) {
          rec.acked = true;
          sentAt = rec.time;
        }
        if (rec?.inFlight) {
          rec.inFlight = false;
          this.cc.onAcked(rec.bytes, rec.time);
        }
      }
      this.rounds.onDelivered(sentAt);
      this.state[c] = ACKED;
      newly++;
    }
    return newly;
  }

  /** Reordering made us call a packet lost: tolerate more of it from now on. */
  private spurious(): void {
    this.stats.spuriousLosses++;
    this.packetThreshold = Math.min(this.packetThreshold * 2, MAX_PACKET_THRESHOLD);
    // Reordering by time (a datagram delayed past later ones) fools the time threshold, not the count.
    this.timeThreshold = Math.min(this.timeThreshold + 1 / 8, MAX_TIME_THRESHOLD);
    this.stats.timeThreshold = this.timeThreshold;
    this.stats.packetThreshold = this.packetThreshold;
  }

  /**
   * RFC 9002 §6.1: declare lost what is 3 packets or 9/8 RTT behind the
   * largest acked. Each loss counts towards its round (LossRounds decides
   * whether the window shrinks); losses spanning three probe timeouts with
   * nothing acknowledged between mean the path was dead (§7.6): the window
   * starts again from its minimum.
   */
  private detectLoss(now: number): void {
    this.lossTime = Infinity;
    if (this.largestAcked < 0) return;
    const delay = this.rtt.lossDelay(this.timeThreshold);
    const persistent = PERSISTENT_CONGESTION_THRESHOLD * (this.rtt.smoothed + Math.max(4 * this.rtt.variance, GRANULARITY_MS) + this.maxAckDelay);
    let runStart = Infinity; // when the first packet of the current run of losses was sent
    let previousLost = -1;
    let dead = false;
    this.sent.forEachInFlight(this.largestAcked, (rec, pn) => {
      if (this.largestAcked - pn >= this.packetThreshold || rec.time + delay <= now) {
        rec.inFlight = false;
        this.cc.onLost(rec.bytes);
        this.rounds.onLost(rec.time);
        this.stats.packetsLost++;
        if (previousLost < 0 || this.sent.ackedBetween(previousLost, pn)) runStart = rec.time;
        previousLost = pn;
        if (this.rtt.hasSample && rec.time - runStart >= persistent) dead = true;
        if (this.state[rec.chunk] === IN_FLIGHT && this.carrier.get(rec.chunk) === pn) {
          this.carrier.delete(rec.chunk);
          this.state[rec.chunk] = LOST;
          this.retransmitQueue.push(rec.chunk);
        }
      } else {
        this.lossTime = Math.min(this.lossTime, rec.time + delay);
      }
    });
    if (dead) {
      this.cc.onPersistentCongestion();
      this.cc.onCongestionEvent(now, now);
    }
    this.sent.trim(this.largestAcked);
  }

  private nextRetransmit(): number {
    while (this.rqHead < this.retransmitQueue.length) {
      const c = this.retransmitQueue[this.rqHead]!;
      if (this.state[c] === LOST) return c;
      this.rqHead++;
    }
    if (this.rqHead > 0) {
      this.retransmitQueue = [];
      this.rqHead = 0;
    }
    return -1;
  }

  private nextNewAllowed(): number {
    while (this.nextNew < this.totalChunks && this.state[this.nextNew] === ACKED) this.nextNew++;
    if (this.nextNew >= this.totalChunks) return -1;
    if (this.nextNew >= this.ackedBelow + this.maxSpanChunks) return -1;
    return this.nextNew < this.peerCumulative + this.peerWindow ? this.nextNew : -1;
  }

  /** Add to `out` the oldest chunks still in flight, until it holds `count`: what a probe should repeat. */
  private oldestInFlight(count: number, out: number[]): void {
    if (out.length >= count) return;
    this.sent.forEachInFlight(Infinity, (rec) => {
      if (this.state[rec.chunk] === IN_FLIGHT && !out.includes(rec.chunk)) out.push(rec.chunk);
      return out.length < count;
    });
  }

  /**
   * Send a probe: PROBE_DATAGRAMS datagrams regardless of window and pacing,
   * whose job is to get an ACK back. Chunks already declared lost go first,
   * then the oldest in flight. With fewer distinct chunks than that (the tail
   * of a transfer), the first is repeated: on a lossy path a second copy
   * nearly halves the chance that the probe round trip fails.
   */
  private probe(now: number, out: SenderAction[]): void {
    const chunks: number[] = [];
    for (let c = this.nextRetransmit(); c >= 0 && chunks.length < PROBE_DATAGRAMS; c = this.nextRetransmit()) {
      this.emit(c, now, out);
      chunks.push(c);
    }
    const resent = chunks.length;
    this.oldestInFlight(PROBE_DATAGRAMS, chunks);
    for (const c of chunks.slice(resent)) this.emit(c, now, out);
    for (let n = chunks.length; n > 0 && n < PROBE_DATAGRAMS; n++) this.emit(chunks[0]!, now, out);
  }

  private emit(chunk: number, now: number, out: SenderAction[]): void {
    const retransmit = this.state[chunk] !== UNSENT;
    const afterLoss = this.state[chunk] === LOST;
    if (this.state[chunk] === IN_FLIGHT) {
      // A probe supersedes the packet it repeats: only the newest copy counts as in flight.
      const old = this.sent.get(this.carrier.get(chunk)!);
      if (old?.inFlight) {
        old.inFlight = false;
        this.cc.onForgotten(old.bytes);
      }
    }
    const bytes = this.chunkBytes(chunk) + DATA_HEADER_BYTES;
    const pn = this.sent.add({ chunk, time: now, bytes, inFlight: true, afterLoss });
    this.carrier.set(chunk, pn);
    this.state[chunk] = IN_FLIGHT;
    if (chunk === this.nextNew) this.nextNew++;
    this.cc.onSent(bytes);
    this.pacer.consume(bytes);
    this.lastAckElicitingTime = now;
    this.stats.datagramsSent++;
    this.stats.bytesSent += bytes;
    if (retransmit) this.stats.datagramsRetransmitted++;
    out.push({ type: 'send', chunk, packetNumber: pn, retransmit });
  }

  private ptoDeadline(): number {
    if (this.cc.bytesInFlight === 0) return Infinity;
    const pto = this.rtt.pto(this.maxAckDelay);
    // Backed off, but never past the cap (nor below one unbacked-off timeout).
    const backoff = Math.min(pto * 2 ** this.ptoCount, Math.max(pto, this.maxProbeInterval));
    return this.lastAckElicitingTime + backoff;
  }

  /** Advance timers to `now` and hand out whatever may be sent now. */
  poll(now: number): SenderAction[] {
    const out: SenderAction[] = [];
    if (this.finished === 'done') return [{ type: 'done' }];
    if (this.finished === 'fail') return out;
    // The same sum as the timer below: `now - last >= t` can be false at `now = last + t`.
    if (now >= this.lastProgress + this.idleTimeout) {
      this.finished = 'fail';
      const what = this.started ? 'no chunk acknowledged' : 'no UDP packet from the client';
      return [{ type: 'fail', reason: `${what} for ${Math.round(this.idleTimeout / 1000)} s (is UDP blocked?)` }];
    }
    if (!this.started) return [{ type: 'timer', at: this.lastProgress + this.idleTimeout }];
    if (now >= this.lossTime) this.detectLoss(now);
    if (now >= this.ptoDeadline()) {
      this.ptoCount++;
      this.stats.probes++;
      this.probe(now, out);
    }
    this.pacer.setRate(this.cc.effective, this.rtt.smoothed);
    let pacedUntil = Infinity;
    while (out.length < this.maxBurst) {
      let chunk = this.nextRetransmit();
      if (chunk < 0) chunk = this.nextNewAllowed();
      if (chunk < 0) break;
      const bytes = this.chunkBytes(chunk) + DATA_HEADER_BYTES;
      if (!this.cc.canSend(bytes)) break;
      if (!this.pacer.canSend(now, bytes)) {
        pacedUntil = this.pacer.nextSendTime(now, bytes);
        break;
      }
      this.emit(chunk, now, out);
    }
    const at = out.length >= this.maxBurst ? now : Math.min(pacedUntil, this.lossTime, this.ptoDeadline(), this.lastProgress + this.idleTimeout);
    out.push({ type: 'timer', at });
    this.stats.smoothedRttMs = this.rtt.smoothed;
    this.stats.windowBytes = this.cc.effective;
    return out;
  }
}
