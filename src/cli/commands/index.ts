// ferry index longlist|shortlist: the share's listing, filtered.

import type { Argv } from 'yargs';
import { gatherTimeBounds, normalizeExt } from '../../client/classic.js';
import { parseTimeRange, TIME_FORMATS } from '../../client/time.js';
import type { ListOptions } from '../../client/types.js';
import { showList } from '../actions.js';
import { CliError } from '../errors.js';
import type { Ctx } from '../io.js';
import { withClient, withClientOptions } from '../options.js';

function filterOptions<T>(y: Argv<T>) {
  return withClientOptions(y)
    .option('ext', { type: 'string', describe: "only this extension, e.g. .txt (also 'txt' or '*.txt')", requiresArg: true })
    .option('name', { type: 'string', describe: 'only names containing TEXT (any case unless TEXT has a capital)', requiresArg: true })
    .option('path', { type: 'string', describe: 'list this folder of the share [default: its root]', requiresArg: true })
    .option('recursive', { type: 'boolean', default: true, describe: 'include sub-folders (--no-recursive: only the folder itself)' })
    .option('hidden', { type: 'boolean', default: false, describe: 'include dot-files' });
}

interface FilterArgs {
  ext?: string | undefined;
  name?: string | undefined;
  path?: string | undefined;
  recursive: boolean;
  hidden: boolean;
}

function listOptions(a: FilterArgs): ListOptions {
  return {
    recursive: a.recursive,
    ...(a.ext !== undefined ? { ext: normalizeExt(a.ext) } : {}),
    ...(a.path !== undefined ? { path: a.path } : {}),
    ...(a.name !== undefined ? { name: a.name } : {}),
    ...(a.hidden ? { hidden: true } : {}),
  };
}

export function indexCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command('index', 'list the files in the share (longlist, or shortlist by time)', (idx) =>
      idx
        .command(
          'longlist',
          'every file and folder, optionally by extension and keyword',
          (b) =>
            filterOptions(b).option('keyword', {
              type: 'string',
              describe: 'only text files containing WORD (any case unless WORD has a capital; binary files skipped)',
              requiresArg: true,
            }),
          async (a) => {
            const options = { ...listOptions(a), ...(a.keyword !== undefined ? { keyword: a.keyword } : {}) };
            await withClient(ctx.io, a, (api) => showList(ctx.io, api, options, a.json === true));
          },
        )
        .command(
          'shortlist <start> <end> [more..]',
          'files modified strictly between START and END',
          (b) =>
            filterOptions(b)
              .positional('start', { type: 'string', demandOption: true, describe: `start time: ${TIME_FORMATS}` })
              .positional('end', { type: 'string', demandOption: true, describe: 'end time (a bare date includes that whole day)' })
              .positional('more', { type: 'string', array: true, describe: 'lets START and END be written unquoted as DATE TIME (four words)' })
              .example('$0 index shortlist 2024-01-01 2024-01-31', 'all of January 2024')
              .example('$0 index shortlist "2024-06-01 09:00" now --ext .pdf', 'PDFs changed since then'),
          async (a) => {
            const { bounds, rest } = gatherTimeBounds([a.start, a.end, ...(a.more ?? [])]);
            if (bounds.length < 2 || rest.length > 0) {
              throw new CliError(
                `expected START and END, got '${[a.start, a.end, ...(a.more ?? [])].join(' ')}' (quote a time with a space: "2024-01-01 09:00")`,
              );
            }
            const range = parseTimeRange(bounds[0] as string, bounds[1] as string);
            await withClient(ctx.io, a, (api) => showList(ctx.io, api, { ...listOptions(a), ...range }, a.json === true));
          },
        )
        .demandCommand(1, 'choose longlist or shortlist'),
    );
}
