// The config file: defaults under the environment and the flags, a token kept in
// a file of its own, keys and colours for the app, and clear errors that change
// nothing when the file is wrong.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Command, commandFor, footerBindings, setKeyTable } from '../../src/tui/keys/bindings.js';
import { themeWith } from '../../src/tui/theme.js';
import { scratchDir } from '../helpers/scratch.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { run } from './fake-io.js';

let open: TestServer;
let guarded: TestServer;
beforeAll(async () => {
  open = await startTestServer({ 'open.txt': 'o' });
  guarded = await startTestServer({ 'secret.txt': 's' }, { token: 'correct-horse-battery-staple-42' });
});
afterAll(async () => {
  await open?.close();
  await guarded?.close();
});
afterEach(() => {
  setKeyTable({});
});

/** A config file holding `settings`, and the environment that points at it. */
async function withConfig(settings: unknown): Promise<{ dir: string; file: string; env: Record<string, string> }> {
  const dir = await scratchDir('ferry-config-');
  const file = path.join(dir, 'config.json');
  await fs.writeFile(file, typeof settings === 'string' ? settings : JSON.stringify(settings));
  return { dir, file, env: { FERRY_CONFIG: file, HOME: dir } };
}

describe('ferry config', () => {
  it('path names the XDG location; show reports built-in defaults when there is no file', async () => {
    const home = await scratchDir('ferry-home-');
    const env = { HOME: home, XDG_CONFIG_HOME: path.join(home, 'cfg') };
    expect((await run(['config', 'path'], { env })).stdout.trim()).toBe(path.join(home, 'cfg', 'ferry', 'config.json'));
    const show = await run(['config', 'show', '--json'], { env });
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({
      exists: false,
      settings: expect.arrayContaining([
        { setting: 'server', value: '127.0.0.1:2003', source: 'default' },
        { setting: 'md5', value: 'off', source: 'default' },
        { setting: 'mouse', value: 'on', source: 'default' },
        { setting: 'transfers', value: '4', source: 'default' },
      ]),
    });
    const md5 = await run(['config', 'show', '--json'], { env: (await withConfig({ md5: true })).env });
    expect(JSON.parse(md5.stdout).settings).toContainEqual({ setting: 'md5', value: 'on', source: 'config file' });
    const mouse = await run(['config', 'show', '--json'], { env: (await withConfig({ mouse: false })).env });
    expect(JSON.parse(mouse.stdout).settings).toContainEqual({ setting: 'mouse', value: 'off', source: 'config file' });
    const transfers = await run(['config', 'show', '--json'], { env: (await withConfig({ transfers: 8 })).env });
    expect(JSON.parse(transfers.stdout).settings).toContainEqual({ setting: 'transfers', value: '8', source: 'config file' });
  });

  it('its server is used, the environment overrides it, and a flag overrides both', async () => {
    const { env } = await withConfig({ server: `127.0.0.1:${open.server.port}` });
    const fromFile = await run(['index', 'longlist', '--json'], { env });
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout).map((e: { path: string }) => e.path)).toEqual(['open.txt']);
    const fromEnv = await run(['index', 'longlist', '--json'], { env: { ...env, FERRY_SERVER: '127.0.0.1:1' } });
    expect(fromEnv.code).not.toBe(0);
    const fromFlag = await run(['index', 'longlist', '--json', '--server', `127.0.0.1:${open.server.port}`], { env: { ...env, FERRY_SERVER: '127.0.0.1:1' } });
    expect(fromFlag.code).toBe(0);
    const show = JSON.parse((await run(['config', 'show', '--json'], { env })).stdout);
    expect(show.settings).toContainEqual({ setting: 'server', value: `127.0.0.1:${open.server.port}`, source: 'config file' });
  });

  it('reads the token from tokenFile (relative to the config file), never printing it', async () => {
    const { dir, env } = await withConfig({ server: `127.0.0.1:${guarded.server.port}`, tokenFile: 'token' });
    await fs.writeFile(path.join(dir, 'token'), 'correct-horse-battery-staple-42\n');
    const listed = await run(['index', 'longlist', '--json'], { env });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((e: { path: string }) => e.path)).toEqual(['secret.txt']);
    const show = await run(['config', 'show'], { env });
    expect(show.stdout).toMatch(/token\s+\(set\)\s+\[config file\]/);
    expect(show.stdout).not.toContain('correct-horse');
  });

  it('refuses a broken file with the file and every problem named, and runs nothing', async () => {
    const before = open.server.counters.requests;
    const { file, env } = await withConfig({
      server: `127.0.0.1:${open.server.port}`,
      sever: 'typo',
      tls: 'yes',
      md5: 1,
      mouse: 'no',
      transfers: 0,
      keys: { download: ['F13'] },
      colors: { accent: 'chartreuse' },
    });
    const r = await run(['index', 'longlist'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain("unknown setting 'sever'");
    expect(r.stderr).toContain("'tls' must be true or false");
    expect(r.stderr).toContain("'md5' must be true or false");
    expect(r.stderr).toContain("'mouse' must be true or false");
    expect(r.stderr).toContain("'transfers' must be a whole number from 1 to 64");
    expect(open.server.counters.requests).toBe(before);
    // Where the file is can always be asked.
    expect((await run(['config', 'path'], { env })).stdout.trim()).toBe(file);
  });

  it('names a bad key or colour, and a file that is not JSON', async () => {
    const keys = await run(['config', 'show'], { env: (await withConfig({ keys: { download: ['F13'], teleport: ['t'] } })).env });
    expect(keys.code).toBe(1);
    expect(keys.stderr).toContain("'F13' is not a key name");
    expect(keys.stderr).toContain("unknown command 'teleport'");
    const colors = await run(['config', 'show'], { env: (await withConfig({ colors: { accent: 'chartreuse' } })).env });
    expect(colors.stderr).toContain("'chartreuse' is not a colour");
    const json = await run(['config', 'show'], { env: (await withConfig('{ "server": ')).env });
    expect(json.code).toBe(1);
    expect(json.stderr).toMatch(/is not valid JSON/);
    const missingToken = await run(['index', 'longlist'], { env: (await withConfig({ tokenFile: '~/nowhere' })).env });
    expect(missingToken.stderr).toMatch(/cannot read the token file .*nowhere.*ENOENT/);
  });
});

describe('keys and colours from the config', () => {
  it('ferry config keys lists every command with the keys in force', async () => {
    const r = await run(['config', 'keys'], { env: (await withConfig({ keys: { download: ['F'] } })).env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^download\s+F\s+Download/m);
    expect(r.stdout).toMatch(/^check-all\s+V\s+/m);
  });

  it('rebinds a command everywhere: handlers, footer, help', () => {
    expect(setKeyTable({ download: ['F', 'C-d'] })).toEqual([]);
    expect(commandFor('panes', 'F')).toBe(Command.Download);
    expect(commandFor('panes', 'C-d')).toBe(Command.Download);
    expect(commandFor('panes', 'd')).toBeUndefined();
    expect(footerBindings({ scope: 'panes', pane: 'remote' }).find((b) => b.command === Command.Download)?.keys).toEqual(['F', 'C-d']);
    setKeyTable({});
    expect(commandFor('panes', 'd')).toBe(Command.Download);
  });

  it('leaves the table alone when an override is wrong', () => {
    expect(setKeyTable({ download: ['F'], quit: ['Ctrl-Q'] })).toHaveLength(1);
    expect(commandFor('panes', 'd')).toBe(Command.Download);
  });

  it('recolours a slot with a name or #rrggbb', () => {
    expect(themeWith({ accent: 'magenta', dir: '#88aaff' })).toMatchObject({ theme: { accent: 'magenta', dir: '#88aaff', ok: 'green' }, problems: [] });
  });
});
