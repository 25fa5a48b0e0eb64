// RTT estimation, AIMD congestion window and pacing for UDP downloads,
// after RFC 9002 sections 5 and 7. Pure: times are milliseconds passed in.

/** Timer granularity (RFC 9002 kGranularity); Node timers are no finer than 1 ms. */
export const GRANULARITY_MS = 1;

export class RttEstimator {
  latest = 0;
  smoothed: number;
  variance: number;
  min = Infinity;
  hasSample = false;

  constructor(initialRttMs: number) {
    this.smoothed = initialRttMs;
    this.variance = initialRttMs / 2;
  }

  /** RFC 9002 §5.3; `ackDelay` is what the receiver says it held the ACK back. */
  update(sample: number, ackDelay: number, maxAckDelay: number): void {
    if (!(sample >= 0)) return;
    this.latest = sample;
    this.min = Math.min(this.min, sample);
    if (!this.hasSample) {
      this.hasSample = true;
      this.smoothed = sample;
      this.variance = sample / 2;
      return;
    }
    // Subtract the ack delay only when what remains is still at least min RTT.
    const delay = Math.min(ackDelay, maxAckDelay);
    const adjusted = sample >= this.min + delay ? sample - delay : sample;
    this.variance = 0.75 * this.variance + 0.25 * Math.abs(this.smoothed - adjusted);
    this.smoothed = 0.875 * this.smoothed + 0.125 * adjusted;
  }

  /** Probe timeout before backoff (RFC 9002 §6.2.1). */
  pto(maxAckDelay: number): number {
    return this.smoothed + Math.max(4 * this.variance, GRANULARITY_MS) + maxAckDelay;
  }

  /** Time threshold for loss: `factor` (9/8 by default) of the larger of smoothed and latest RTT (§6.1.2). */
  lossDelay(factor = 9 / 8): number {
    return Math.max(factor * Math.max(this.smoothed, this.latest), GRANULARITY_MS);
  }
}

export interface CongestionOptions {
  datagramBytes: number;
  initialWindowPackets?: number;
  minWindowPackets?: number;
  /**
   * Multiplicative decrease. RFC 9002 uses 0.5; we default to 0.7 (as CUBIC
   * does) because random loss on a lossy link is not always congestion, and
   * halving on every such loss costs more than half the goodput at 5 % loss.
   */
  beta?: number;
}

/** NewReno-style AIMD window in bytes, with one reduction per recovery period. */
export class CongestionWindow {
  readonly datagramBytes: number;
  readonly minWindow: number;
  private readonly beta: number;
  window: number;
  ssthresh = Infinity;
  bytesInFlight = 0;
  /** Packets sent before this time belong to the current recovery period. */
  private recoveryStart = -Infinity;
  /** Upper bound from the receiver (socket buffer) and our own memory limit. */
  cap = Infinity;

  constructor(options: CongestionOptions) {
    this.datagramBytes = options.datagramBytes;
    this.minWindow = (options.minWindowPackets ?? 2) * options.datagramBytes;
    this.window = Math.max(this.minWindow, (options.initialWindowPackets ?? 10) * options.datagramBytes);
    this.beta = options.beta ?? 0.7;
  }

  /** The window actually in force: never above the cap, never below one datagram. */
  get effective(): number {
    return Math.max(this.datagramBytes, Math.min(this.window, this.cap));
  }

  canSend(bytes: number): boolean {
    // A window smaller than one datagram must still let one datagram out.
    return this.bytesInFlight === 0 || this.bytesInFlight + bytes <= this.effective;
  }

  onSent(bytes: number): void {
    this.bytesInFlight += bytes;
  }

  /** Bytes left the network without being acknowledged or lost (superseded by a probe). */
  onForgotten(bytes: number): void {
    this.bytesInFlight = Math.max(0, this.bytesInFlight - bytes);
  }

  onAcked(bytes: number, timeSent: number): void {
    this.bytesInFlight = Math.max(0, this.bytesInFlight - bytes);
    if (timeSent <= this.recoveryStart) return; // no growth during recovery
    if (this.window < this.ssthresh) this.window += bytes;
    else this.window += (this.datagramBytes * bytes) / this.window;
    // Growing past the cap would only make the next decrease start from a fiction.
    if (this.window > this.cap) this.window = Math.max(this.cap, this.minWindow);
  }

  onLost(bytes: number): void {
    this.bytesInFlight = Math.max(0, this.bytesInFlight - bytes);
  }

  /** A loss was detected; `timeSent` is when the newest lost packet left. */
  onCongestionEvent(timeSent: number, now: number): boolean {
    if (timeSent <= this.recoveryStart) return false; // already reduced for this round
    this.recoveryStart = now;
    this.ssthresh = Math.max(Math.min(this.window, this.cap) * this.beta, this.minWindow);
    this.window = this.ssthresh;
    return true;
  }

  /** Persistent congestion (RFC 9002 §7.6): start again from the minimum window. */
  onPersistentCongestion(): void {
    this.window = this.minWindow;
    this.recoveryStart = -Infinity;
  }
}

/** A round's loss fraction at or below this is never taken for congestion (as BBRv2's 2 %). */
export const LOSS_TOLERANCE = 0.02;
/**
 * A round is congested when it loses more than this many times the path's
 * own loss fraction... Twice was measured too: at 5 % loss a round of 32 then
 * loses more than 10 % one time in 14, and the window kept falling back to
 * 1-2 MB of its 5.7 MB cap (bench, loopback: 0.64x the clean goodput against
 * 0.76x with three times). The price: on a path that loses at random and also
 * has a bottleneck queue of its own, the window backs off later (simulated
 * with 5 % loss and a half-MiB queue: 6.6 % of datagrams die in the queue,
 * 4.9 % with twice).
 */
export const LOSS_EXCESS = 3;
/** ...and more than this, however lossy the path: beyond it a sender is the problem, whatever the cause. */
export const MAX_LOSS_TOLERANCE = 0.15;
/**
 * Rounds shorter than this many packets are merged with the next: at 5 % loss
 * more than 15 % of 16 packets are lost one round in 23, of 32 one in 49.
 */
export const MIN_ROUND_PACKETS = 32;
/**
 * Packets sent after a decrease that make one sample of the path's loss. Few,
 * so that the window has not yet grown back into congestion; the record of
 * several samples makes up for their size.
 */
export const SAMPLE_PACKETS = 16;
/** How much of the path's loss record each new sample replaces: the record spans about the last four. */
const BASELINE_GAIN = 1 / 4;

/**
 * Tells random loss from congestion, one round trip at a time.
 *
 * A window that shrinks on every loss cannot survive random loss: at 5 %
 * a packet is lost every 20, so even one decrease per round trip (×0.7,
 * then one datagram more per round trip) settles near
 * sqrt(2 / ((1 + β)(1 − β)p)), about 9 datagrams, whatever the path could
 * carry. What tells the two apart is that random loss does not care about
 * the window, while congestion loss stops once the window shrinks. So the
 * loss fraction of the packets sent after each decrease (by then the excess
 * has gone) is the path's own: the baseline. A round is congested when it
 * loses more than LOSS_EXCESS times that, and more than LOSS_TOLERANCE, and
 * always beyond MAX_LOSS_TOLERANCE. On a path that loses only to congestion
 * the baseline is near zero and the window backs off at 2 %.
 *
 * A round begins with the next packet sent and ends once that packet (or a
 * later one) is acknowledged and at least MIN_ROUND_PACKETS were counted,
 * or as soon as it has lost more than the threshold allows a round of the
 * last one's length. Losses and deliveries count in the round in which they
 * are learnt; for the baseline, only the first SAMPLE_PACKETS sent after the
 * decrease count.
 */
export class LossRounds {
  /** The path's own loss fraction, as measured after decreases. */
  baseline = 0;
  private delivered = 0;
  private lost = 0;
  /** When the newest packet lost in this round was sent. */
  private newestLostTime = -Infinity;
  /** The round ends once a packet numbered at least this is acknowledged. */
  private endPacket = 0;
  /** Packets this round should count: as many as were sent during the last one. */
  private expected = MIN_ROUND_PACKETS;
  /** After a decrease: packets sent from this time on are counted into a sample of the path's loss. */
  private sampleSince = Infinity;
  private sampleDelivered = 0;
  private sampleLost = 0;
  /** The decaying sums of sampled losses and packets whose ratio is the baseline. */
  private recordLost = 0;
  private recordPackets = 0;

  onDelivered(timeSent: number): void {
    this.delivered++;
    if (timeSent >= this.sampleSince) this.sampleDelivered++;
  }

  onLost(timeSent: number): void {
    this.lost++;
    this.newestLostTime = Math.max(this.newestLostTime, timeSent);
    if (timeSent >= this.sampleSince) this.sampleLost++;
  }

  /** The fraction beyond which a round counts as congested. */
  get threshold(): number {
    return Math.min(MAX_LOSS_TOLERANCE, Math.max(LOSS_TOLERANCE, LOSS_EXCESS * this.baseline));
  }

  /**
   * After an ACK: `largestAcked` is its largest packet, `nextPacket` the
   * number the next packet sent will get. When a round ends and it was
   * congested, returns when its newest lost packet was sent (for the window's
   * once-per-round-trip rule), and the caller shrinks the window; otherwise null.
   */
  endRound(largestAcked: number, nextPacket: number, now: number): number | null {
    // A round that has already lost more than the whole round may is congested now:
    // waiting for its end would only let the excess go on overflowing a queue.
    const early = this.lost > this.threshold * Math.max(this.expected, this.delivered + this.lost);
    if (!early && (largestAcked < this.endPacket || this.delivered + this.lost < MIN_ROUND_PACKETS)) return null;
    const fraction = this.lost / (this.delivered + this.lost);
    const congested = early || fraction > this.threshold;
    const newest = this.newestLostTime;
    const sampled = this.sampleDelivered + this.sampleLost;
    if (sampled >= SAMPLE_PACKETS) {
      // Counts, not fractions, are averaged: one sample of 20 packets says 0 % or 5 %, several say 2.5 %.
      this.recordLost = this.recordLost * (1 - BASELINE_GAIN) + this.sampleLost;
      this.recordPackets = this.recordPackets * (1 - BASELINE_GAIN) + sampled;
      this.baseline = this.recordLost / this.recordPackets;
      this.sampleSince = Infinity;
      this.sampleDelivered = 0;
      this.sampleLost = 0;
    }
    if (congested) {
      this.sampleSince = now;
      this.sampleDelivered = 0;
      this.sampleLost = 0;
    }
    this.delivered = 0;
    this.lost = 0;
    this.newestLostTime = -Infinity;
    this.expected = Math.max(MIN_ROUND_PACKETS, nextPacket - this.endPacket);
    this.endPacket = nextPacket;
    return congested ? newest : null;
  }
}

/**
 * Token-bucket pacer (RFC 9002 §7.7): rate = 1.25 × window / smoothed RTT.
 * The bucket holds at least a millisecond of sending, because the driver's
 * timers cannot wake it up more often than that.
 */
export class Pacer {
  private tokens: number;
  private last = -Infinity;
  private rate = 0; // bytes per millisecond

  constructor(private readonly datagramBytes: number) {
    this.tokens = 10 * datagramBytes;
  }

  private capacity(): number {
    return Math.max(10 * this.datagramBytes, this.rate * 2 * GRANULARITY_MS);
  }

  setRate(window: number, smoothedRtt: number): void {
    this.rate = (1.25 * window) / Math.max(smoothedRtt, 0.05);
  }

  private refill(now: number): void {
    if (this.last !== -Infinity) this.tokens = Math.min(this.capacity(), this.tokens + (now - this.last) * this.rate);
    this.last = now;
  }

  canSend(now: number, bytes: number): boolean {
    this.refill(now);
    // Half a byte of slack: refilling by rate × elapsed loses bits to rounding,
    // and a wake-up exactly at nextSendTime() must find enough tokens.
    return this.tokens >= bytes - 0.5;
  }

  consume(bytes: number): void {
    this.tokens -= bytes;
  }

  /** When enough tokens for `bytes` will have accumulated. */
  nextSendTime(now: number, bytes: number): number {
    this.refill(now);
    if (this.tokens >= bytes - 0.5 || this.rate <= 0) return now;
    return now + (bytes - this.tokens) / this.rate;
  }
}
