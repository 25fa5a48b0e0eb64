// Everything the CLI touches in the outside world, gathered in one object so
// tests can run `main()` in-process with captured streams, their own
// environment and a fake Ctrl-C.

export interface Output {
  write(text: string): unknown;
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

/** Write one line to stdout. */
export function out(io: CliIo, line = ''): void {
  io.stdout.write(`${line}\n`);
}

/** Write a `ferry: ` message to stderr. */
export function warn(io: CliIo, message: string): void {
  io.stderr.write(`ferry: ${message}\n`);
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** What a command handler gets: the outside world, and where to put its exit code. */
export interface Ctx {
  io: CliIo;
  exitCode: number;
}
