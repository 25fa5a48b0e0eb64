// Everything the CLI touches in the outside world, gathered in one object so
// tests can run `main()` in-process with captured streams, their own
// environment and a fake Ctrl-C.

export interface Output {
  /** Text, or raw bytes (`ferry cat`); may return false when the stream is full. */
  write(chunk: string | Uint8Array): unknown;
  isTTY?: boolean;
  columns?: number;
}

export type Interrupt = 'SIGINT' | 'SIGTERM';

export interface CliIo {
  stdout: Output;
  stderr: Output;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** The real process (not a test's capture): process-wide guards apply. */
  readonly real?: boolean;
  /** Call `handler` on Ctrl-C / SIGTERM until the returned function is called. */
  onInterrupt(handler: (signal: Interrupt) => void): () => void;
}

let pipesGuarded = false;

/**
 * `ferry index longlist | head` closes our stdout early. Like any Unix tool,
 * stop quietly then, instead of dying on an unhandled EPIPE with a stack trace.
 */
function guardPipes(): void {
  if (pipesGuarded) return;
  pipesGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    process.stderr.write(`ferry: cannot write output: ${err.message}\n`);
    process.exit(1);
  });
  // Nowhere left to report a broken stderr; the exit code still tells.
  process.stderr.on('error', () => {});
}

export function processIo(): CliIo {
  guardPipes();
  return {
    real: true,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    onInterrupt(handler) {
      const onInt = () => handler('SIGINT');
      const onTerm = () => handler('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      return () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
    },
  };
}

/**
 * A failure nobody awaited (a socket error inside a library, say) must still
 * end as one `ferry:` line, not a stack trace; FERRY_DEBUG=1 shows the trace.
 * Returns a function that removes the guard.
 */
export function guardCrashes(io: CliIo, describe: (err: unknown) => string): () => void {
  if (!io.real) return () => {};
  const crash = (err: unknown) => {
    const detail = io.env.FERRY_DEBUG && err instanceof Error && err.stack ? `\n${err.stack}` : '';
    io.stderr.write(`ferry: internal error: ${describe(err)}${detail}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  return () => {
    process.off('uncaughtException', crash);
    process.off('unhandledRejection', crash);
  };
}

/** Write one line to stdout. */
export function out(io: CliIo, line = ''): void {
  io.stdout.write(`${line}\n`);
}

/** Write and, when the stream says it is full, wait for it to drain (a pipe to `less` reads slowly). */
export function writeOut(stream: Output, chunk: string | Uint8Array): Promise<void> {
  const ok = stream.write(chunk);
  const s = stream as Output & { once?: (event: 'drain', fn: () => void) => unknown };
  if (ok !== false || typeof s.once !== 'function') return Promise.resolve();
  return new Promise((resolve) => s.once!('drain', resolve));
}

/** Lines this many at a time make one write: few system calls, and no one string as long as a huge tree's output. */
const LINES_PER_WRITE = 1024;

/** Many lines to stdout, each ended by a newline, in a few writes. */
export function writeLines(io: CliIo, lines: readonly string[]): void {
  for (let i = 0; i < lines.length; i += LINES_PER_WRITE) io.stdout.write(`${lines.slice(i, i + LINES_PER_WRITE).join('\n')}\n`);
}

/** Write a `ferry: ` message to stderr. */
export function warn(io: CliIo, message: string): void {
  io.stderr.write(`ferry: ${message}\n`);
}

/** The terminal's width, which tables then fit; undefined when output goes to a pipe or a file (nothing is cut there). */
export function terminalWidth(io: CliIo): number | undefined {
  return io.stdout.isTTY === true && typeof io.stdout.columns === 'number' && io.stdout.columns > 0 ? io.stdout.columns : undefined;
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** What a command handler gets: the outside world, and where to put its exit code. */
export interface Ctx {
  io: CliIo;
  exitCode: number;
  /**
   * The config file in force (see config.ts): its settings (empty when there is
   * no file) and the FERRY_* variables it filled in because the environment had none.
   */
  config?: { file: string; exists: boolean; settings: import('./config.js').FerryConfig; filled: ReadonlySet<string> };
}
