import { describe, expect, it } from 'vitest';
import { LOSS_TOLERANCE, LossRounds, MAX_LOSS_TOLERANCE, MIN_ROUND_PACKETS } from '../../src/protocol/udp-congestion.js';

/**
 * Feed `packets` packets sent at `sentAt`, `lost` of them lost, then the ACK
 * of packet `largest` at `now`, when `next` is the next packet number.
 * Returns the verdict.
 */
function round(r: LossRounds, packets: number, lost: number, sentAt: number, largest: number, next: number, now: number): number | null {
  for (let i = 0; i < packets - lost; i++) r.onDelivered(sentAt);
  for (let i = 0; i < lost; i++) r.onLost(sentAt + i);
  return r.endRound(largest, next, now);
}

describe('LossRounds: random loss is not congestion', () => {
  it('calls a round congested only beyond 2 % while the path has shown no loss of its own', () => {
    const r = new LossRounds();
    expect(r.threshold).toBe(LOSS_TOLERANCE);
    expect(round(r, 100, 2, 0, 0, 100, 10)).toBeNull(); // 2 %: tolerated
    // 3 of 100: congested; the verdict says when the newest lost packet was sent.
    expect(round(r, 100, 3, 10, 100, 200, 20)).toBe(12);
  });

  it('does not end a round before its first packet is acknowledged, and judges a short one by the length of the last', () => {
    const r = new LossRounds();
    round(r, 100, 0, 0, 0, 100, 10); // the round now ends once packet 100 is acknowledged
    // One loss among the first 99: under 2 % of the round's expected 100, so the round waits for its end.
    expect(round(r, 99, 1, 10, 99, 200, 20)).toBeNull();
    expect(r.endRound(100, 200, 21)).toBeNull(); // 1 in 100: 1 %
    // After a round of 32 packets, one lost among the next 31 is already over 2 % of a round that long.
    const small = new LossRounds();
    round(small, 100, 0, 0, 0, 100, 10);
    expect(round(small, MIN_ROUND_PACKETS, 0, 10, 100, 120, 20)).toBeNull(); // ends a round of 32: the next expects 32
    for (let i = 0; i < MIN_ROUND_PACKETS - 2; i++) small.onDelivered(20);
    expect(round(small, 1, 1, 20, 120, 140, 30)).not.toBeNull(); // 1 of 31: over 2 % of 32, congested at once
  });

  it('decides at once when a round has already lost more than a whole round may', () => {
    const r = new LossRounds();
    round(r, 100, 0, 0, 0, 100, 10);
    // 3 lost before packet 100 is acknowledged: over 2 % of the 100 this round should count.
    expect(round(r, 10, 3, 10, 50, 150, 15)).toBe(12);
  });

  it('learns the path loss from packets sent after a decrease, and then tolerates it', () => {
    const r = new LossRounds();
    let t = 0;
    let next = 100;
    let congested = 0;
    // A path that loses 5 % whatever the window: the first rounds are taken for congestion,
    // each decrease is followed by a sample of the path's loss, and soon 5 % is the norm.
    for (let i = 0; i < 20; i++) {
      if (round(r, 100, 5, t, next, next + 100, t + 1) !== null) congested++;
      t += 2;
      next += 100;
    }
    expect(r.baseline).toBeCloseTo(0.05, 5);
    expect(r.threshold).toBeCloseTo(3 * 0.05, 5);
    expect(congested).toBeLessThanOrEqual(4);
    expect(round(r, 100, 14, t, next, next + 100, t + 1)).toBeNull(); // a bad round, not congestion
    // Beyond MAX_LOSS_TOLERANCE a round is congested however lossy the path.
    expect(round(r, 100, Math.round(MAX_LOSS_TOLERANCE * 100) + 1, t + 2, next + 100, next + 200, t + 3)).not.toBeNull();
  });

  it('keeps out of the baseline what was lost from packets sent before the decrease', () => {
    const r = new LossRounds();
    expect(round(r, 100, 10, 0, 0, 100, 10)).not.toBeNull(); // congestion: decrease at t = 10
    // The next round learns of losses among packets sent before t = 10 (the queue still overflowing)...
    for (let i = 0; i < 50; i++) r.onDelivered(11);
    for (let i = 0; i < 5; i++) r.onLost(9);
    for (let i = 0; i < 45; i++) r.onDelivered(12);
    // ...which still counts as congestion, but the sample holds only what was sent since: no loss.
    expect(r.endRound(100, 200, 20)).not.toBeNull();
    expect(r.baseline).toBe(0);
    expect(r.threshold).toBe(LOSS_TOLERANCE);
  });

  it('stays strict on a path that loses only to congestion', () => {
    const r = new LossRounds();
    let t = 0;
    let next = 100;
    for (let i = 0; i < 30; i++) {
      // Every fifth round overflows (4 %); the rounds after each decrease lose nothing.
      const lost = i % 5 === 4 ? 4 : 0;
      round(r, 100, lost, t, next, next + 100, t + 1);
      t += 2;
      next += 100;
    }
    expect(r.baseline).toBe(0);
    expect(round(r, 100, 3, t, next, next + 100, t + 1)).not.toBeNull();
  });
});
