// Progress reports: at most one per interval, and one per sixteenth of the file
// however fast it arrives (a transfer over in less than an interval still moves).

import { describe, expect, it } from 'vitest';
import { ProgressMeter } from '../../src/client/progress.js';
import type { TransferProgress } from '../../src/client/types.js';

const MiB = 2 ** 20;

describe('ProgressMeter', () => {
  it('reports each sixteenth of a file that arrives all at once', () => {
    const seen: TransferProgress[] = [];
    const meter = new ProgressMeter(
      'f',
      'tcp',
      32 * MiB,
      (p) => seen.push(p),
      100,
      () => 5_000,
    );
    for (let b = MiB; b <= 32 * MiB; b += MiB) meter.update(b);
    // The first update reports, then every 2 MiB: 1, 3, 5, ... 31 MiB.
    expect(seen.map((p) => p.bytes / MiB)).toEqual(Array.from({ length: 16 }, (_, i) => 1 + 2 * i));
  });

  it('reports at most once an interval when the bytes come slowly', () => {
    const seen: number[] = [];
    let now = 1_000;
    const meter = new ProgressMeter(
      'f',
      'tcp',
      1024 * MiB,
      (p) => seen.push(p.bytes),
      100,
      () => now,
    );
    for (let i = 1; i <= 100; i++) {
      now += 10;
      meter.update(i * 1024);
    }
    // 1 s of updates every 10 ms: the first, then one each 100 ms.
    expect(seen).toHaveLength(10);
  });
});
