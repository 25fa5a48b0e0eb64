// A local user who can write inside the share swaps an upload's target folder
// for a symlink to outside while uploads run. Every upload must land inside the
// share or be refused; no file and no temp file may appear outside.

import { createHash } from 'node:crypto';
import { readdir, symlink } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcConnection } from '../../src/client/rpc.js';
import { FerryError } from '../../src/protocol/errors.js';
import { Kind } from '../../src/protocol/messages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startSwapLoop } from '../helpers/swap-loop.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ 'race/keep.txt': 'inside\n' }, { allowUpload: true });
});
afterAll(async () => {
  await t?.close();
});

/** One upload of `body` to `path`: the reply, or the error code it was refused with. */
async function uploadOnce(rpc: RpcConnection, path: string, body: Buffer): Promise<string> {
  const md5 = createHash('md5').update(body).digest('hex');
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const { id, reply } = rpc.requestWithId({ op: 'upload', path, size: body.length, md5, overwrite: false }, { onItem: (h) => h.ready && ready() });
  try {
    await Promise.race([isReady, reply]);
    rpc.conn.send(Kind.Data, id, undefined, body);
    rpc.conn.send(Kind.End, id);
    await reply;
    return 'ok';
  } catch (err) {
    if (!(err instanceof FerryError)) throw err;
    return err.code;
  }
}

describe('upload symlink race', () => {
  it('swapping the target folder for a symlink to outside never lands a file or temp file outside', async () => {
    const { root, outside } = t.share;
    await symlink(outside, `${root}/race-sym`);
    const loop = startSwapLoop(root);
    const seen = new Map<string, number>();
    const worker = async (w: number) => {
      const rpc = await RpcConnection.open({ host: '127.0.0.1', port: t.server.port });
      try {
        for (let n = 0; !loop.stopped && n < 3000; n++) {
          const outcome = await uploadOnce(rpc, `race/up-${w}-${n}.txt`, Buffer.from(`upload ${w} ${n}\n`));
          seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
        }
      } finally {
        await rpc.close();
      }
    };
    const workers = Promise.all([worker(0), worker(1), worker(2)]).finally(() => loop.stop());
    workers.catch(() => {});
    const swaps = await loop.done;
    await workers;
    expect(swaps).toBeGreaterThan(10);
    // Both sides of the race were exercised.
    expect(seen.get('ok') ?? 0).toBeGreaterThan(0);
    expect([...seen.keys()].some((k) => k !== 'ok')).toBe(true);
    const leaked = (await readdir(outside)).filter((n) => n !== 'sentinel.txt');
    expect(leaked, `outcomes ${JSON.stringify([...seen])}`).toEqual([]);
    await t.share.assertSentinelIntact();
  });
});
