// What the "server under attack" row records while a scenario runs: the
// server process's memory and descriptors from /proc, and how long a real
// client (FerryClient, the API the CLI and the app use) waits for answers.

import { readdirSync, readFileSync } from 'node:fs';
import { FerryClient } from '../../client/client.js';
import { RpcConnection, type RpcOptions } from '../../client/rpc.js';

const KB = 1024;

/** VmHWM, VmRSS (bytes) and open descriptors of a live process; undefined once it is gone. */
export function sampleProcess(pid: number): { hwm: number; rss: number; fds: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? 0) * KB;
    return { hwm: field('VmHWM'), rss: field('VmRSS'), fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

/** Polls a process every `everyMs` and keeps the peaks. */
export class ProcessWatch {
  peakRss = 0;
  peakFds = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(
    private readonly pid: number,
    everyMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }
  sample(): void {
    const s = sampleProcess(this.pid);
    if (!s) return;
    this.peakRss = Math.max(this.peakRss, s.hwm, s.rss);
    this.peakFds = Math.max(this.peakFds, s.fds);
  }
  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}

/** One kind of question the real client keeps asking. */
type ProbeKind = 'ping' | 'list' | 'new connection';
const KINDS: readonly ProbeKind[] = ['ping', 'list', 'new connection'];

export interface ProbeSummary {
  probes: number;
  answered: number;
  /** The longest wait, answered or not (a probe still waiting at the end counts for as long as it waited). */
  worstMs: number;
  worstKind?: ProbeKind;
  /** The first failure, in words. */
  firstFailure?: string;
  failures: number;
}

/**
 * A real client asking the server something every `everyMs`: a ping and a
 * listing on one connection it keeps, and a fresh connection with a ping, in
 * turn. One question at a time; a question unanswered after `giveUpMs`
 * counts as a failure that took that long, and the next one is asked.
 */
export class Prober {
  private readonly summary: ProbeSummary = { probes: 0, answered: 0, worstMs: 0, failures: 0 };
  private client: FerryClient | undefined;
  private stopped = false;
  private readonly loop: Promise<void>;
  private wake: (() => void) | undefined;

  private constructor(
    private readonly options: RpcOptions,
    private readonly everyMs: number,
    private readonly giveUpMs: number,
  ) {
    this.loop = this.run();
  }

  /** Start asking (the first question opens the kept connection); keep asking until stop(). */
  static start(host: string, port: number, everyMs = 100, giveUpMs = 5000): Prober {
    return new Prober({ host, port, connectTimeoutMs: giveUpMs }, everyMs, giveUpMs);
  }

  /** Questions answered so far (the caller waits for the first before it attacks). */
  get answered(): number {
    return this.summary.answered;
  }

  private async run(): Promise<void> {
    for (let n = 0; !this.stopped; n++) {
      const kind = KINDS[n % KINDS.length]!;
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'gave up'>((resolve) => (timer = setTimeout(() => resolve('gave up'), this.giveUpMs)));
      this.summary.probes++;
      let failure: string | undefined;
      try {
        const r = await Promise.race([this.ask(kind), gaveUp]);
        if (r === 'gave up') failure = `${kind}: no answer within ${this.giveUpMs / 1000} s`;
        else this.summary.answered++;
      } catch (err) {
        failure = `${kind}: ${err instanceof Error ? err.message : String(err)}`;
      } finally {
        clearTimeout(timer);
      }
      const ms = performance.now() - started;
      if (ms > this.summary.worstMs) {
        this.summary.worstMs = ms;
        this.summary.worstKind = kind;
      }
      if (failure) {
        this.summary.failures++;
        this.summary.firstFailure ??= failure.slice(0, 160);
      }
      const rest = this.everyMs - ms;
      if (rest > 0 && !this.stopped)
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, rest);
        });
    }
  }

  private async ask(kind: ProbeKind): Promise<void> {
    if (kind === 'new connection') {
      const rpc = await RpcConnection.open(this.options);
      try {
        await rpc.ping();
      } finally {
        await rpc.close();
      }
      return;
    }
    if (!this.client) {
      this.client = new FerryClient(await RpcConnection.open(this.options), this.options, null);
      // A lost connection fails the question at once instead of waiting to reconnect.
      this.client.reconnectWaitMs = 0;
    }
    if (kind === 'ping') await this.client.ping();
    // One folder, not the whole share: the question is whether the server answers, not how big it is.
    else await this.client.list({ path: '', recursive: false });
  }

  /** Stop asking; the summary includes a question still waiting. */
  async stop(): Promise<ProbeSummary> {
    this.stopped = true;
    this.wake?.();
    // A question stuck on a wedged server ends by its own give-up timer.
    await this.loop;
    await this.client?.close().catch(() => {});
    return { ...this.summary };
  }
}
