import { describe, expect, it } from 'vitest';
import { type Outcome, type QueueTask, TransferQueue } from '../../src/client/transfer-queue.js';

/** A task that finishes when told to (or fails when its signal aborts). */
function gated(label: string, size = 1) {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const task: QueueTask<string> = {
    label,
    size,
    run: (signal) =>
      new Promise<string>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        void gate.then(() => resolve(label));
      }),
  };
  return { task, open };
}

const instant = (label: string, size = 1): QueueTask<string> => ({ label, size, run: async () => label });

describe('TransferQueue', () => {
  it('runs at most `concurrency` tasks at once and settles each exactly once', async () => {
    const settled: Outcome<string>[] = [];
    const q = new TransferQueue<string>(2, (o) => settled.push(o));
    const tasks = [gated('a'), gated('b'), gated('c'), gated('d', 5)];
    for (const t of tasks) q.push(t.task);
    expect(q.counts).toMatchObject({ running: 2, queued: 2, bytesTotal: 8 });
    tasks[0]!.open();
    await new Promise((r) => setImmediate(r));
    expect(q.counts).toMatchObject({ running: 2, queued: 1, done: 1 });
    for (const t of tasks) t.open();
    await q.idle();
    expect(settled.map((o) => o.task.label).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(q.counts).toEqual({ queued: 0, running: 0, done: 4, failed: 0, cancelled: 0, bytesDone: 8, bytesTotal: 8 });
  });

  it('reads a source only as it drains: 100,000 tasks never sit in memory at once', async () => {
    let pulled = 0;
    let settled = 0;
    let mostAhead = 0;
    const q = new TransferQueue<string>(4, () => void settled++);
    async function* many() {
      for (let i = 0; i < 100_000; i++) {
        pulled++;
        mostAhead = Math.max(mostAhead, pulled - settled);
        yield instant(`f${i}`);
      }
    }
    q.pushFrom(many());
    await q.idle();
    expect(settled).toBe(100_000);
    expect(q.counts.done).toBe(100_000);
    expect(mostAhead).toBeLessThanOrEqual(256 + 4 + 1);
  });

  it('reads ahead only as far as told: tasks that stand for many files wait a few at a time', async () => {
    let pulled = 0;
    let settled = 0;
    let mostAhead = 0;
    const q = new TransferQueue<string>(2, () => void settled++, { readAhead: 4 });
    async function* many() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        mostAhead = Math.max(mostAhead, pulled - settled);
        yield instant(`b${i}`);
      }
    }
    q.pushFrom(many());
    await q.idle();
    expect(settled).toBe(1000);
    expect(mostAhead).toBeLessThanOrEqual(4 + 2 + 1);
    expect(() => new TransferQueue<string>(2, () => {}, { readAhead: 0 })).toThrow(RangeError);
  });

  it('pauses and resumes: nothing new starts while paused', async () => {
    const q = new TransferQueue<string>(1);
    const a = gated('a');
    const b = gated('b');
    q.push(a.task);
    q.pause();
    q.push(b.task);
    a.open();
    await new Promise((r) => setImmediate(r));
    expect(q.counts).toMatchObject({ done: 1, running: 0, queued: 1 });
    q.resume();
    expect(q.counts).toMatchObject({ running: 1, queued: 0 });
    b.open();
    await q.idle();
    expect(q.counts.done).toBe(2);
  });

  it('a failure is counted and the rest go on', async () => {
    const settled: Outcome<string>[] = [];
    const q = new TransferQueue<string>(2, (o) => settled.push(o));
    q.push({ label: 'bad', run: async () => Promise.reject(new Error('no')) });
    q.push({
      label: 'throws',
      run: () => {
        throw new Error('at once');
      },
    });
    q.push(instant('good'));
    await q.idle();
    expect(q.counts).toMatchObject({ done: 1, failed: 2, cancelled: 0 });
    expect(
      settled
        .filter((o) => !o.ok)
        .map((o) => o.task.label)
        .sort(),
    ).toEqual(['bad', 'throws']);
  });

  it('cancelAll aborts what runs, drops what waits, and stops reading its sources', async () => {
    const q = new TransferQueue<string>(1);
    const a = gated('a');
    q.push(a.task);
    q.push(instant('b'));
    let pulled = 0;
    q.pushFrom(
      (async function* () {
        for (;;) {
          pulled++;
          yield instant('endless');
        }
      })(),
    );
    await new Promise((r) => setImmediate(r));
    q.cancelAll();
    await q.idle();
    expect(q.counts.running).toBe(0);
    expect(q.counts.queued).toBe(0);
    expect(q.counts.done).toBe(0);
    expect(q.counts.cancelled).toBeGreaterThanOrEqual(2);
    expect(pulled).toBeLessThan(1000);
    q.push(instant('after')); // a cancelled queue takes nothing new
    expect(q.counts.done).toBe(0);
  });
});
