import { MAX_HEADER_BYTES } from '../../protocol/limits.js';
import type { LogRecord, LogsRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';

/** JSON budget for one batch: an ITEM header `{"records":[...]}` must stay under MAX_HEADER_BYTES. */
const BATCH_JSON_BUDGET = MAX_HEADER_BYTES - 1024;

/** Collects records into ITEM batches by their JSON size (a record is at most 16 KiB, so each fits). */
function batcher(send: (records: LogRecord[]) => void) {
  let batch: LogRecord[] = [];
  let bytes = 0;
  const flush = () => {
    if (batch.length > 0) send(batch);
    batch = [];
    bytes = 0;
  };
  return {
    add(r: LogRecord) {
      const size = Buffer.byteLength(JSON.stringify(r)) + 1;
      if (batch.length > 0 && bytes + size > BATCH_JSON_BUDGET) flush();
      batch.push(r);
      bytes += size;
    },
    flush,
  };
}

/** The command log: the last `limit` lines, then (with follow) new lines until cancelled. */
export const logs: Handler<LogsRequest> = async (ctx) => {
  const { log } = ctx.services;
  const limit = ctx.request.limit ?? 100;
  // Subscribe before reading the tail so no line falls between the two; the
  // sequence numbers tell which of these the files already held.
  const live: { r: LogRecord; seq: number }[] = [];
  let push: ((r: LogRecord, seq: number) => void) | undefined = (r, seq) => live.push({ r, seq });
  const unsubscribe = ctx.request.follow ? log.subscribe((r, seq) => push?.(r, seq)) : () => {};
  try {
    const out = batcher((records) => ctx.item({ records }));
    const tail = await log.readTail(limit, (r) => out.add(r), ctx.signal);
    if (ctx.signal.aborted) throw ctx.signal.reason;
    out.flush();
    if (!ctx.request.follow) return { count: tail.count };
    for (const { r, seq } of live) if (seq > tail.seq) ctx.item({ records: [r] });
    live.length = 0;
    push = (r: LogRecord) => ctx.item({ records: [r] });
    ctx.item({ live: true }); // from here on every new record is sent
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
