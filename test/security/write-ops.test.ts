// The write permission's promises, each tried against the ways to break it:
// mkdir, move, remove and copy over the wire with '../' and absolute paths,
// through symlinks to outside, at the share root, at ferry's own state, and
// a huge recursive remove that must stay bounded per request. After each
// attack the sentinel outside the share is unchanged and nothing new lies
// outside; refusals are coded.

import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcConnection } from '../../src/client/rpc.js';
import { FerryError } from '../../src/protocol/errors.js';
import type { Request } from '../../src/protocol/messages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startSwapLoop } from '../helpers/swap-loop.js';

let t: TestServer;
let rpc: RpcConnection;

beforeAll(async () => {
  t = await startTestServer({ 'a.txt': 'inside a\n', 'sub/b.txt': 'inside b\n', 'holds-link/own.txt': 'own\n', 'race/f.txt': 'race\n' }, { allowWrite: true });
  const { root, outside } = t.share;
  await symlink(outside, `${root}/link-out`);
  await symlink(t.share.sentinel, `${root}/link-sentinel`);
  await symlink(outside, `${root}/holds-link/out`);
  rpc = await RpcConnection.open({ host: '127.0.0.1', port: t.server.port });
});
afterAll(async () => {
  await rpc?.close();
  await t?.close();
});

async function code(request: Request): Promise<string> {
  try {
    await rpc.request(request);
    return 'ok';
  } catch (err) {
    if (!(err instanceof FerryError)) throw err;
    return err.code;
  }
}

/** Nothing but the sentinel outside, unchanged; the share's root still a folder. */
async function assertOutsideUntouched(): Promise<void> {
  expect(await readdir(t.share.outside)).toEqual(['sentinel.txt']);
  await t.share.assertSentinelIntact();
  expect((await stat(t.share.root)).isDirectory()).toBe(true);
}

const ESCAPES = ['../outside', '../outside/sentinel.txt', '../outside/new', 'sub/../../outside/x', '/etc/passwd', '/tmp/x', 'sub\\..\\..\\x', 'C:/x'];

describe('paths that lead outside', () => {
  it.each(ESCAPES)('%s is refused by every write op, whichever side it is on', async (p) => {
    const requests: Request[] = [
      { op: 'mkdir', path: p },
      { op: 'mkdir', path: `${p}/deeper`, parents: true },
      { op: 'move', from: 'a.txt', to: p },
      { op: 'move', from: p, to: 'stolen' },
      { op: 'remove', path: p },
      { op: 'remove', path: p, recursive: true },
      { op: 'copy', from: p, to: 'stolen' },
      { op: 'copy', from: 'a.txt', to: p },
    ];
    for (const r of requests) expect([r, await code(r)]).toEqual([r, 'OUTSIDE_SHARE']);
    expect(await readFile(t.share.abs('a.txt'), 'utf8')).toBe('inside a\n');
    await assertOutsideUntouched();
  });
});

describe('symlinks to outside', () => {
  it('are never written through or read through', async () => {
    const refused: Request[] = [
      { op: 'mkdir', path: 'link-out/new' },
      { op: 'mkdir', path: 'link-out/a/b', parents: true },
      { op: 'move', from: 'a.txt', to: 'link-out/a.txt' },
      { op: 'move', from: 'link-out/sentinel.txt', to: 'stolen.txt' },
      { op: 'remove', path: 'link-out/sentinel.txt' },
      { op: 'copy', from: 'link-out', to: 'stolen' },
      { op: 'copy', from: 'link-sentinel', to: 'stolen.txt' },
      { op: 'copy', from: 'link-out/sentinel.txt', to: 'stolen.txt' },
      { op: 'copy', from: 'a.txt', to: 'link-out/a.txt' },
    ];
    for (const r of refused) expect([r, await code(r)]).toEqual([r, 'OUTSIDE_SHARE']);
    await assertOutsideUntouched();
  });

  it('a folder copied leaves its links out; a folder removed loses the link, never its target', async () => {
    const reply = await rpc.request({ op: 'copy', from: 'holds-link', to: 'copied' });
    expect(reply).toMatchObject({ files: 1, skipped: 1 });
    expect(await readdir(t.share.abs('copied'))).toEqual(['own.txt']);
    expect(await rpc.request({ op: 'remove', path: 'holds-link', recursive: true })).toMatchObject({ more: false });
    expect(await code({ op: 'remove', path: 'link-sentinel' })).toBe('ok'); // the link itself
    await assertOutsideUntouched();
  });
});

describe('the share root', () => {
  it('can never be removed, moved, replaced or made', async () => {
    await symlink('.', t.share.abs('link-root'));
    for (const root of ['', '.', '/', '//', 'sub/..', './sub/../.']) {
      expect(await code({ op: 'remove', path: root })).toBe('FORBIDDEN');
      expect(await code({ op: 'remove', path: root, recursive: true })).toBe('FORBIDDEN');
      expect(await code({ op: 'move', from: root, to: 'elsewhere' })).toBe('FORBIDDEN');
      expect(await code({ op: 'move', from: 'sub', to: root })).toBe('FORBIDDEN');
      expect(await code({ op: 'move', from: 'a.txt', to: root, overwrite: true })).toBe('FORBIDDEN');
      expect(await code({ op: 'copy', from: 'a.txt', to: root, overwrite: true })).toBe('FORBIDDEN');
      expect(await code({ op: 'mkdir', path: root, parents: true })).toBe('FORBIDDEN');
    }
    // A link to the root is removed as a link: the root and its files stay.
    expect(await code({ op: 'remove', path: 'link-root', recursive: true })).toBe('ok');
    expect(await readFile(t.share.abs('a.txt'), 'utf8')).toBe('inside a\n');
    expect(await readFile(t.share.abs('sub/b.txt'), 'utf8')).toBe('inside b\n');
    // Moving onto the root by a name that folds to it, or copying the share into itself.
    expect(await code({ op: 'move', from: 'sub', to: 'sub/..' })).toBe('FORBIDDEN');
    expect(await code({ op: 'copy', from: '', to: 'all' })).toBe('BAD_REQUEST');
    await assertOutsideUntouched();
  });
});

describe("ferry's own names", () => {
  it('temp names are not addressable and not made', async () => {
    expect(await code({ op: 'mkdir', path: '.ferry-upload-1-x-y' })).toBe('BAD_REQUEST');
    expect(await code({ op: 'move', from: 'a.txt', to: 'x.ferry-part' })).toBe('BAD_REQUEST');
    expect(await code({ op: 'copy', from: 'a.txt', to: 'sub/.ferry-x' })).toBe('BAD_REQUEST');
    expect(await code({ op: 'remove', path: 'sub/.ferry-upload-1' })).toBe('BAD_REQUEST');
  });
});

describe('races', () => {
  it('a folder swapped for a symlink to outside while ops run never lets one act outside', async () => {
    const { root, outside } = t.share;
    await symlink(outside, `${root}/race-sym`);
    const loop = startSwapLoop(root, { ms: 1500 });
    const seen = new Map<string, number>();
    const note = (c: string) => seen.set(c, (seen.get(c) ?? 0) + 1);
    const worker = async (w: number) => {
      const own = await RpcConnection.open({ host: '127.0.0.1', port: t.server.port });
      try {
        for (let n = 0; !loop.stopped && n < 2000; n++) {
          for (const r of [
            { op: 'mkdir', path: `race/d-${w}-${n}` },
            { op: 'copy', from: 'a.txt', to: `race/c-${w}-${n}.txt` },
            { op: 'move', from: `race/c-${w}-${n}.txt`, to: `race/m-${w}-${n}.txt` },
            { op: 'remove', path: `race/m-${w}-${n}.txt` },
            { op: 'remove', path: 'race/sentinel.txt' },
            { op: 'copy', from: 'race/sentinel.txt', to: `stolen-${w}-${n}.txt` },
            { op: 'remove', path: `race/d-${w}-${n}`, recursive: true },
          ] as Request[]) {
            note(
              await own.request(r).then(
                () => 'ok',
                (err: unknown) => (err instanceof FerryError ? err.code : 'uncoded'),
              ),
            );
          }
        }
      } finally {
        await own.close();
      }
    };
    const workers = Promise.all([worker(0), worker(1)]).finally(() => loop.stop());
    workers.catch(() => {});
    const swaps = await loop.done;
    await workers;
    expect(swaps).toBeGreaterThan(5);
    expect(seen.get('ok') ?? 0).toBeGreaterThan(0);
    expect(seen.has('uncoded')).toBe(false);
    expect((await readdir(root)).filter((n) => n.startsWith('stolen'))).toEqual([]);
    await assertOutsideUntouched();
  });
});

describe('a huge recursive remove', () => {
  it('deletes at most the bound per request, each step logged, until the folder is gone', async () => {
    const big = await startTestServer({}, { allowWrite: true, limits: { removeEntries: 500 } });
    try {
      for (let d = 0; d < 10; d++) {
        await mkdir(big.share.abs(`huge/d${d}`), { recursive: true });
        await Promise.all(Array.from({ length: 300 }, (_, f) => writeFile(big.share.abs(`huge/d${d}/f${f}`), '')));
      }
      const c = await big.connect({ noCache: true });
      const own = await c.rpc();
      const steps: number[] = [];
      for (;;) {
        const reply = await own.request({ op: 'remove', path: 'huge', recursive: true });
        steps.push(reply.removed as number);
        expect(reply.removed as number).toBeLessThanOrEqual(500 + 1);
        if (reply.more !== true) break;
        expect(steps.length).toBeLessThan(20);
      }
      expect(steps.reduce((a, b) => a + b, 0)).toBe(3000 + 10 + 1);
      expect(await readdir(big.share.root)).toEqual([]);
      const logged = (await c.logs({ limit: 100 })).filter((r) => r.command === 'remove');
      expect(logged).toHaveLength(steps.length);
      await big.share.assertSentinelIntact();
    } finally {
      await big.close();
    }
  });
});

describe("ferry's own state inside the share", () => {
  it('is never removed, moved or copied, and a folder holding it stays', async () => {
    const t2 = await startTestServer({ 'state/keep.txt': 'k', 'other.txt': 'o' }, { allowWrite: true });
    try {
      const log = t2.share.abs('state/server.log.jsonl');
      const { FerryServer } = await import('../../src/server/server.js');
      const server = await FerryServer.start({ root: t2.share.root, host: '127.0.0.1', port: 0, logFile: log, hashIndexFile: null, allowWrite: true });
      const own = await RpcConnection.open({ host: '127.0.0.1', port: server.port });
      try {
        const outcome = (r: Request) =>
          own.request(r).then(
            () => 'ok',
            (err: unknown) => (err instanceof FerryError ? err.code : 'uncoded'),
          );
        expect(await outcome({ op: 'remove', path: 'state/server.log.jsonl' })).toBe('NOT_FOUND');
        expect(await outcome({ op: 'move', from: 'state/server.log.jsonl', to: 'log.txt' })).toBe('NOT_FOUND');
        expect(await outcome({ op: 'copy', from: 'state/server.log.jsonl', to: 'log.txt' })).toBe('NOT_FOUND');
        expect(await outcome({ op: 'move', from: 'other.txt', to: 'state/server.log.jsonl', overwrite: true })).toBe('NOT_FOUND');
        expect(await outcome({ op: 'remove', path: 'state', recursive: true })).toBe('FORBIDDEN');
        expect(await outcome({ op: 'move', from: 'state', to: 'moved' })).toBe('FORBIDDEN');
        expect(await outcome({ op: 'copy', from: 'state', to: 'copied' })).toBe('ok');
        expect(await readdir(t2.share.abs('copied'))).toEqual(['keep.txt']);
        expect((await stat(log)).size).toBeGreaterThan(0);
      } finally {
        await own.close();
        await server.close();
      }
    } finally {
      await t2.close();
    }
  });
});
