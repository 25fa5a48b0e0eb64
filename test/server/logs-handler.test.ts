// The logs handler without a socket: what it buffers while a follower's tail
// is being read, when the log is busy.

import { describe, expect, it } from 'vitest';
import type { LogRecord, LogsRequest } from '../../src/protocol/messages.js';
import type { RequestContext, ServerServices } from '../../src/server/context.js';
import type { CommandLog, LogListener } from '../../src/server/command-log.js';
import { logs, MAX_LIVE_BACKLOG } from '../../src/server/handlers/logs.js';

function record(i: number): LogRecord {
  return {
    time: new Date(1_700_000_000_000 + i).toISOString(),
    client: '127.0.0.1:1',
    command: 'hash',
    args: { path: `f${i}` },
    outcome: 'ok',
    bytes: i,
    ms: 1,
  };
}

describe('logs handler', () => {
  it('holds a bounded backlog of lines that arrive while the tail is read, and says how many it left out', async () => {
    const arriving = MAX_LIVE_BACKLOG * 3;
    let listener: LogListener | undefined;
    const log = {
      subscribe(l: LogListener) {
        listener = l;
        return () => (listener = undefined);
      },
      // A busy server: many lines are logged while the tail is being read.
      async readTail(_limit: number, onRecord: (r: LogRecord) => void) {
        onRecord(record(0));
        for (let i = 1; i <= arriving; i++) listener?.(record(i), i);
        return { count: 1, seq: 0 };
      },
    } as unknown as CommandLog;
    const controller = new AbortController();
    const items: Record<string, unknown>[] = [];
    const ctx = {
      id: 1,
      client: 'test',
      request: { op: 'logs', limit: 10, follow: true } as LogsRequest,
      signal: controller.signal,
      services: { log } as unknown as ServerServices,
      item: (h: object) => {
        items.push(h as Record<string, unknown>);
        if ((h as { live?: boolean }).live) controller.abort(new Error('done'));
      },
    } as unknown as RequestContext<LogsRequest>;
    await expect(logs(ctx)).rejects.toThrow('done');
    const records = items.flatMap((h) => (h.records as LogRecord[] | undefined) ?? []);
    const notice = records.find((r) => r.command === 'log');
    const shown = records.filter((r) => r.command !== 'log').map((r) => r.bytes);
    expect(shown.length).toBeLessThanOrEqual(MAX_LIVE_BACKLOG + 1);
    // The tail, then the newest lines that fit, in order; the notice counts the rest.
    expect(shown).toEqual([0, ...Array.from({ length: MAX_LIVE_BACKLOG }, (_, i) => arriving - MAX_LIVE_BACKLOG + 1 + i)]);
    expect(notice).toMatchObject({ outcome: 'dropped', args: { dropped: arriving - MAX_LIVE_BACKLOG } });
    expect(items.at(-1)).toEqual({ live: true });
  });
});
