// Text from a hostile server reaches the screen escaped: error messages, log
// records (every field), names, WELCOME fields and hash results, in the CLI and
// in the app. A server's ERROR of `ESC[2J ESC]0;owned BEL` must not clear the
// screen or retitle the window.

import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryClient } from '../../src/client/client.js';
import { RpcConnection } from '../../src/client/rpc.js';
import { App } from '../../src/tui/components/App.js';
import { KeypressProvider } from '../../src/tui/hooks/use-keypress.js';
import { plainTheme, ThemeContext } from '../../src/tui/theme.js';
import { run } from '../cli/fake-io.js';
import { FakeCache } from '../helpers/fake-client.js';
import { render, type Rendered } from '../helpers/render.js';
import { scratchDir } from '../helpers/scratch.js';
import { startHostileServer, type HostileScript } from './hostile-server.js';

/** Clears the screen, sets the window title, rings the bell; a C1 CSI; a bidi override; a line separator. */
const HOSTILE = '\u001b[2J\u001b]0;owned\u0007 \u009b31m \u202egnp.exe \u2028 \u200b\ufeff';

/**
 * Anything a terminal would act on: C0 and C1 controls (ESC, BEL, CSI …) other
 * than the newline between lines, DEL, and the format characters that reorder
 * or hide text. `allowSgr` lets through the colour codes the app draws itself.
 */
function unsafe(text: string, allowSgr = false): string[] {
  const t = allowSgr ? text.replace(/\u001b\[[0-9;]*m/g, '') : text;
  // eslint-disable-next-line no-control-regex
  return [...t.matchAll(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff]/g)].map((m) =>
    m[0].codePointAt(0)!.toString(16),
  );
}

const FILE = { path: `evil${HOSTILE}.txt`, content: Buffer.from('x') };
const script: HostileScript = {
  share: `share${HOSTILE}`,
  serverName: `hostile${HOSTILE}`,
  errorMessage: `not found${HOSTILE}`,
  downloadError: { code: 'FORBIDDEN', message: `denied${HOSTILE}` },
  md5: `0123${HOSTILE}`,
  stat: { [FILE.path]: FILE, f: { ...FILE, path: 'f' } },
  list: [FILE, { path: 'f', content: Buffer.from('x') }],
  logs: [
    {
      time: `2026-01-01T00:00:00.000Z${HOSTILE}`,
      client: `1.2.3.4${HOSTILE}`,
      command: `list${HOSTILE}`,
      args: { path: `p${HOSTILE}`, [`key${HOSTILE}`]: `v${HOSTILE}`, nested: { deep: [HOSTILE] } },
      outcome: `ok${HOSTILE}`,
      bytes: 1,
      ms: 2,
      message: `m${HOSTILE}`,
    },
  ],
};

let base: string;
let hostile: Awaited<ReturnType<typeof startHostileServer>>;
beforeEach(async () => {
  base = await scratchDir('ferry-hostile-text-');
  hostile = await startHostileServer(script);
});
afterEach(async () => {
  await hostile.close();
});

const cli = (argv: string[], extra: { stdin?: string; tty?: boolean } = {}) =>
  run(argv, { env: { FERRY_SERVER: `127.0.0.1:${hostile.port}`, FERRY_CACHE_DIR: join(base, 'cache') }, cwd: base, ...extra });

describe('the CLI escapes what a hostile server says', () => {
  it.each([
    ['ferry download (an ERROR from the server)', ['download', 'f', '--dest', '.'], /denied\\x1b\[2J\\x1b\]0;owned\\x07/],
    ['ferry hash verify (an ERROR for a missing file)', ['hash', 'verify', 'nowhere'], /not found\\x1b\[2J/],
    ['ferry hash verify (a lying MD5)', ['hash', 'verify', 'f'], /0123\\x1b\[2J/],
    ['ferry logs (every field of a record)', ['logs'], /list\\x1b\[2J/],
    ['ferry index (names)', ['index', 'longlist'], /evil\\x1b\[2J/],
    ['ferry shell (the share name from WELCOME)', ['shell'], /share\\x1b\[2J/],
  ])('%s', async (_what, argv, shown) => {
    // The shell greets with the share name only on a terminal, where the line
    // editor draws its own escapes: check the greeting line alone there.
    const shell = argv[0] === 'shell';
    const r = await cli(argv, shell ? { stdin: 'quit\n', tty: true } : {});
    const output = shell ? (r.stdout.split('\n').find((l) => l.startsWith('connected to')) ?? '') : r.stdout + r.stderr;
    expect(unsafe(output)).toEqual([]);
    expect(output).toMatch(shown);
  });
});

describe('the client API escapes free text where it enters', () => {
  it('log records (every field, argument keys and nested values), error messages and WELCOME fields', async () => {
    const options = { host: '127.0.0.1', port: hostile.port };
    const client = new FerryClient(await RpcConnection.open(options), options, null);
    try {
      const text = JSON.stringify({ logs: await client.logs(), info: client.info, hash: await client.hash('f') });
      // JSON.stringify would write a raw control character as \u001b: finding none means they were escaped before.
      expect(text).not.toMatch(/(?<!\\)\\u(?:00[01]|202e|2028)/);
      expect(unsafe(text)).toEqual([]);
      const [record] = await client.logs();
      expect(record).toMatchObject({ command: expect.stringContaining('list\\x1b[2J'), outcome: expect.stringContaining('ok\\x1b[2J') });
      expect(Object.keys(record!.args).some((k) => k.startsWith('key\\x1b[2J'))).toBe(true);
      expect((record!.args.nested as { deep: string[] }).deep[0]).toContain('\\x07');
      expect(client.info.share).toContain('share\\x1b[2J');
      const err = (await client.hash('nowhere').catch((e: unknown) => e)) as Error;
      expect(err.message).toContain('not found\\x1b[2J\\x1b]0;owned\\x07');
      // Names stay exact: the client acts on them, and escapes them only where it shows them.
      expect((await client.list()).map((e) => e.path)).toContain(FILE.path);
    } finally {
      await client.close();
    }
  });
});

describe('the app escapes what a hostile server says', () => {
  let app: Rendered | undefined;
  let client: FerryClient | undefined;
  afterEach(async () => {
    app?.unmount();
    await client?.close();
    app = client = undefined;
  });

  async function mount(): Promise<Rendered> {
    const options = { host: '127.0.0.1', port: hostile.port };
    client = new FerryClient(await RpcConnection.open(options), options, null);
    app = render(
      <ThemeContext.Provider value={plainTheme}>
        <KeypressProvider>
          <App api={client} cache={new FakeCache()} localRoot={base} serverLabel={`127.0.0.1:${hostile.port}`} uploadAllowed={false} onExit={() => {}} />
        </KeypressProvider>
      </ThemeContext.Provider>,
      { columns: 160, rows: 30 },
    );
    return app;
  }
  /** Every frame drawn so far, not only the last: a flash of an escape is enough to act on. */
  const allFrames = (r: Rendered) => r.stdout.frames.join('\n');

  it('in the remote pane, an error in the message and transfer rows, and the log viewer', async () => {
    const r = await mount();
    await r.waitFor((f) => f.includes('evil'));
    // Download the plainly named file: the server refuses with a hostile message.
    await r.press('down', 'd');
    await r.waitFor((f) => f.includes('denied'), 5000);
    // The server log: every field of the record is the server's.
    await r.press('L');
    await r.waitFor((f) => f.includes('1.2.3.4'), 5000);
    expect(unsafe(allFrames(r), true)).toEqual([]);
    expect(r.frame()).toContain('list\\x1b[2J');
  });
});
