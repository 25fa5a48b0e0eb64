// ferry cat FILE [--offset N] [--count N]: a byte range of a file in the share,
// raw on stdout (binary safe). It reads only that range, through the same
// `read` requests the app's viewer uses, so `ferry cat big.log --offset -4096`
// shows the end of a 10 GB log at once.

import type { Argv } from 'yargs';
import { READ_MAX_BYTES } from '../../client/read-range.js';
import { interruptible } from '../actions.js';
import { CliError } from '../errors.js';
import type { Ctx } from '../io.js';
import { warn, writeOut } from '../io.js';
import { withClient, withClientOptions } from '../options.js';

function whole(name: string, n: number | undefined, allowNegative: boolean): number | undefined {
  if (n === undefined) return undefined;
  if (!Number.isSafeInteger(n) || (!allowNegative && n < 0))
    throw new CliError(`--${name} must be a whole number${allowNegative ? '' : ' of 0 or more'}, not ${n}`);
  return n;
}

export function catCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command(
      'cat <file>',
      'print a file of the share, or a byte range of it, to stdout (reads only that range)',
      (b) =>
        withClientOptions(b)
          .positional('file', { type: 'string', demandOption: true, describe: 'path inside the share' })
          .option('offset', { type: 'number', describe: 'first byte; negative counts from the end [default: 0]', requiresArg: true })
          .option('count', { type: 'number', describe: 'bytes to print [default: to the end]', requiresArg: true })
          .example('$0 cat logs/big.log --offset -4096', 'the last 4 KiB of a log'),
      async (a) => {
        if (a.json) throw new CliError('cat prints the raw bytes; --json does not apply');
        const offset = whole('offset', a.offset, true) ?? 0;
        const count = whole('count', a.count, false);
        const r = await withClient(ctx.io, a, (api) =>
          interruptible(ctx.io, async (signal) => {
            // The first read says how large the file is, for an offset from the end.
            let first = await api.read(a.file, { offset: Math.max(0, offset), count: 0, signal });
            let at = offset < 0 ? Math.max(0, first.size + offset) : offset;
            const end = count === undefined ? Number.POSITIVE_INFINITY : at + count;
            while (at < end) {
              const chunk = await api.read(a.file, { offset: at, count: Math.min(READ_MAX_BYTES, end - at), signal });
              if (chunk.bytes.length === 0) break;
              await writeOut(ctx.io.stdout, chunk.bytes);
              at += chunk.bytes.length;
              first = chunk;
            }
            return first.size;
          }),
        );
        if (!r.ok) {
          warn(ctx.io, `cat ${a.file} interrupted`);
          ctx.exitCode = 130;
        }
      },
    );
}
