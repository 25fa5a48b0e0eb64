// ferry logs: the server's command log (who asked for what, how it went).

import type { Argv } from 'yargs';
import type { LogRecord } from '../../client/types.js';
import type { Ctx } from '../io.js';
import { out, terminalWidth } from '../io.js';
import { withClient, withClientOptions } from '../options.js';
import { logColumns, logHeader, logLine } from '../print.js';
import { cellWidth, renderTable } from '../table.js';

// Column widths for --follow, where rows arrive one by one and cannot be
// measured in advance: wide enough for typical values, overflow just shifts.
const FOLLOW_MIN = [19, 21, 30, 9, 10, 6];

export function logsCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command(
      'logs',
      "the server's command log",
      (b) =>
        withClientOptions(b)
          .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'keep printing new records until Ctrl-C' })
          .option('limit', { alias: 'n', type: 'number', describe: 'only the last N records', requiresArg: true })
          .check((a) => {
            if (a.limit !== undefined && (!Number.isInteger(a.limit) || a.limit < 0)) throw new Error('--limit must be a whole number');
            return true;
          }),
      async (a) => {
        const json = a.json === true;
        const limit = a.limit !== undefined ? { limit: a.limit } : {};
        await withClient(ctx.io, a, async (api) => {
          if (!a.follow) {
            const records = await api.logs(limit);
            if (json) for (const r of records) out(ctx.io, JSON.stringify(r));
            else if (records.length === 0) out(ctx.io, 'no log records');
            else for (const line of renderTable(logColumns, records, terminalWidth(ctx.io))) out(ctx.io, line);
            return;
          }
          const widths = [...FOLLOW_MIN];
          let first = true;
          const print = (r: LogRecord) => {
            if (json) return out(ctx.io, JSON.stringify(r));
            if (first) out(ctx.io, logHeader(widths, terminalWidth(ctx.io)));
            first = false;
            logColumns.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, cellWidth(c.value(r)))));
            out(ctx.io, logLine(r, widths, terminalWidth(ctx.io)));
          };
          const controller = new AbortController();
          const stop = ctx.io.onInterrupt(() => controller.abort());
          try {
            await api.followLogs({ ...limit, onRecord: print, signal: controller.signal });
          } catch (err) {
            // Ctrl-C is how one stops following: not an error.
            if (!controller.signal.aborted) throw err;
          } finally {
            stop();
          }
        });
      },
    );
}
