import { MAX_HEADER_BYTES } from '../../protocol/limits.js';
import type { LogRecord, LogsRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';
import { droppedRecord } from '../log-record.js';

/** JSON budget for one batch: an ITEM header `{"records":[...]}` must stay under MAX_HEADER_BYTES. */
const BATCH_JSON_BUDGET = MAX_HEADER_BYTES - 1024;

/** Collects records into ITEM batches by their JSON size (a record is at most 16 KiB, so each fits). */
function batcher(send: (records: LogRecord[]) => Promise<void>) {
  let batch: LogRecord[] = [];
  let bytes = 0;
  const flush = async () => {
    const full = batch;
    batch = [];
    bytes = 0;
    if (full.length > 0) await send(full);
  };
  return {
    /** Resolves once any batch this closed has been taken by the connection. */
    async add(r: LogRecord) {
      const size = Buffer.byteLength(JSON.stringify(r)) + 1;
      if (batch.length > 0 && bytes + size > BATCH_JSON_BUDGET) await flush();
      batch.push(r);
      bytes += size;
    },
    flush,
  };
}

/**
 * Lines a follower buffers while its tail is being read. A busy server logs
 * thousands of lines a second; past this the oldest are left out (a notice
 * says how many), so one `logs --follow` cannot hold memory without end.
 * At most 16 KiB a line, that is 16 MiB at worst, some 300 KB typically.
 */
export const MAX_LIVE_BACKLOG = 1000;

function leftOutNotice(n: number): LogRecord {
  return droppedRecord(n, 'not shown: they were logged faster than the tail could be sent');
}

/** The command log: the last `limit` lines, then (with follow) new lines until cancelled. */
export const logs: Handler<LogsRequest> = async (ctx) => {
  const { log } = ctx.services;
  const limit = ctx.request.limit ?? 100;
  // Subscribe before reading the tail so no line falls between the two; the
  // sequence numbers tell which of these the files already held.
  const live: { r: LogRecord; seq: number }[] = [];
  const left = { count: 0, lastSeq: 0 }; // the oldest of the backlog, left out when it was full
  let push: ((r: LogRecord, seq: number) => void) | undefined = (r, seq) => {
    if (live.length >= MAX_LIVE_BACKLOG) {
      left.count++;
      left.lastSeq = live.shift()!.seq;
    }
    live.push({ r, seq });
  };
  const unsubscribe = ctx.request.follow ? log.subscribe((r, seq) => push?.(r, seq)) : () => {};
  try {
    const out = batcher((records) => ctx.item({ records }));
    const tail = await log.readTail(limit, (r) => out.add(r), ctx.signal);
    if (ctx.signal.aborted) throw ctx.signal.reason;
    await out.flush();
    if (!ctx.request.follow) return { count: tail.count };
    // Sequence numbers are consecutive, so of the lines left out, those after tail.seq were not in the tail.
    const missed = Math.min(left.count, Math.max(0, left.lastSeq - tail.seq));
    if (missed > 0) await out.add(leftOutNotice(missed));
    for (const { r, seq } of live) if (seq > tail.seq) await out.add(r);
    await out.flush();
    live.length = 0;
    // Live lines are sent as they happen; a follower that stops reading meets the
    // connection's budget (and its stall limit), which close it.
    push = (r: LogRecord) => void ctx.item({ records: [r] }).catch(() => {});
    await ctx.item({ live: true }); // from here on every new record is sent
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    throw ctx.signal.reason;
  } finally {
    push = undefined;
    unsubscribe();
  }
};
