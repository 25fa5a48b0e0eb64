// An in-memory CliIo: captured stdout/stderr, a chosen environment, piped
// stdin and a Ctrl-C the test can press.

import { PassThrough, Writable } from 'node:stream';
import type { CliIo, Interrupt, Output } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

export interface FakeIo extends CliIo {
  stdin: PassThrough & { isTTY?: boolean };
  stdoutText(): string;
  /** Everything written to stdout, byte for byte (`ferry cat` writes raw bytes). */
  stdoutBytes(): Buffer;
  stderrText(): string;
  interrupt(signal?: Interrupt): void;
  /** Resolves once stdout contains `text` (or rejects after `ms`). */
  waitForStdout(text: string | RegExp, ms?: number): Promise<void>;
}

export interface FakeIoOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Pretend stdout and stderr are terminals (progress lines are drawn). */
  tty?: boolean;
  stdin?: string;
  /** Sees every stderr write as it happens (e.g. to press Ctrl-C mid-transfer). */
  onStderr?: (text: string, io: FakeIo) => void;
}

/** A real Writable (readline wants one on a terminal) whose writes land synchronously in `onWrite`. */
function sink(tty: boolean, onWrite: (text: string) => void, onBytes?: (bytes: Buffer) => void): Output {
  const w = new Writable({ write: (_chunk, _enc, cb) => cb() }) as Writable & { isTTY?: boolean; columns?: number };
  w.write = ((chunk: unknown) => {
    onBytes?.(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
    onWrite(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
    return true;
  }) as typeof w.write;
  w.isTTY = tty;
  w.columns = 100;
  return w;
}

export function fakeIo(options: FakeIoOptions = {}): FakeIo {
  let stdout = '';
  const stdoutChunks: Buffer[] = [];
  let stderr = '';
  const handlers = new Set<(s: Interrupt) => void>();
  const waiters = new Set<() => void>();
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (options.stdin !== undefined) stdin.end(options.stdin);
  const tty = options.tty === true;
  if (tty) stdin.isTTY = true;
  const io: FakeIo = {
    stdout: sink(
      tty,
      (t) => {
        stdout += t;
        waiters.forEach((w) => w());
      },
      (b) => stdoutChunks.push(b),
    ),
    stderr: sink(tty, (t) => {
      stderr += t;
      options.onStderr?.(t, io);
    }),
    stdin,
    // Never the developer's own config file: unless the test names one, there is none.
    env: { XDG_CONFIG_HOME: '/nonexistent/ferry-test-config', ...options.env },
    cwd: options.cwd ?? process.cwd(),
    onInterrupt(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    stdoutText: () => stdout,
    stdoutBytes: () => Buffer.concat(stdoutChunks),
    stderrText: () => stderr,
    interrupt(signal = 'SIGINT') {
      for (const h of [...handlers]) h(signal);
    },
    waitForStdout(text, ms = 10_000) {
      const found = () => (typeof text === 'string' ? stdout.includes(text) : text.test(stdout));
      return new Promise((resolve, reject) => {
        if (found()) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`stdout never contained ${String(text)}; it was:\n${stdout}\nstderr:\n${stderr}`));
        }, ms);
        const check = () => {
          if (!found()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
  };
  return io;
}

/** Run the CLI in-process; returns the exit code and what it printed. */
export async function run(argv: string[], options: FakeIoOptions = {}) {
  const io = fakeIo(options);
  const code = await main(argv, io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText(), stdoutBytes: io.stdoutBytes() };
}
