// ferry sync REMOTE_DIR LOCAL_DIR [--push]: make the destination like the
// source (the server's folder, or with --push the local one): missing and
// changed files transferred and verified, times set, and with --delete what
// the source lacks moved to a trash folder. --dry-run prints the plan only.

import path from 'node:path';
import type { Argv } from 'yargs';
import { syncTrees } from '../../client/sync.js';
import { formatBytes } from '../../format.js';
import { planTotals } from '../../client/sync-plan.js';
import { syncStateFile } from '../../client/sync-state.js';
import { interruptible } from '../actions.js';
import { actionJson, actionLine, totalsLine } from '../compare-print.js';
import { CliError, describeError } from '../errors.js';
import type { Ctx } from '../io.js';
import { out, warn } from '../io.js';
import { cacheDirOf, serverOf, transfersOption, withCacheOptions, withClient, withClientOptions } from '../options.js';
import { StatusLine } from '../progress.js';
import { byOption, openLocalIndex, troubled } from './compare.js';
import { runWatch } from './sync-watch.js';

/** `downloading 12/200 files  3.4 MiB / 20.0 MiB` */
function renderSync(done: { files: number; bytes: number }, plan: { files: number; bytes: number }, pull: boolean): string {
  return `${pull ? 'downloading' : 'uploading'} ${done.files}/${plan.files} files  ${formatBytes(done.bytes)} / ${formatBytes(plan.bytes)}`;
}

export function syncCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command(
      'sync <remote> <local>',
      'bring a local folder in line with a folder of the share (or, with --push, the other way)',
      (b) =>
        withCacheOptions(withClientOptions(b))
          .positional('remote', { type: 'string', demandOption: true, describe: 'folder inside the share ("" or / for its root)' })
          .positional('local', { type: 'string', demandOption: true, describe: 'local folder' })
          .option('push', { type: 'boolean', default: false, describe: 'make the server like the local folder (the server needs --allow-upload)' })
          .option('delete', { type: 'boolean', default: false, describe: 'remove what the source does not have (into .ferry-trash/ under the destination)' })
          .option('trash', { type: 'boolean', default: true, describe: 'with --delete: keep deleted files in .ferry-trash/<time>/ (--no-trash: remove them)' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'print what would be done and change nothing' })
          .option('watch', { type: 'boolean', default: false, describe: 'after the sync, keep following the source and apply each change (Ctrl-C stops)' })
          .option('by', { type: 'string', describe: "'content' (BLAKE3, the default) or 'size,mtime' (no hashing)", requiresArg: true })
          .option('hidden', { type: 'boolean', default: false, describe: "include names starting with '.'" })
          .option('overwrite', { type: 'boolean', describe: 'a conflict (the destination changed since the last sync): take the source' })
          .option('skip-existing', { type: 'boolean', describe: 'a conflict: leave the destination as it is' })
          .option('update', { type: 'boolean', describe: 'a conflict: take the source only if it is newer' })
          .option('keep-both', { type: 'boolean', describe: "a conflict: keep the destination and save the source beside it as 'name (1).ext'" })
          .conflicts({ overwrite: ['skip-existing', 'update', 'keep-both'], 'skip-existing': ['update', 'keep-both'], update: ['keep-both'] })
          .option('transfers', { type: 'number', describe: 'files transferred at once [default: 4]', requiresArg: true })
          .option('cache', { type: 'boolean', default: true, describe: 'downloads go through the download cache (--no-cache: straight to the folder)' })
          .example('$0 sync photos ~/Pictures --dry-run', 'what a sync would do')
          .example('$0 sync photos ~/Pictures --delete', 'mirror the server, keeping what goes in ~/Pictures/.ferry-trash')
          .example('$0 sync backup ~/work --push', 'send what changed here to the server')
          .example('$0 sync photos ~/Pictures --watch --delete', 'keep ~/Pictures a mirror of the server as it changes'),
      async (a) => {
        const by = byOption(a.by);
        const local = path.resolve(ctx.io.cwd, a.local);
        const pull = !a.push;
        const direction = pull ? 'pull' : 'push';
        const conflicts = a.overwrite ? 'overwrite' : a['skip-existing'] ? 'skip' : a.update ? 'newer' : a['keep-both'] ? 'keep-both' : undefined;
        const index = await openLocalIndex(ctx.io, a, by);
        const json = a.json === true;
        if (a.watch) {
          if (a['dry-run']) throw new CliError('--watch and --dry-run do not go together: a dry run changes nothing, so there is nothing to keep in step');
          try {
            await runWatch(ctx, {
              remote: a.remote,
              local,
              pull,
              json,
              args: a,
              sync: {
                direction,
                by,
                hidden: a.hidden,
                ...(index ? { index } : {}),
                ...(a.delete ? { delete: true } : {}),
                ...(a.trash ? {} : { noTrash: true }),
                ...(conflicts ? { conflicts } : {}),
                ...(a.transfers !== undefined ? { transfers: transfersOption(a.transfers) } : {}),
                ...(a.cache ? {} : { noCache: true }),
                stateFile: syncStateFile({ server: serverOf(ctx.io, a), remoteDir: a.remote, localDir: local, direction }, cacheDirOf(ctx.io, a)),
              },
            });
          } finally {
            await index?.close();
          }
          return;
        }
        const status = new StatusLine(ctx.io.stderr, { results: ctx.io.stdout });
        const plan = { files: 0, bytes: 0 };
        const done = { files: 0, bytes: 0 };
        status.update(() => 'comparing…', true);
        try {
          const r = await withClient(
            ctx.io,
            a,
            (api) =>
              interruptible(ctx.io, (signal) =>
                syncTrees(api, a.remote, local, {
                  direction,
                  by,
                  hidden: a.hidden,
                  ...(index ? { index } : {}),
                  ...(a.delete ? { delete: true } : {}),
                  ...(a.trash ? {} : { noTrash: true }),
                  ...(a['dry-run'] ? { dryRun: true } : {}),
                  ...(conflicts ? { conflicts } : {}),
                  ...(a.transfers !== undefined ? { transfers: transfersOption(a.transfers) } : {}),
                  ...(a.cache ? {} : { noCache: true }),
                  stateFile: syncStateFile({ server: serverOf(ctx.io, a), remoteDir: a.remote, localDir: local, direction }, cacheDirOf(ctx.io, a)),
                  signal,
                  onPlan: (actions) => {
                    for (const x of actions) {
                      if (x.kind !== 'copy') continue;
                      plan.files++;
                      plan.bytes += x.size;
                    }
                    status.update(() => renderSync(done, plan, pull), true);
                  },
                  onAction: (action, o) => {
                    if (action.kind === 'copy' && o.ok) {
                      done.files++;
                      done.bytes += action.size;
                      status.update(() => renderSync(done, plan, pull), done.files === plan.files);
                    }
                    if (!o.ok || json) status.clear();
                    if (json) out(ctx.io, actionJson(action, { ok: o.ok, ...(o.error !== undefined ? { error: describeError(o.error) } : {}) }));
                    else if (!o.ok) warn(ctx.io, `${action.path}: ${describeError(o.error)}`);
                  },
                }),
              ),
            a.cache,
          )
            .catch(troubled)
            .finally(() => status.clear());
          if (!r.ok) {
            warn(ctx.io, 'sync interrupted; run the same command again to finish it');
            ctx.exitCode = 130;
            return;
          }
          const s = r.value;
          const totals = planTotals(s.actions);
          if (a['dry-run'] || !json) {
            for (const action of s.actions) {
              if (json) out(ctx.io, actionJson(action));
              else if (a['dry-run'] || action.kind === 'skip') out(ctx.io, actionLine(action, pull));
            }
          }
          if (!json) {
            out(ctx.io, totalsLine(totals, pull, a['dry-run']));
            if (!a['dry-run'])
              out(
                ctx.io,
                `done: ${s.done} of ${s.actions.length - totals.conflicts - totals.errors - totals.skipped} actions${s.failed.length ? `, ${s.failed.length} failed` : ''}${s.trash ? `; deleted files are in ${s.trash}` : ''}`,
              );
          }
          if (s.interrupted) ctx.exitCode = 130;
          else if (s.failed.length > 0 || totals.errors > 0) ctx.exitCode = 2;
          else if (totals.conflicts > 0) ctx.exitCode = 1;
        } finally {
          await index?.close();
        }
      },
    );
}
