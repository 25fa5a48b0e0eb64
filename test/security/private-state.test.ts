// `ferry serve ~` must never serve ferry's own state: the TLS private key, the
// known servers, the hash index, the command log and its rotated files, the
// client cache, the config folder. Sharing the home folder is legitimate, so
// these are excluded, not refused: every op answers NOT_FOUND and no listing,
// walk, hash or keyword search shows them, however they are reached (directly,
// through a symlinked folder, or as a hard link). The sample share lives inside
// ferry's data folder, and sharing it (or the data folder itself) still works.

import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcConnection } from '../../src/client/rpc.js';
import { FerryError } from '../../src/protocol/errors.js';
import type { Request } from '../../src/protocol/messages.js';
import { FerryServer } from '../../src/server/server.js';

const XDG = ['XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_STATE_HOME'] as const;
const saved = Object.fromEntries(XDG.map((k) => [k, process.env[k]]));
const TOKEN = 'private-state-test-token';

let base: string;
let home: string;
let server: FerryServer;
let rpc: RpcConnection;
const at = (rel: string) => join(home, rel);

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ferry-private-'));
  home = join(base, 'home');
  // A home folder laid out the way env-paths finds ferry's folders on Linux.
  process.env.XDG_DATA_HOME = at('.local/share');
  process.env.XDG_CONFIG_HOME = at('.config');
  process.env.XDG_CACHE_HOME = at('.cache');
  process.env.XDG_STATE_HOME = at('.local/state');
  const files: Record<string, string> = {
    'docs/readme.txt': 'the words PRIVATE KEY appear in this ordinary file\n',
    '.local/share/ferry/known-servers': '127.0.0.1:2003 sha256:AB\n',
    '.local/share/ferry/sample-share/welcome.txt': 'welcome\n',
    '.config/ferry/settings.json': '{}\n',
    '.cache/ferry/index.json': '{"PRIVATE KEY":1}\n',
    '.local/state/ferry/tui.log': 'PRIVATE KEY\n',
    'logs/server.log.jsonl.1': '{"rotated":"PRIVATE KEY"}\n',
    'logs/server.log.jsonl.2': '{"rotated":"PRIVATE KEY"}\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(at(rel), '..'), { recursive: true });
    await writeFile(at(rel), text);
  }
  // --log ELSEWHERE, where ELSEWHERE is a symlink to a folder inside the share.
  await symlink(at('logs'), join(base, 'elsewhere'));
  server = await FerryServer.start({
    root: home,
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    tls: true,
    allowUpload: true,
    logFile: join(base, 'elsewhere', 'server.log.jsonl'),
  });
  // Made once the server runs, as a local user could: a hard link to the key and
  // to the log, a symlinked folder and a symlinked file into ferry's data folder.
  await link(at('.local/share/ferry/tls-identity.pem'), at('docs/key-copy.pem'));
  await link(at('logs/server.log.jsonl'), at('docs/log-copy'));
  await symlink('../.local/share/ferry', at('docs/state-link'));
  await symlink('../.local/share/ferry/tls-identity.pem', at('docs/key-link'));
  rpc = await RpcConnection.open({
    host: '127.0.0.1',
    port: server.port,
    token: TOKEN,
    tls: true,
    fingerprint: server.fingerprint!,
    knownServersFile: join(base, 'known'),
  });
});

afterAll(async () => {
  await rpc?.close();
  await server?.close();
  for (const k of XDG) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await rm(base, { recursive: true, force: true });
});

interface Outcome {
  code?: string;
  text: string;
}

async function attempt(conn: RpcConnection, request: Request): Promise<Outcome> {
  const parts: string[] = [];
  try {
    const reply = await conn.request(request, {
      onItem: (h) => parts.push(JSON.stringify(h)),
      onData: (p) => parts.push(Buffer.from(p).toString('latin1')),
    });
    parts.push(JSON.stringify(reply));
    return { text: parts.join('\n') };
  } catch (err) {
    if (!(err instanceof FerryError)) throw err;
    return { code: err.code, text: parts.join('\n') };
  }
}

const PRIVATE = [
  '.local/share/ferry/tls-identity.pem',
  '.local/share/ferry/known-servers',
  '.local/share/ferry',
  '.local/share/ferry/sample-share/welcome.txt',
  '.config/ferry/settings.json',
  '.cache/ferry',
  '.cache/ferry/index.json',
  '.local/state/ferry/tui.log',
  'logs/server.log.jsonl',
  'logs/server.log.jsonl.1',
  'logs/server.log.jsonl.2',
  'docs/key-copy.pem',
  'docs/log-copy',
  'docs/state-link',
  'docs/state-link/tls-identity.pem',
  'docs/key-link',
];
const NAMES = [
  'tls-identity',
  'known-servers',
  'settings.json',
  'index.json',
  'tui.log',
  'server.log',
  'key-copy',
  'log-copy',
  'state-link',
  'key-link',
  'sample-share',
  'BEGIN',
];

describe("ferry serve ~ keeps ferry's own state private", () => {
  it.each(PRIVATE)('%s is NOT_FOUND for every op', async (rel) => {
    for (const op of ['list', 'stat', 'hash', 'hashall', 'download', 'udp'] as const) {
      const o = await attempt(rpc, { op, path: rel } as Request);
      expect(o.code, `${op} ${rel}`).toBe('NOT_FOUND');
      expect(o.text).not.toContain('PRIVATE KEY-----');
    }
    const before = await readFile(at(rel)).catch(() => undefined);
    const up = await attempt(rpc, { op: 'upload', path: rel, size: 1, md5: '0cc175b9c0f1b6a831c399e269772661', overwrite: true });
    // A symlink is never replaced (NOT_A_FILE); everything else is not there at all.
    expect(['NOT_FOUND', 'NOT_A_FILE'], `upload ${rel}`).toContain(up.code);
    // Unchanged (the command log only grows: by this very refusal).
    const after = await readFile(at(rel)).catch(() => undefined);
    expect(after?.subarray(0, before?.length ?? 0)).toEqual(before);
  });

  it('listings, walks and hashes of the whole share never show it', async () => {
    const all = await attempt(rpc, { op: 'list', path: '/', recursive: true, hidden: true });
    expect(all.code).toBeUndefined();
    expect(all.text).toContain('readme.txt');
    for (const name of NAMES) expect(all.text, name).not.toContain(name);
    const hashed = await attempt(rpc, { op: 'hashall', path: '/' });
    expect(hashed.code).toBeUndefined();
    expect(hashed.text).toContain('readme.txt');
    for (const name of NAMES) expect(hashed.text, name).not.toContain(name);
  });

  it('a keyword search finds the words only in the ordinary file', async () => {
    const found = await attempt(rpc, { op: 'list', path: '/', recursive: true, hidden: true, keyword: 'PRIVATE KEY' });
    expect(found.code).toBeUndefined();
    expect(found.text).toContain('readme.txt');
    for (const name of NAMES) expect(found.text, name).not.toContain(name);
  });
});

describe("shares inside ferry's data folder", () => {
  it('the sample share is served whole, and the data folder without its key and known servers', async () => {
    for (const [root, visible, hidden] of [
      [at('.local/share/ferry/sample-share'), ['welcome.txt'], []],
      [at('.local/share/ferry'), ['sample-share', 'welcome.txt'], ['tls-identity', 'known-servers']],
    ] as const) {
      const s = await FerryServer.start({ root, host: '127.0.0.1', port: 0, udp: false, tls: true, logFile: join(base, 'second.log') });
      const conn = await RpcConnection.open({ host: '127.0.0.1', port: s.port, tls: true, fingerprint: s.fingerprint!, knownServersFile: join(base, 'known') });
      try {
        const o = await attempt(conn, { op: 'list', path: '/', recursive: true, hidden: true });
        expect(o.code).toBeUndefined();
        for (const name of visible) expect(o.text, name).toContain(name);
        for (const name of hidden) expect(o.text, name).not.toContain(name);
        if (hidden.length) expect((await attempt(conn, { op: 'download', path: 'tls-identity.pem' })).code).toBe('NOT_FOUND');
      } finally {
        await conn.close();
        await s.close();
      }
    }
  });
});
