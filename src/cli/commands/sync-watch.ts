// `ferry sync --watch`: the whole sync, then a line per change as the source
// changes, until Ctrl-C (exit 130, the pair's state saved, so the next sync
// picks up from there) or until the source cannot be followed (exit 2).

import type { SyncAction } from '../../client/sync-plan.js';
import { type WatchSyncOptions, watchSync } from '../../client/sync-watch.js';
import { plural } from '../../format.js';
import { interruptible } from '../actions.js';
import { describeError } from '../errors.js';
import type { Ctx } from '../io.js';
import { out, warn } from '../io.js';
import { type CacheArgs, type ClientArgs, withClient } from '../options.js';
import { watchJson, watchLine } from '../sync-watch-print.js';
import { troubled } from './compare.js';

export interface WatchRun {
  remote: string;
  local: string;
  pull: boolean;
  json: boolean;
  args: ClientArgs & CacheArgs & { cache: boolean };
  sync: Omit<WatchSyncOptions, 'signal'>;
}

export async function runWatch(ctx: Ctx, run: WatchRun): Promise<void> {
  const { io } = ctx;
  const show = (a: SyncAction, error?: string) => {
    if (run.json) return out(io, watchJson(a, error));
    const line = watchLine(a, run.pull, error);
    if (line !== undefined) out(io, line);
  };
  const from = run.pull ? `${run.remote || '/'} on the server` : run.local;
  const r = await withClient(
    io,
    run.args,
    (api) =>
      interruptible(io, (signal) =>
        watchSync(api, run.remote, run.local, {
          ...run.sync,
          signal,
          // Conflicts and unreadable paths are news too: they are not carried out, so they come from the plan.
          onPlan: (actions) => {
            for (const a of actions) if (a.kind === 'skip') show(a);
          },
          onAction: (a, o) => show(a, o.ok ? undefined : describeError(o.error)),
          onRound: (round) => {
            if (round.whole && round.reason !== 'start') warn(io, `changes may have been missed (${round.reason}): comparing the whole folder again`);
          },
          onRoundDone: (round, result) => {
            if (round.whole && round.reason === 'start' && !result.interrupted) warn(io, `in step; following ${from} (Ctrl-C stops)`);
          },
          onRoundFailed: (_round, err) => warn(io, `${describeError(err)}; trying again`),
        }),
      ),
    run.args.cache,
  ).catch(troubled);
  // It only ends by itself on Ctrl-C: a source that can no longer be followed is an error (above).
  const total = r.ok ? r.value : undefined;
  if (total) warn(io, `stopped: ${plural(total.done, 'change')} applied${total.failed ? `, ${total.failed} failed` : ''}`);
  else warn(io, 'stopped');
  ctx.exitCode = 130;
}
