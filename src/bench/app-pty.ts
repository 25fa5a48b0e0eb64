// The app (`ferry tui`) in a pseudo-terminal, as a person at a terminal runs
// it: keys written to the terminal, the screen read back through a headless
// xterm, and the time from a key to the frame it causes. Ink ends every frame
// with the end of a synchronized update (ESC [ ? 2026 l), so a frame's arrival
// is seen in the raw output without parsing the screen.

import xterm from '@xterm/headless';
import type * as Pty from '@lydell/node-pty';
import { RssSampler, workerPid } from './proc.js';

const FRAME_END = '\u001b[?2026l';

export interface AppSession {
  /** The screen as text, one line per row. */
  screen(): Promise<string>;
  waitScreen(what: string, pred: (s: string) => boolean, timeoutMs: number): Promise<string>;
  /**
   * Write `key` and resolve with the milliseconds until the output settled:
   * from the write to the end of the last frame before `quietMs` of silence.
   * Null when no frame came within `timeoutMs`.
   */
  keyToFrame(key: string, quietMs: number, timeoutMs: number): Promise<number | null>;
  write(data: string): void;
  /** Frames drawn so far. */
  frames(): number;
  /** The app's peak resident set so far (VmHWM), bytes. */
  peakRss(): number;
  /** q (and y if asked), then the exit; kills it if it does not go. */
  quit(): Promise<void>;
}

export async function openApp(
  bin: string,
  args: readonly string[],
  /** `nodeArgs`: for Node itself before the script (--cpu-prof, to see where the app's time goes). */
  o: { env: NodeJS.ProcessEnv; cwd: string; cols?: number; rows?: number; nodeArgs?: readonly string[] },
): Promise<AppSession> {
  const pty = (await import('@lydell/node-pty')) as typeof Pty;
  const cols = o.cols ?? 120;
  const rows = o.rows ?? 36;
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.env)) if (v !== undefined) env[k] = v;
  env.TERM = 'xterm-256color';
  const proc = pty.spawn(process.execPath, [...(o.nodeArgs ?? []), bin, 'tui', ...args], { name: 'xterm-256color', cols, rows, cwd: o.cwd, env });
  let lastData = 0;
  let lastFrame = 0;
  let frames = 0;
  let exited = false;
  let pending = Promise.resolve();
  proc.onData((d) => {
    const now = performance.now();
    lastData = now;
    if (d.includes(FRAME_END)) {
      lastFrame = now;
      frames += d.split(FRAME_END).length - 1;
    }
    pending = pending.then(() => new Promise<void>((r) => term.write(d, r)));
  });
  // A bench stopped part way (Ctrl-C, a timeout) leaves no app behind.
  const stop = () => {
    if (!exited) proc.kill();
  };
  process.once('exit', stop);
  const gone = new Promise<void>((resolve) =>
    proc.onExit(() => {
      exited = true;
      process.off('exit', stop);
      resolve();
    }),
  );
  // Sampled from the start: the peak may come while the first listing arrives.
  const sampler = new RssSampler(workerPid(proc.pid));
  const screen = async () => {
    await pending;
    const b = term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < term.rows; i++) out.push(b.getLine(i)?.translateToString(true) ?? '');
    return out.join('\n');
  };
  const session: AppSession = {
    screen,
    async waitScreen(what, pred, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const s = await screen();
        if (pred(s)) return s;
        if (exited) throw new Error(`the app exited while waiting for ${what}; last screen:\n${s}`);
        if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}; last screen:\n${s}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    keyToFrame(key, quietMs, timeoutMs) {
      const sent = performance.now();
      proc.write(key);
      return new Promise((resolve) => {
        const check = () => {
          const now = performance.now();
          if (lastFrame > sent && now - lastData >= quietMs) return resolve(lastFrame - sent);
          if (now - sent > timeoutMs) return resolve(null);
          setTimeout(check, 2);
        };
        setTimeout(check, 1);
      });
    },
    write: (data) => proc.write(data),
    frames: () => frames,
    peakRss: () => {
      sampler.sample();
      return sampler.peak;
    },
    async quit() {
      sampler.sample();
      if (!exited) proc.write('q');
      const asked = await Promise.race([gone.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 1500))]);
      if (asked && !exited) proc.write('y');
      const done = await Promise.race([gone.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
      sampler.stop();
      if (!done) proc.kill();
    },
  };
  return session;
}
