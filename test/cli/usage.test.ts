// The command line's own behaviour, no server needed: help, usage errors,
// and failures reported as one `ferry:` line with exit code 1.

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { run } from './fake-io.js';

describe('help', () => {
  it('lists every command', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const cmd of ['serve [dir]', 'index', 'hash', 'download <file>', 'upload <local>', 'logs', 'watch [dir]', 'cache', 'shell', 'tui']) {
      expect(r.stdout).toContain(`ferry ${cmd}`);
    }
  });

  it.each([
    [
      ['index', 'longlist', '--help'],
      ['--ext', '--keyword', '--path', '--recursive', '--hidden', '--server', '--token', '--json'],
    ],
    [
      ['index', 'shortlist', '--help'],
      ['<start> <end>', '--ext', '--path', '--recursive'],
    ],
    [
      ['hash', 'verify', '--help'],
      ['<file>', '--rehash', '--json'],
    ],
    [
      ['hash', 'checkall', '--help'],
      ['--path', '--rehash'],
    ],
    [
      ['download', '--help'],
      ['--dest', '--tcp', '--udp', '--overwrite', '--recursive', '--transfers', '--md5', '--no-cache', '--cache-dir', '--cache-size'],
    ],
    [
      ['upload', '--help'],
      ['--as', '--overwrite', '--recursive', '--transfers'],
    ],
    [
      ['logs', '--help'],
      ['--follow', '--limit'],
    ],
    [
      ['watch', '--help'],
      ['[dir]', '--recursive', '--json', '--server'],
    ],
    [
      ['serve', '--help'],
      ['--host', '--port', '--udp-port', '--log', '--allow-write', '--allow-upload', '--token'],
    ],
    [
      ['cache', '--help'],
      ['list', 'stats', 'clear', 'rm <file>'],
    ],
    [
      ['shell', '--help'],
      ['--dest', '--server'],
    ],
    [
      ['tui', '--help'],
      ['--server', '--share', '--local'],
    ],
  ])('%j documents its options', async (argv, words) => {
    const r = await run(argv);
    expect(r.code).toBe(0);
    for (const w of words) expect(r.stdout).toContain(w);
  });

  it('prints the version', async () => {
    const r = await run(['--version']);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('usage errors', () => {
  it.each([
    [['frobnicate'], /^ferry: unknown command 'frobnicate'/],
    [['downlod', 'x'], /^ferry: unknown command 'downlod' \(did you mean download\?\)/],
    [['index'], /^ferry: choose longlist or shortlist/],
    [['index', 'longlist', '--bogus'], /^ferry: unexpected argument: bogus/],
    [['hash', 'verify'], /^ferry: missing FILE/],
    [['index', 'shortlist', '2020-01-01'], /^ferry: missing START and END/],
    [['download', 'x', '--tcp', '--udp'], /^ferry: arguments tcp and udp are mutually exclusive/],
    [['index', 'shortlist', '2020-02-30', '2021-01-01'], /^ferry: invalid time '2020-02-30': 2020-02 has 29 days/],
    [['index', 'shortlist', '2021-01-01', '2020-01-01'], /^ferry: start '2021-01-01' is after end '2020-01-01'/],
    [['index', 'shortlist', '2020-01-01', '10:00', '2021-01-01', 'x'], /^ferry: expected START and END, got '2020-01-01 10:00 2021-01-01 x'/],
    [['logs', '--limit', '-3'], /^ferry: --limit must be a whole number/],
    [['index', 'longlist', '--server', 'host:99999'], /^ferry: 'host:99999' is not a server address/],
    [['index', 'longlist', '--server', ''], /^ferry: --server is empty/],
    [['index', 'longlist', '--server', '  '], /^ferry: --server is empty/],
    [['index', 'longlist', '--server', 'http://host:2003'], /^ferry: 'http:\/\/host:2003' is not a server address/],
    [['index', 'longlist', '--server', 'two words:2003'], /^ferry: 'two words:2003' is not a server address/],
    [['download', 'x', '--cache-size', 'lots'], /^ferry: invalid --cache-size 'lots'/],
    [['serve', '.', '--port', '70000'], /^ferry: --port must be a port number/],
  ])('%j fails with a one-line message and exit code 1', async (argv, pattern) => {
    const r = await run(argv);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('refuses an empty FERRY_SERVER instead of quietly using the default address', async () => {
    for (const argv of [['index', 'longlist'], ['shell']]) {
      const r = await run(argv, { env: { FERRY_SERVER: '' }, stdin: '' });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^ferry: FERRY_SERVER is empty/);
    }
    // The full-screen client too: an empty address must not start an embedded server or connect anywhere.
    const tui = await run([], { env: { FERRY_SERVER: '' }, tty: true });
    expect(tui).toMatchObject({ code: 1, stderr: expect.stringMatching(/^ferry: FERRY_SERVER is empty/) });
    const flag = await run(['--server', ''], { tty: true });
    expect(flag).toMatchObject({ code: 1, stderr: expect.stringMatching(/^ferry: --server is empty/) });
  });

  it('says plainly when nothing listens at the address', async () => {
    // A port that was free a moment ago: bind, note it, close.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = await run(['index', 'longlist'], { env: { FERRY_SERVER: `127.0.0.1:${port}` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ferry: cannot connect to 127.0.0.1:${port}: connection refused (is \`ferry serve\` running?)\n`);
  });

  it("checks the full-screen client's options before starting anything", async () => {
    const local = await run(['--local', '/no/such/folder'], { tty: true });
    expect(local).toMatchObject({ code: 1, stderr: 'ferry: --local /no/such/folder is not a folder\n' });
    const both = await run(['--share', '.', '--server', 'h:1'], { tty: true });
    expect(both.code).toBe(1);
    expect(both.stderr).toBe('ferry: arguments share and server are mutually exclusive\n(see ferry tui --help)\n');
  });

  it('refuses to start the full-screen client without a terminal', async () => {
    const r = await run([]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ferry: the full-screen client needs a terminal/);
  });
});
