// The command line: yargs parses, one module per command does the work, and
// every failure ends as one `ferry: ` line on stderr with exit code 1.

import yargs, { type Argv } from 'yargs';
import { VERSION } from '../version.js';
import { cacheCommand } from './commands/cache.js';
import { catCommand } from './commands/cat.js';
import { compareCommand } from './commands/compare.js';
import { downloadCommand } from './commands/download.js';
import { hashCommand } from './commands/hash.js';
import { indexCommand } from './commands/index.js';
import { logsCommand } from './commands/logs.js';
import { serveCommand } from './commands/serve.js';
import { shellCommand } from './commands/shell.js';
import { syncCommand } from './commands/sync.js';
import { tuiCommand } from './commands/tui.js';
import { uploadCommand } from './commands/upload.js';
import { watchCommand } from './commands/watch.js';
import { cpCommand } from './commands/cp.js';
import { mkdirCommand } from './commands/mkdir.js';
import { mvCommand } from './commands/mv.js';
import { rmCommand } from './commands/rm.js';
import { COMPLETION_FLAG, remoteCompletions } from './completion.js';
import { configFile, loadConfig, withConfigEnv } from './config.js';
import { configCommand } from './commands/config.js';
import { renderManPage } from './man-page.js';
import { CliError, describeError } from './errors.js';
import { guardCrashes, processIo, type CliIo, type Ctx } from './io.js';

/** Marks a message yargs produced about the command line itself (not a runtime failure). */
class UsageError extends Error {}

const COMMANDS = [
  serveCommand,
  indexCommand,
  hashCommand,
  downloadCommand,
  uploadCommand,
  catCommand,
  compareCommand,
  syncCommand,
  mkdirCommand,
  mvCommand,
  rmCommand,
  cpCommand,
  logsCommand,
  watchCommand,
  cacheCommand,
  shellCommand,
  tuiCommand,
  configCommand,
];
const COMMAND_NAMES = new Set([
  'serve',
  'index',
  'hash',
  'download',
  'upload',
  'cat',
  'compare',
  'sync',
  'mkdir',
  'mv',
  'rm',
  'cp',
  'logs',
  'watch',
  'cache',
  'shell',
  'tui',
  'completion',
  'config',
]);

function build(ctx: Ctx): Argv {
  return COMMANDS.reduce((acc, register) => register(ctx)(acc) as Argv, base(ctx))
    .completion('completion', 'print a shell completion script (bash or zsh, following $SHELL): ferry completion >> ~/.bashrc')
    .command('man', false, {}, async () => {
      ctx.io.stdout.write(await renderManPage(helpText, VERSION));
    });
}

/** `ferry ARGV --help` as text, 72 columns wide (man indents it), for the manual page. */
async function helpText(argv: string[]): Promise<string> {
  let text = '';
  const out = { write: (chunk: string) => (text += chunk), columns: 72 };
  const io: CliIo = { stdout: out, stderr: out, stdin: process.stdin, env: {}, cwd: process.cwd(), onInterrupt: () => () => {} };
  await main([...argv, '--help'], io);
  return text;
}

/**
 * yargs renders the help of every command it runs, right after starting its
 * handler, in case the handler asks for it later (`showHelp()`; none of ours
 * does, and `--help` takes its own path). Laying out a command's options
 * measures every word of their descriptions: ~20 ms of CPU on each `ferry`
 * run, for text nobody sees. The usage object is one per instance (yargs'
 * reset() keeps it), so turning it off once covers every command.
 */
function skipHelpCache(y: Argv): Argv {
  const internal = (y as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.();
  const usage = internal?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
  return y;
}

function base(ctx: Ctx): Argv {
  return skipHelpCache(yargs())
    .scriptName('ferry')
    .usage('ferry: share a folder between machines, verified, over TCP or UDP\n\nUsage: $0 [command] [options]')
    .wrap(Math.min(110, ctx.io.stdout.columns ?? 100))
    .env(false)
    .example('$0 serve ~/Public', 'share a folder on 127.0.0.1:2003')
    .example('$0 index longlist --ext .txt --keyword budget', 'text files mentioning "budget"')
    .example('$0 download docs/report.pdf --udp', 'download over UDP, verified by MD5')
    .epilogue(
      'Environment: FERRY_SERVER, FERRY_TOKEN, FERRY_TLS, FERRY_FINGERPRINT, FERRY_CACHE_DIR, FERRY_LOCAL, FERRY_DATA_DIR, FERRY_CONFIG, FERRY_DEBUG.\nDefaults for them can live in the config file (ferry config path).\nRun `ferry COMMAND --help` for the options of a command.',
    )
    .demandCommand(1, 'name a command (see the list above)')
    .strict()
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version(VERSION)
    .alias('version', 'V')
    .exitProcess(false)
    .fail((message, err) => {
      // yargs reports parse problems as a message; handler failures as the error itself.
      throw err ?? new UsageError(message);
    });
}

/**
 * `ferry` alone (or with only options, like `ferry --server h:p`) opens the
 * full-screen client. Done here rather than as a yargs default command so that
 * `ferry --help` lists commands instead of the TUI's options.
 */
function withDefaultCommand(argv: string[]): string[] {
  if (argv[0] === COMPLETION_FLAG) return argv;
  if (argv.some((a) => COMMAND_NAMES.has(a) || ['--help', '-h', '--version', '-V'].includes(a))) return argv;
  // `ferry foo` is left alone so yargs reports the unknown command.
  return argv.length === 0 || argv[0]?.startsWith('-') ? ['tui', ...argv] : argv;
}

const SUBCOMMANDS = new Set(['longlist', 'shortlist', 'verify', 'checkall', 'list', 'stats', 'clear', 'rm', 'path', 'show', 'keys']);

const MISSING: Record<string, string> = {
  'hash verify': 'FILE (a path inside the share)',
  download: 'FILE (a path inside the share)',
  upload: 'LOCAL (the file to send)',
  cat: 'FILE (a path inside the share)',
  compare: 'REMOTE_DIR (a folder inside the share)',
  sync: 'REMOTE_DIR and LOCAL_DIR',
  mkdir: 'PATH (the folder to make, inside the share)',
  mv: 'FROM and TO (paths inside the share)',
  cp: 'FROM and TO (paths inside the share)',
  rm: 'PATH (what to remove, inside the share)',
  'index shortlist': 'START and END times',
  'cache rm': 'FILE (an MD5 or a remote path)',
};

/** `ferry index longlist --help`: where to look for the command the user was typing. */
function helpCommand(argv: string[]): string {
  const [first, second] = argv;
  if (first === undefined || !COMMAND_NAMES.has(first)) return 'ferry --help';
  return second !== undefined && SUBCOMMANDS.has(second) ? `ferry ${first} ${second} --help` : `ferry ${first} --help`;
}

/** yargs' messages, reworded where they would puzzle: unknown commands, suggestions. */
function usageMessage(message: string, argv: string[]): string {
  const first = argv[0];
  const unknownCommand = first !== undefined && !first.startsWith('-') && !COMMAND_NAMES.has(first);
  const suggestion = /^Did you mean (\S+)\?/.exec(message);
  if (unknownCommand) return `unknown command '${first}'${suggestion ? ` (did you mean ${suggestion[1]}?)` : ''}`;
  if (/^Not enough non-option arguments/.test(message)) {
    const key = argv
      .filter((a) => COMMAND_NAMES.has(a) || SUBCOMMANDS.has(a))
      .slice(0, 2)
      .join(' ');
    return `missing ${MISSING[key] ?? 'an argument'}`;
  }
  const unknown = /^Unknown arguments?: (.*)$/s.exec(message);
  if (unknown) return `unexpected argument${unknown[1]?.includes(',') ? 's' : ''}: ${unknown[1]}`;
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** Run the CLI with `argv` (without node and script). Resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const ctx: Ctx = { io, exitCode: 0 };
  const completing = argv[0] === COMPLETION_FLAG;
  // A broken config file must not hide where it is, the help, or a Tab press.
  const lenient = completing || (argv[0] === 'config' && argv[1] === 'path') || argv.some((a) => ['--help', '-h', '--version', '-V'].includes(a));
  try {
    await applyConfig(ctx);
  } catch (err) {
    if (!lenient) {
      io.stderr.write(`ferry: ${describeError(err)}\n`);
      return 1;
    }
    ctx.config = { file: configFile(io.env), exists: true, settings: {}, filled: new Set() };
  }
  if (completing) return complete(ctx, argv);
  const args = withDefaultCommand(argv);
  // The full-screen client restores the terminal on a crash itself; everything else is guarded here.
  const unguard = args.includes('tui') ? () => {} : guardCrashes(ctx.io, (err) => describeError(err));
  let output = '';
  try {
    await build(ctx).parseAsync(args, {}, (_err, _args, text) => {
      output = text ?? '';
    });
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`ferry: ${usageMessage(err.message, argv)}\n(see ${helpCommand(args)})\n`);
      return 1;
    }
    io.stderr.write(`ferry: ${describeError(err)}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  } finally {
    unguard();
  }
  // --help and --version: yargs hands the text back instead of printing it.
  if (output) io.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
  return ctx.exitCode;
}

/**
 * Answer a completion script's request, one candidate per line. Paths inside
 * the share are asked of the server here; commands and flags are left to yargs,
 * whose completion is synchronous, so it never also runs the command (an
 * asynchronous yargs completion does). Never an error: a Tab press stays quiet.
 */
async function complete(ctx: Ctx, argv: string[]): Promise<number> {
  try {
    const remote = await remoteCompletions(ctx.io, argv.slice(1));
    if (remote) {
      if (remote.length > 0) ctx.io.stdout.write(`${remote.join('\n')}\n`);
      return 0;
    }
    let output = '';
    await build(ctx).parseAsync(argv, {}, (_err, _args, text) => {
      output = text ?? '';
    });
    if (output) ctx.io.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
  } catch {
    // nothing to offer
  }
  return 0;
}

/** Read the config file and let its settings stand in for unset FERRY_* variables. */
async function applyConfig(ctx: Ctx): Promise<void> {
  const { file, exists, config } = await loadConfig(ctx.io.env);
  const env = await withConfigEnv(ctx.io.env, config, file);
  const filled = new Set(Object.keys(env).filter((k) => ctx.io.env[k] === undefined));
  ctx.io = { ...ctx.io, env };
  ctx.config = { file, exists, settings: config, filled };
}
