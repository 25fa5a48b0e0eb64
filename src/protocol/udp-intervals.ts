// A set of chunk indices kept as sorted, disjoint [start, end) intervals.
// The sender records every SACK range it has been told about, so a range
// repeated in ACK after ACK costs a lookup, not a walk over its chunks: with
// small chunks and heavy loss, ranges span thousands of chunks.

export interface Interval {
  start: number;
  end: number;
}

export class IntervalSet {
  private readonly list: Interval[] = [];

  get size(): number {
    return this.list.length;
  }

  /** Index of the first interval that ends at or after `at` (touching counts). */
  private firstFrom(at: number): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.list[mid]!.end < at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Add [start, end); `fresh` is called for each part that was not in the set yet. */
  add(start: number, end: number, fresh?: (start: number, end: number) => void): void {
    if (end <= start) return;
    const i = this.firstFrom(start);
    let j = i;
    let cursor = start;
    while (j < this.list.length && this.list[j]!.start <= end) {
      const r = this.list[j]!;
      if (fresh && r.start > cursor) fresh(cursor, Math.min(r.start, end));
      cursor = Math.max(cursor, r.end);
      j++;
    }
    if (fresh && cursor < end) fresh(cursor, end);
    const merged = { start: Math.min(start, this.list[i]?.start ?? start), end: Math.max(end, j > i ? this.list[j - 1]!.end : end) };
    this.list.splice(i, j - i, merged);
  }

  /** Forget everything below `floor` (it is covered by the cumulative point). */
  dropBelow(floor: number): void {
    let n = 0;
    while (n < this.list.length && this.list[n]!.end <= floor) n++;
    if (n > 0) this.list.splice(0, n);
    const first = this.list[0];
    if (first && first.start < floor) first.start = floor;
  }

  toArray(): Interval[] {
    return this.list.map((r) => ({ ...r }));
  }
}
