import type { LogRecord, LogsRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';

/** The command log: the last `limit` lines, then (with follow) new lines until cancelled. */
export const logs: Handler<LogsRequest> = async (ctx) => {
  const { log } = ctx.services;
  const limit = ctx.request.limit ?? 100;
  // Subscribe before reading the tail so no line falls between the two.
  const live: LogRecord[] = [];
  let push: ((r: LogRecord) => void) | undefined = (r: LogRecord) => live.push(r);
  const unsubscribe = ctx.request.follow ? log.subscribe((r: LogRecord) => push?.(r)) : () => {};
  try {
    const records = limit > 0 ? await log.tail(limit) : [];
    for (let i = 0; i < records.length; i += 200) ctx.item({ records: records.slice(i, i + 200) });
    if (!ctx.request.follow) return { count: records.length };
    const seen = new Set(records.map((r) => JSON.stringify(r)));
    for (const r of live) if (!seen.has(JSON.stringify(r))) ctx.item({ records: [r] });
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
