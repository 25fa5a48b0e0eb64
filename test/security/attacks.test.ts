// Hostile paths over the wire: every op that takes a path, against every way
// out of the share we know of. Each refusal must be coded, must leave the
// sentinel outside the share untouched and unread, and must be in the command
// log. Plus: ferry's own files never show, and a folder swapped for a symlink
// while requests run never leaks the sentinel.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcConnection } from '../../src/client/rpc.js';
import { FerryError } from '../../src/protocol/errors.js';
import type { Request } from '../../src/protocol/messages.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';
import { startSwapLoop } from '../helpers/swap-loop.js';
import { SENTINEL_CONTENT } from '../helpers/temp-share.js';

const md5 = (b: string | Buffer) => createHash('md5').update(b).digest('hex');
const SENTINEL_MD5 = md5(SENTINEL_CONTENT);

let t: TestServer;
let rpc: RpcConnection;
let logFile: string;
let hasDevice = false;

beforeAll(async () => {
  t = await startTestServer({ 'a.txt': 'inside a\n', 'sub/b.txt': 'inside b\n', 'race/f.txt': 'race f\n' }, { allowUpload: true });
  logFile = `${t.scratch}/server.log.jsonl`;
  const { root } = t.share;
  await symlink(t.share.outside, `${root}/link-out`);
  await symlink(t.share.sentinel, `${root}/link-sentinel`);
  await symlink('/dev/zero', `${root}/zero`);
  await symlink('sub/b.txt', `${root}/link-in`);
  await symlink('sub', `${root}/link-in-dir`);
  execFileSync('mkfifo', [`${root}/fifo`]);
  try {
    execFileSync('mknod', [`${root}/null-dev`, 'c', '1', '3'], { stdio: 'ignore' });
    hasDevice = true;
  } catch {
    console.log('attacks: mknod is not permitted here; the device-file case uses only the /dev/zero symlink');
  }
  rpc = await RpcConnection.open({ host: '127.0.0.1', port: t.server.port });
});
afterAll(async () => {
  await rpc?.close();
  await t?.close();
});

type PathOp = 'list' | 'stat' | 'hash' | 'hashall' | 'download' | 'udp' | 'upload' | 'watch' | 'read';
const OPS: PathOp[] = ['list', 'stat', 'hash', 'hashall', 'download', 'udp', 'upload', 'watch', 'read'];

function requestFor(op: PathOp, path: string): Request {
  if (op === 'upload') return { op, path, size: 3, md5: md5('bad'), overwrite: true };
  if (op === 'read') return { op, path, offset: 0, count: 4096 };
  return { op, path } as Request;
}

interface Outcome {
  code?: string;
  items: Record<string, unknown>[];
  data: Buffer[];
  reply?: Record<string, unknown>;
}

async function attempt(op: PathOp, path: string): Promise<Outcome> {
  const out: Outcome = { items: [], data: [] };
  try {
    out.reply = await rpc.request(requestFor(op, path), {
      onItem: (h) => out.items.push(h),
      onData: (p) => out.data.push(Buffer.from(p)),
    });
  } catch (err) {
    if (!(err instanceof FerryError)) throw err;
    out.code = err.code;
  }
  return out;
}

async function logRecords(): Promise<Record<string, unknown>[]> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Nothing in what came back may carry the sentinel's bytes, its MD5 or the server's absolute paths. */
function assertNoLeak(o: Outcome): void {
  const text = JSON.stringify([o.items, o.reply ?? null]) + Buffer.concat(o.data).toString('latin1');
  expect(text).not.toContain('sentinel: this file lives outside');
  expect(text).not.toContain(SENTINEL_MD5);
  expect(text).not.toContain(t.share.base);
}

interface Case {
  name: string;
  path: () => string;
  code: string;
  /** Different code for an upload target (which is lstat'ed, not followed). */
  uploadCode?: string;
  device?: boolean;
}

const CASES: Case[] = [
  { name: '../x', path: () => '../outside/sentinel.txt', code: 'OUTSIDE_SHARE' },
  { name: 'a/../../x', path: () => 'sub/../../outside/sentinel.txt', code: 'OUTSIDE_SHARE' },
  { name: '/etc/passwd', path: () => '/etc/passwd', code: 'OUTSIDE_SHARE' },
  { name: 'absolute sentinel', path: () => t.share.sentinel, code: 'OUTSIDE_SHARE' },
  { name: 'absolute path inside the share', path: () => t.share.abs('a.txt'), code: 'OUTSIDE_SHARE' },
  { name: 'C:\\x', path: () => 'C:\\x', code: 'OUTSIDE_SHARE' },
  { name: 'C:x', path: () => 'C:x', code: 'OUTSIDE_SHARE' },
  { name: '..\\x', path: () => '..\\outside\\sentinel.txt', code: 'OUTSIDE_SHARE' },
  { name: 'backslash inside', path: () => 'sub\\b.txt', code: 'OUTSIDE_SHARE' },
  { name: 'NUL', path: () => 'a.txt\0.png', code: 'BAD_REQUEST' },
  { name: 'newline', path: () => 'a\n.txt', code: 'BAD_REQUEST' },
  { name: 'ANSI escape', path: () => 'a\u001b[31m.txt', code: 'BAD_REQUEST' },
  { name: 'DEL', path: () => 'a\u007f.txt', code: 'BAD_REQUEST' },
  { name: '300-byte name', path: () => 'n'.repeat(300), code: 'BAD_REQUEST' },
  { name: '5000-byte path', path: () => 'd/'.repeat(2500), code: 'BAD_REQUEST' },
  { name: 'symlinked folder to outside', path: () => 'link-out/sentinel.txt', code: 'OUTSIDE_SHARE' },
  { name: 'symlink to the sentinel', path: () => 'link-sentinel', code: 'OUTSIDE_SHARE', uploadCode: 'NOT_A_FILE' },
  { name: 'symlink to /dev/zero', path: () => 'zero', code: 'OUTSIDE_SHARE', uploadCode: 'NOT_A_FILE' },
  { name: 'FIFO', path: () => 'fifo', code: 'NOT_A_FILE' },
  { name: 'character device', path: () => 'null-dev', code: 'NOT_A_FILE', device: true },
  { name: 'upload temp name', path: () => '.ferry-upload-0123456789abcdef', code: 'NOT_FOUND', uploadCode: 'BAD_REQUEST' },
];

describe('every path-taking op refuses every escape, with a code, a log line and the sentinel intact', () => {
  for (const c of CASES) {
    it(`${c.name}`, async () => {
      if (c.device && !hasDevice) {
        console.log(`skipping '${c.name}': mknod not permitted`);
        return;
      }
      const path = c.path();
      for (const op of OPS) {
        const before = (await logRecords()).length;
        const o = await attempt(op, path);
        const expected = op === 'upload' ? (c.uploadCode ?? c.code) : c.code;
        expect({ op, code: o.code }).toEqual({ op, code: expected });
        expect(o.data).toEqual([]);
        // upload is refused before the server says ready; udp before a session opens
        expect(o.items.filter((i) => 'ready' in i || 'sessionId' in i || 'size' in i)).toEqual([]);
        assertNoLeak(o);
        await waitFor(async () => (await logRecords()).slice(before).some((r) => r.command === op && r.outcome === expected), `a log line for ${op} ${c.name}`);
      }
      await t.share.assertSentinelIntact();
      expect(await readdir(t.share.outside)).toEqual(['sentinel.txt']);
    });
  }

  it('does not block on a FIFO nobody writes to (the next request on the connection is answered)', async () => {
    const [a, b] = await Promise.all([attempt('download', 'fifo'), attempt('hash', 'fifo'), attempt('stat', 'a.txt')]);
    expect(a.code).toBe('NOT_A_FILE');
    expect(b.code).toBe('NOT_A_FILE');
    const s = await rpc.request({ op: 'stat', path: 'a.txt' });
    expect(s.size).toBe('inside a\n'.length);
  });

  it('follows a symlink that stays inside the share', async () => {
    const s = await rpc.request({ op: 'stat', path: 'link-in' });
    expect(s).toMatchObject({ type: 'file', size: 'inside b\n'.length });
    const h = await rpc.request({ op: 'hash', path: 'link-in' });
    expect(h.md5).toBe(md5('inside b\n'));
    const data: Buffer[] = [];
    await rpc.request({ op: 'download', path: 'link-in' }, { onData: (p) => data.push(Buffer.from(p)) });
    expect(Buffer.concat(data).toString()).toBe('inside b\n');
    const entries: { path: string }[] = [];
    await rpc.request({ op: 'list', path: 'link-in-dir' }, { onItem: (h) => entries.push(...(h.entries as { path: string }[])) });
    expect(entries.map((e) => e.path)).toEqual(['link-in-dir/b.txt']);
  });

  it('lists symlinks to outside as broken links, never followed nor told where they point; FIFOs and devices not at all', async () => {
    const entries: Record<string, unknown>[] = [];
    await rpc.request({ op: 'list', hidden: true }, { onItem: (h) => entries.push(...(h.entries as Record<string, unknown>[])) });
    const paths = entries.map((e) => e.path);
    for (const p of ['fifo', 'null-dev']) expect(paths).not.toContain(p);
    for (const p of ['link-out', 'link-sentinel', 'zero']) {
      expect(entries.find((e) => e.path === p)).toMatchObject({ type: 'link', link: 'outside', size: 0 });
      expect(entries.find((e) => e.path === p)).not.toHaveProperty('target');
      expect(paths.some((x) => String(x).startsWith(`${p}/`))).toBe(false);
    }
    expect(paths).toContain('link-in');
    // Nothing of the outside reaches the client, not even in a link's text.
    expect(JSON.stringify(entries)).not.toContain('sentinel.txt');
    expect(JSON.stringify(entries)).not.toContain(t.share.outside);
  });
});

describe("ferry's own files", () => {
  it('never appear in listings or hashall, even with hidden files shown', async () => {
    await t.share.write({
      'own/.big.iso.ferry-part': 'partial',
      'own/.big.iso.ferry-part.json': '{}',
      'own/big.iso.ferry-part': 'partial',
      'own/.ferry-upload-0011223344556677': 'temp',
      'own/.big.iso.1234.ferry-tmp': 'temp',
      'own/.hidden-but-mine.txt': 'user file',
      'own/visible.txt': 'user file',
    });
    const entries: { path: string }[] = [];
    await rpc.request({ op: 'list', path: 'own', hidden: true }, { onItem: (h) => entries.push(...(h.entries as { path: string }[])) });
    expect(entries.map((e) => e.path).sort()).toEqual(['own/.hidden-but-mine.txt', 'own/visible.txt']);
    const hashed: string[] = [];
    await rpc.request(
      { op: 'hashall', path: 'own' },
      { onItem: (h) => hashed.push(...((h.results as { path: string }[] | undefined) ?? []).map((r) => r.path)) },
    );
    expect(hashed.every((p) => !p.includes('ferry-'))).toBe(true);
    for (const name of ['.big.iso.ferry-part', 'big.iso.ferry-part', '.ferry-upload-0011223344556677']) {
      const o = await attempt('download', `own/${name}`);
      expect(o.code, name).toBe('NOT_FOUND');
    }
  });
});

describe('symlink race', () => {
  it('swapping a folder for a symlink to outside while requests run never leaks the sentinel', async () => {
    const { root } = t.share;
    // race/ is a real folder holding f.txt; outside/ gets a regular f.txt with the sentinel's bytes.
    await writeFile(`${t.share.outside}/f.txt`, SENTINEL_CONTENT);
    await symlink(t.share.outside, `${root}/race-sym`);
    const loop = startSwapLoop(root);
    const seen = new Map<string, number>();
    const worker = async () => {
      const conn = await RpcConnection.open({ host: '127.0.0.1', port: t.server.port });
      let n = 0;
      while (!loop.stopped && n < 5000) {
        const steps = [
          ['download', 'race/f.txt'],
          ['hash', 'race/f.txt'],
          ['stat', 'race/f.txt'],
          ['list', 'race'],
          ['hashall', 'race'],
          ['keyword', 'race'],
        ] as const;
        for (const [op, path] of steps) {
          const o: Outcome = { items: [], data: [] };
          // A keyword search must not become an oracle for the contents of a file outside.
          const request = op === 'keyword' ? { op: 'list', path, keyword: 'lives outside' } : { op, path, ...(op === 'stat' ? { md5: true } : {}) };
          try {
            o.reply = await conn.request(request as Request, {
              onItem: (h) => o.items.push(h),
              onData: (p) => o.data.push(Buffer.from(p)),
            });
          } catch (err) {
            if (!(err instanceof FerryError)) throw err;
            o.code = err.code;
          }
          assertNoLeak(o);
          // A listing of race/ holds f.txt only: never the names of the folder outside.
          expect(JSON.stringify(o.items)).not.toContain('sentinel.txt');
          if (op === 'keyword') expect(o.items.flatMap((i) => i.entries as unknown[])).toEqual([]);
          if (op === 'download' && o.reply) expect(Buffer.concat(o.data).toString()).toBe('race f\n');
          const key = `${op}:${o.code ?? 'ok'}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        }
        n++;
      }
      await conn.close();
    };
    const workers = Promise.all([worker(), worker(), worker()]).finally(() => loop.stop());
    workers.catch(() => {}); // awaited below; a failure also stops the swapper
    const swaps = await loop.done;
    await workers;
    expect(swaps).toBeGreaterThan(10);
    // Both sides of the race were exercised: some requests were served, some refused.
    expect([...seen.keys()].some((k) => k.endsWith(':ok'))).toBe(true);
    expect([...seen.keys()].some((k) => !k.endsWith(':ok'))).toBe(true);
    await t.share.assertSentinelIntact();
    expect(await readFile(`${t.share.outside}/f.txt`, 'utf8')).toBe(SENTINEL_CONTENT);
  });
});
