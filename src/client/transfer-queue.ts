// One queue for transfers: tasks wait as descriptions (a path, a size), at
// most `concurrency` run at once, and tasks can come from a source that is
// read only as the queue drains (a folder walked lazily), so enqueueing a
// hundred thousand files holds a hundred thousand small records, never a
// hundred thousand open transfers. The CLI's folder downloads use it; every
// task settles exactly once, as done, failed or cancelled.

import { ErrorCode, FerryError } from '../protocol/errors.js';

export interface QueueTask<T> {
  /** What the task is about (a remote path): for progress and failures. */
  readonly label: string;
  /** Bytes it will move, when known: for the batch's totals. */
  readonly size?: number;
  run(signal: AbortSignal): Promise<T>;
}

export type Outcome<T> = { task: QueueTask<T>; ok: true; value: T } | { task: QueueTask<T>; ok: false; error: unknown; cancelled: boolean };

export interface QueueCounts {
  queued: number;
  running: number;
  done: number;
  failed: number;
  cancelled: number;
  /** Bytes of the tasks settled as done, and of every task seen so far. */
  bytesDone: number;
  bytesTotal: number;
}

/** Files of a folder moved at once (--transfers): measured on loopback, see docs/bench.md ("small"). */
export const DEFAULT_TRANSFERS = 4;

/** Tasks read ahead from a source while the queue has fewer than this waiting (unless told otherwise). */
const READ_AHEAD = 256;

export interface QueueOptions {
  /**
   * Tasks read ahead from sources (pushFrom) while fewer wait: enough to
   * start the next at once when one ends. A task that stands for many files
   * (a batch) wants fewer, so that what waits stays small.
   */
  readAhead?: number;
}

export class TransferQueue<T> {
  private readonly waiting: QueueTask<T>[] = [];
  private readonly running = new Map<QueueTask<T>, AbortController>();
  private readonly sources: AsyncIterator<QueueTask<T>>[] = [];
  private reading = false;
  private paused = false;
  private cancelling = false;
  private idleWaiters: (() => void)[] = [];
  readonly counts: QueueCounts = { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0, bytesDone: 0, bytesTotal: 0 };

  private readonly readAhead: number;

  constructor(
    private readonly concurrency: number,
    private readonly onSettled: (outcome: Outcome<T>) => void = () => {},
    options: QueueOptions = {},
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a whole number of at least 1');
    this.readAhead = options.readAhead ?? READ_AHEAD;
    if (!Number.isInteger(this.readAhead) || this.readAhead < 1) throw new RangeError('readAhead must be a whole number of at least 1');
  }

  push(task: QueueTask<T>): void {
    if (this.cancelling) return this.settle({ task, ok: false, error: cancelledError(), cancelled: true });
    this.waiting.push(task);
    this.counts.queued++;
    this.counts.bytesTotal += task.size ?? 0;
    this.pump();
  }

  /** Take tasks from `source` as room opens (read at most `readAhead` ahead). */
  pushFrom(source: AsyncIterable<QueueTask<T>>): void {
    this.sources.push(source[Symbol.asyncIterator]());
    void this.readSources();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  /** Stop everything: running tasks are aborted, waiting ones and unread sources settle as cancelled. */
  cancelAll(): void {
    this.cancelling = true;
    for (const task of this.waiting.splice(0)) {
      this.counts.queued--;
      this.settle({ task, ok: false, error: cancelledError(), cancelled: true });
    }
    for (const source of this.sources.splice(0)) void source.return?.();
    for (const controller of this.running.values()) controller.abort(cancelledError());
    this.checkIdle();
  }

  /** Resolves once nothing waits, runs or remains to be read. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.waiting.length === 0 && this.running.size === 0 && this.sources.length === 0 && !this.reading;
  }

  private pump(): void {
    while (!this.paused && this.running.size < this.concurrency && this.waiting.length > 0) {
      const task = this.waiting.shift()!;
      this.counts.queued--;
      this.start(task);
    }
    if (this.sources.length > 0 && this.waiting.length < this.readAhead) void this.readSources();
    this.checkIdle();
  }

  private start(task: QueueTask<T>): void {
    const controller = new AbortController();
    this.running.set(task, controller);
    this.counts.running++;
    let run: Promise<T>;
    try {
      run = task.run(controller.signal);
    } catch (error) {
      run = Promise.reject(error);
    }
    run.then(
      (value) => this.finish(task, { task, ok: true, value }),
      (error: unknown) => this.finish(task, { task, ok: false, error, cancelled: controller.signal.aborted }),
    );
  }

  private finish(task: QueueTask<T>, outcome: Outcome<T>): void {
    this.running.delete(task);
    this.counts.running--;
    this.settle(outcome);
    this.pump();
  }

  private settle(outcome: Outcome<T>): void {
    if (outcome.ok) {
      this.counts.done++;
      this.counts.bytesDone += outcome.task.size ?? 0;
    } else if (outcome.cancelled) {
      this.counts.cancelled++;
    } else {
      this.counts.failed++;
    }
    this.onSettled(outcome);
  }

  private async readSources(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      while (this.sources.length > 0 && this.waiting.length < this.readAhead && !this.cancelling) {
        const source = this.sources[0]!;
        const next = await source.next();
        if (next.done) this.sources.shift();
        else this.push(next.value);
      }
    } catch (error) {
      // A source that fails (a listing cut off) ends; what it gave still runs.
      this.sources.shift();
      this.settle({ task: { label: 'listing', run: () => Promise.reject(error) }, ok: false, error, cancelled: false });
    } finally {
      this.reading = false;
    }
    this.pump();
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}

function cancelledError(): FerryError {
  return new FerryError(ErrorCode.Cancelled, 'cancelled');
}

/**
 * Run every task from `tasks` through a queue of `transfers`, the first
 * failure stopping the rest (and thrown), `signal` cancelling all; resolves
 * with the results of those that ran, in path order. A folder download or
 * upload is this.
 */
export async function runAll<T extends { path: string }>(
  tasks: AsyncIterable<QueueTask<T>>,
  options: { transfers?: number; signal?: AbortSignal },
): Promise<T[]> {
  const results: T[] = [];
  let failure: unknown;
  const queue = new TransferQueue<T>(options.transfers ?? DEFAULT_TRANSFERS, (o) => {
    if (o.ok) return void results.push(o.value);
    failure ??= o.error;
    queue.cancelAll();
  });
  const stop = () => queue.cancelAll();
  options.signal?.addEventListener('abort', stop, { once: true });
  queue.pushFrom(tasks);
  await queue.idle();
  options.signal?.removeEventListener('abort', stop);
  if (options.signal?.aborted) throw new FerryError(ErrorCode.Cancelled, 'cancelled');
  if (failure !== undefined) throw failure;
  return results.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `own` and, when there is one, the caller's signal: either aborts. */
export function eitherSignal(own: AbortSignal, caller?: AbortSignal): AbortSignal {
  return caller ? AbortSignal.any([caller, own]) : own;
}
