// Which render to use in a component test:
// - ink-testing-library's `render` when what the test asserts comes out the same at
//   any screen size (content, colours, keys and what they do);
// - `render` here when the terminal's columns and rows matter (layout, truncation,
//   the 80x24 and 120x36 layouts, row counts, scrolling, page size): ink-testing-
//   library's stdout is fixed at 100 columns and has no rows, and the app lays
//   itself out from both. The stdout here has both, and can be resized (emitting
//   'resize' as a terminal does).
// `drive` gives either one the same press/type/waitFor.

import { EventEmitter } from 'node:events';
import { render as inkRender, type Instance } from 'ink';
import type { ReactElement } from 'react';
import { keyBytes } from './keys.js';

export class SizedStdout extends EventEmitter {
  frames: string[] = [];
  isTTY = false;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string) => {
    this.frames.push(frame);
    return true;
  };
  lastFrame = () => this.frames[this.frames.length - 1];
}

export class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write = (data: string) => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

/** Typing into a mounted tree and reading its frames, whichever render mounted it. */
export interface Driven {
  stdin: { write(data: string): void };
  /** The latest frame ('' before the first). */
  frame(): string;
  lines(): string[];
  /**
   * Type keys by binding-table name: press('j'), press('down', 'enter'). Yields a
   * turn of the event loop after each key, as a typing person does: a lone Esc is
   * only an Esc once Ink has seen nothing follow it.
   */
  press(...names: string[]): Promise<void>;
  /** Type literal text (into a prompt). */
  type(text: string): Promise<void>;
  /** Resolve once the frame satisfies `predicate`; reject with the last frame after `timeoutMs`. */
  waitFor(predicate: (frame: string) => boolean, timeoutMs?: number): Promise<string>;
  unmount(): void;
}

export interface Rendered extends Driven {
  stdout: SizedStdout;
  stdin: FakeStdin;
  instance: Instance;
  resize(columns: number, rows: number): void;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** press/type/waitFor over a stdin to write to and the latest frame. */
export function drive(stdin: { write(data: string): void }, lastFrame: () => string | undefined, unmount: () => void): Driven {
  const frame = () => lastFrame() ?? '';
  return {
    stdin,
    frame,
    lines: () => frame().split('\n'),
    async press(...names) {
      for (const n of names) {
        stdin.write(keyBytes(n));
        // Ink decides a lone ESC is the Escape key on a later turn of the event
        // loop (sometimes two hops away); give it a few before the next byte, or
        // ESC and the next key would be read as one Alt-key.
        for (let i = 0; i < (n === 'escape' ? 6 : 1); i++) await turn();
      }
    },
    async type(text) {
      for (const ch of text) {
        stdin.write(ch);
        await turn();
      }
    },
    waitFor(predicate, timeoutMs = 2000) {
      return new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const check = () => {
          const f = frame();
          if (predicate(f)) return resolve(f);
          if (Date.now() > deadline) return reject(new Error(`timed out waiting for frame; last frame:\n${f}`));
          setTimeout(check, 5);
        };
        check();
      });
    },
    unmount,
  };
}

export function render(tree: ReactElement, size: { columns: number; rows: number }): Rendered {
  const stdout = new SizedStdout(size.columns, size.rows);
  const stdin = new FakeStdin();
  const stderr = new SizedStdout(size.columns, size.rows);
  const instance = inkRender(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const driven = drive(stdin, stdout.lastFrame, () => {
    instance.unmount();
    instance.cleanup();
  });
  return {
    ...driven,
    stdout,
    stdin,
    instance,
    resize(columns, rows) {
      stdout.columns = columns;
      stdout.rows = rows;
      stdout.emit('resize');
    },
  };
}

/** Text with ANSI escape sequences removed. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001B\[[0-9;?]*[ -/]*[@-~]/g, '');
}
