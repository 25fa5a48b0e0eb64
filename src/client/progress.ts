// Transfer progress: a smoothed rate and an ETA, reported every `intervalMs`
// so a fast transfer does not flood the CLI or the TUI, and also each time a
// sixteenth of the file has arrived, so a transfer over in a tenth of a second
// still moves its bar (and a caller can act part-way through it).

import type { TransferProgress, Transport } from './types.js';

export class ProgressMeter {
  private samples: { t: number; bytes: number }[] = [];
  private lastEmit = 0;
  private lastEmitBytes = 0;
  bytes = 0;

  constructor(
    private readonly path: string,
    private readonly transport: Transport,
    readonly total: number,
    private readonly onProgress?: (p: TransferProgress) => void,
    private readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Set the absolute byte count (e.g. the resumed prefix) and maybe report. */
  update(bytes: number, force = false): void {
    this.bytes = bytes;
    const t = this.now();
    this.samples.push({ t, bytes });
    // A two-second window: steady enough to read, quick to follow a change.
    while (this.samples.length > 2 && t - this.samples[0]!.t > 2000) this.samples.shift();
    if (force || t - this.lastEmit >= this.intervalMs || bytes - this.lastEmitBytes >= this.total / 16) {
      this.lastEmit = t;
      this.lastEmitBytes = bytes;
      this.onProgress?.(this.snapshot());
    }
  }

  add(n: number): void {
    this.update(this.bytes + n);
  }

  snapshot(): TransferProgress {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const dt = first && last ? (last.t - first.t) / 1000 : 0;
    const rate = dt > 0 ? (last!.bytes - first!.bytes) / dt : 0;
    const left = Math.max(0, this.total - this.bytes);
    return {
      path: this.path,
      transport: this.transport,
      bytes: this.bytes,
      total: this.total,
      rate,
      etaSeconds: left === 0 ? 0 : rate > 0 ? left / rate : null,
    };
  }
}
