import { afterEach, describe, expect, it } from 'vitest';
import { runTui } from '../../src/tui/run.js';
import { MOUSE_OFF, MOUSE_ON } from '../../src/tui/keys/mouse.js';
import { ENTER_ALT_SCREEN, LEAVE_ALT_SCREEN, SHOW_CURSOR } from '../../src/tui/terminal.js';
import { FakeCache, FakeFerry } from '../helpers/fake-client.js';
import { FakeStdin, SizedStdout } from '../helpers/render.js';
import { keyBytes } from '../helpers/keys.js';
import { localFolder, SAMPLE } from './harness.js';

function setup(options: { mouse?: boolean } = {}) {
  const stdout = new SizedStdout(100, 30);
  // A pretend terminal, so the app hides and shows the cursor as on a real one.
  // Ink's cursor hiding (cli-cursor) also registers restore-cursor's exit hook,
  // which writes one ESC[?25h to this worker's real stderr when it exits: the
  // lone cursor-show at the end of a local `npm test` (Ink skips it under CI).
  stdout.isTTY = true;
  const stdin = new FakeStdin();
  let raw = false;
  stdin.setRawMode = ((on: boolean) => {
    raw = on;
  }) as () => void;
  const api = new FakeFerry(SAMPLE);
  const done = runTui({
    api,
    cache: new FakeCache(),
    localRoot: localFolder({ 'a.txt': 'a' }),
    serverLabel: api.info.address,
    uploadAllowed: false,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    ...options,
  });
  const output = () => stdout.frames.join('');
  // The app is up once it has asked for both listings.
  const started = async () => {
    const deadline = Date.now() + 2000;
    while (api.listCalls.length < 1 || !raw) {
      if (Date.now() > deadline) throw new Error('app did not start');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { stdout, stdin, api, done, output, started, isRaw: () => raw };
}

let pending: Promise<unknown> | undefined;
afterEach(async () => {
  await pending?.catch(() => undefined);
});

describe('runTui', () => {
  it('enters the alternate screen and restores the terminal exactly on q', async () => {
    const t = setup();
    pending = t.done;
    await t.started();
    expect(t.output().startsWith(ENTER_ALT_SCREEN)).toBe(true);
    t.stdin.write('q');
    await t.done;
    expect(t.output().endsWith(SHOW_CURSOR + LEAVE_ALT_SCREEN)).toBe(true);
    expect(t.output().split(LEAVE_ALT_SCREEN)).toHaveLength(2); // exactly once
    expect(t.isRaw()).toBe(false);
  });

  it('restores on Ctrl-C', async () => {
    const t = setup();
    pending = t.done;
    await t.started();
    t.stdin.write(keyBytes('C-c'));
    await t.done;
    expect(t.output().endsWith(SHOW_CURSOR + LEAVE_ALT_SCREEN)).toBe(true);
  });

  it('restores and rejects with the error when rendering crashes, without a stack trace on screen', async () => {
    const t = setup();
    pending = t.done;
    await t.started();
    // The pane's listing is asked for in an effect: a synchronous throw there crashes the render.
    t.api.listStream = () => {
      throw new Error('boom');
    };
    t.stdin.write('r');
    await expect(t.done).rejects.toThrow('boom');
    expect(t.output().endsWith(SHOW_CURSOR + LEAVE_ALT_SCREEN)).toBe(true);
    expect(t.output()).not.toMatch(/\bat .*\.(tsx?|js):\d+/);
  });

  it('asks for mouse reports on entry and turns them off on every way out', async () => {
    for (const leave of ['q', keyBytes('C-c')]) {
      const t = setup();
      pending = t.done;
      await t.started();
      expect(t.output()).toContain(ENTER_ALT_SCREEN + '\u001B[?25l\u001B[2J\u001B[H' + MOUSE_ON);
      t.stdin.write(leave);
      await t.done;
      expect(t.output().endsWith(MOUSE_OFF + SHOW_CURSOR + LEAVE_ALT_SCREEN)).toBe(true);
    }
    const crash = setup();
    pending = crash.done;
    await crash.started();
    // The pane's listing is asked for in an effect: a synchronous throw there crashes the render.
    crash.api.listStream = () => {
      throw new Error('boom');
    };
    crash.stdin.write('r');
    await expect(crash.done).rejects.toThrow('boom');
    expect(crash.output().endsWith(MOUSE_OFF + SHOW_CURSOR + LEAVE_ALT_SCREEN)).toBe(true);
  });

  it('leaves the mouse alone when told to', async () => {
    const t = setup({ mouse: false });
    pending = t.done;
    await t.started();
    t.stdin.write('q');
    await t.done;
    expect(t.output()).not.toContain(MOUSE_ON);
    expect(t.output()).not.toContain(MOUSE_OFF);
  });
});
