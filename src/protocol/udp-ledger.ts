// The sender's record of packets sent, by packet number. Packet numbers are
// consecutive, so the record is an array offset by the first number still
// kept; resolved packets (acknowledged, lost or superseded) are dropped from
// the front in batches, so it holds only about a window's worth.

export interface SentPacket {
  chunk: number;
  time: number;
  bytes: number;
  /** Still counted in bytes in flight: neither acknowledged, lost nor superseded by a probe. */
  inFlight: boolean;
  /** Resent because an earlier copy was declared lost (not a probe, not new data). */
  afterLoss: boolean;
  /** Its chunk was acknowledged while this packet carried it. */
  acked?: boolean;
}

export class SentLedger {
  private sent: SentPacket[] = [];
  /** Packet number of sent[0]. */
  private base = 0;

  /** The number the next packet will get. */
  get next(): number {
    return this.base + this.sent.length;
  }

  /** Record a packet; returns its number. */
  add(packet: SentPacket): number {
    this.sent.push(packet);
    return this.next - 1;
  }

  get(pn: number): SentPacket | undefined {
    return pn >= this.base ? this.sent[pn - this.base] : undefined;
  }

  /** Visit packets still in flight with numbers below `end`, oldest first. */
  forEachInFlight(end: number, visit: (packet: SentPacket, pn: number) => boolean | void): void {
    const stop = Math.min(end, this.next) - this.base;
    for (let i = 0; i < stop; i++) {
      const p = this.sent[i]!;
      if (p.inFlight && visit(p, this.base + i) === false) return;
    }
  }

  /** Was any packet numbered strictly between `a` and `b` acknowledged? (Forgotten ones count as not.) */
  ackedBetween(a: number, b: number): boolean {
    for (let pn = Math.max(a + 1, this.base); pn < b; pn++) if (this.sent[pn - this.base]?.acked) return true;
    return false;
  }

  /** Forget resolved packets at the front below `limit`, in batches (slicing is O(n)). */
  trim(limit: number): void {
    let i = 0;
    while (i < this.sent.length && !this.sent[i]!.inFlight && this.base + i < limit) i++;
    if (i > 1024 || (i > 0 && i === this.sent.length)) {
      this.sent = this.sent.slice(i);
      this.base += i;
    }
  }
}
