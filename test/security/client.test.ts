// Client-side confinement: a hostile server names files '../evil', absolute
// paths, names with control characters and terminal escapes. The client's
// download refuses them and writes nothing outside the destination, and the
// CLI never passes an escape sequence from the server through to the screen.

import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryClient } from '../../src/client/client.js';
import { RpcConnection } from '../../src/client/rpc.js';
import { codeOf } from '../helpers/server.js';
import { run } from '../cli/fake-io.js';
import { startHostileServer, type HostileScript } from './hostile-server.js';

let base: string;
let dest: string;
beforeEach(async () => {
  // dest is two levels down, so '../evil' and '../../evil' would land in folders the test can see.
  base = await mkdtemp(join(tmpdir(), 'ferry-hostile-'));
  dest = join(base, 'home', 'dest');
  await mkdir(dest, { recursive: true });
});
afterEach(() => rm(base, { recursive: true, force: true }));

/** Every file under base, as paths relative to it. */
async function everything(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(dir, e.name), r);
      else out.push(r);
    }
  };
  await walk(base, '');
  return out.sort();
}

async function withHostile<T>(script: HostileScript, fn: (client: FerryClient, port: number) => Promise<T>): Promise<T> {
  const hostile = await startHostileServer(script);
  const options = { host: '127.0.0.1', port: hostile.port };
  const client = new FerryClient(await RpcConnection.open(options), options, null);
  try {
    return await fn(client, hostile.port);
  } finally {
    await client.close();
    await hostile.close();
  }
}

const EVIL = Buffer.from('evil bytes\n');
const HOSTILE_NAMES = ['../evil', '../../evil', 'a/../../evil', '..', 'C:\\evil', '..\\evil', 'ev\u001b[2Jil', 'ev\nil', 'ev\u0000il', '.', ''];

describe('a download from a hostile server', () => {
  for (const name of HOSTILE_NAMES) {
    it(`refuses a file the server names ${JSON.stringify(name)} and writes nothing`, async () => {
      await withHostile({ stat: { f: { path: name, name, content: EVIL } } }, async (client) => {
        const code = await codeOf(client.download('f', { dest, noCache: true }));
        expect(['OUTSIDE_SHARE', 'BAD_REQUEST']).toContain(code);
      });
      expect(await everything()).toEqual([]);
    });
  }

  it('keeps an absolute-looking name inside the destination', async () => {
    await withHostile({ stat: { f: { path: '/etc/evil', name: '/etc/evil', content: EVIL } } }, async (client) => {
      await client.download('f', { dest, noCache: true });
    });
    expect(await everything()).toEqual(['home/dest/etc/evil']);
  });

  it('refuses a folder download whose listing escapes, and nothing lands outside the destination', async () => {
    const script: HostileScript = {
      stat: { dir: { dir: true, path: 'dir', name: 'dir' } },
      list: [
        { path: 'dir/ok.txt', content: Buffer.from('fine\n') },
        { path: 'dir/../../../evil', name: '../../../evil', content: EVIL },
        { path: '../../evil2', name: '../../evil2', content: EVIL },
      ],
    };
    await withHostile(script, async (client) => {
      expect(await codeOf(client.download('dir', { dest, recursive: true, noCache: true }))).toBe('OUTSIDE_SHARE');
    });
    for (const f of await everything()) expect(f.startsWith('home/dest/dir/'), f).toBe(true);
  });

  it('refuses a folder the server names ".." (the top of the tree)', async () => {
    await withHostile({ share: '..', stat: { '': { dir: true, path: '', name: '' } }, list: [{ path: 'x.txt', content: EVIL }] }, async (client) => {
      expect(await codeOf(client.download('', { dest, recursive: true, noCache: true }))).toBe('OUTSIDE_SHARE');
    });
    expect(await everything()).toEqual([]);
  });

  // A hostile server must not be able to fill the client's disk by sending
  // more than it announced.
  it('stops at the announced size when the server sends more', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    let code = '';
    await withHostile({ stat: { f: { path: 'f', content: big, size: 10 } } }, async (client) => {
      code = await codeOf(client.download('f', { dest, noCache: true }));
    });
    const part = await stat(join(dest, '.f.ferry-part')).catch(() => undefined);
    expect(part?.size ?? 0).toBeLessThanOrEqual(10);
    expect(code).toBe('TOO_LARGE');
  });

  it('never accepts more bytes than the server announced', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    await withHostile({ stat: { f: { path: 'f', content: big, size: 10 } } }, async (client) => {
      const code = await codeOf(client.download('f', { dest, noCache: true }));
      expect(code).not.toBe('resolved');
      expect(code.startsWith('uncoded')).toBe(false);
    });
    expect(await everything()).not.toContain('home/dest/f');
  });
});

describe('the CLI shows hostile names escaped', () => {
  it('ferry index longlist prints no control characters or escape sequences from the server', async () => {
    const names = ['plain.txt', 'red\u001b[31m.txt', 'clear\u001b[2J\u001b[H.txt', 'bell\u0007.txt', 'csi\u009b31m.txt', 'line\nbreak.txt', 'cr\rover.txt'];
    const script: HostileScript = { stat: {}, list: names.map((n) => ({ path: n, content: EVIL })) };
    const hostile = await startHostileServer(script);
    try {
      const r = await run(['index', 'longlist'], { env: { FERRY_SERVER: `127.0.0.1:${hostile.port}`, FERRY_CACHE_DIR: join(base, 'cache') } });
      expect(r.code, r.stderr).toBe(0);
      // eslint-disable-next-line no-control-regex
      expect(r.stdout.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      expect(r.stdout).toContain('red\\x1b[31m.txt');
      expect(r.stdout.split('\n').filter((l) => l.includes('.txt'))).toHaveLength(names.length);
      const j = await run(['index', 'longlist', '--json'], { env: { FERRY_SERVER: `127.0.0.1:${hostile.port}`, FERRY_CACHE_DIR: join(base, 'cache') } });
      // JSON output escapes control characters by its own rules, and round-trips them.
      expect(j.stdout).not.toMatch(/\u001b/);
      expect((JSON.parse(j.stdout) as { path: string }[]).map((e) => e.path).sort()).toEqual([...names].sort());
    } finally {
      await hostile.close();
    }
  });
});
