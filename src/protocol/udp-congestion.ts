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

  /** Time threshold for loss: 9/8 of the larger of smoothed and latest RTT (§6.1.2). */
  lossDelay(): number {
    return Math.max((9 / 8) * Math.max(this.smoothed, this.latest), GRANULARITY_MS);
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
