// fetchBatch against a server that answers a batch with anything at all: a
// file's ITEM that does not add up fails that file and writes nothing; an
// ITEM for a file never asked for (or twice) ends the batch, and whatever
// arrived whole and checked before it still lands.

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchBatch } from '../../src/client/batch-fetch.js';
import type { ServerLink } from '../../src/client/server-link.js';
import { ChunkHasher } from '../../src/protocol/chunk-hash.js';
import { scratchDir } from '../helpers/scratch.js';

type Item = [Record<string, unknown>, Buffer?];

/** A ServerLink whose one connection answers a batch with `items`, then REPLY. */
function scripted(items: Item[]): ServerLink & { destroyed: boolean } {
  const link = {
    destroyed: false,
    async leaseConnection() {
      return {
        rpc: {
          request: async (_req: unknown, h: { onItem: (header: Record<string, unknown>, payload: Buffer) => void }) => {
            for (const [header, payload] of items) h.onItem(header, payload ?? Buffer.alloc(0));
            return { files: items.length, failed: 0, bytes: 0 };
          },
          destroy: () => void (link.destroyed = true),
        },
        frames: undefined,
        release: () => {},
      };
    },
  };
  return link as unknown as ServerLink & { destroyed: boolean };
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
function good(i: number, data: Buffer): Item {
  const h = new ChunkHasher(data.length);
  h.update(data);
  return [
    {
      i,
      size: data.length,
      mtimeMs: 1_600_000_000_000,
      identity: { size: data.length, mtimeMs: 0, ino: 1, dev: 1 },
      md5: md5(data),
      blake3: h.finish().blake3,
    },
    data,
  ];
}

describe('fetchBatch against a hostile server', () => {
  it('fails each file whose ITEM does not add up, writes none of them, and escapes what the server says', async () => {
    const dest = await scratchDir('ferry-dest-');
    const data = Buffer.from('the real bytes');
    const [okHeader] = good(0, data);
    const files = ['ok', 'short', 'flipped', 'nomd5', 'huge', 'said-no', 'badtime'].map((p) => ({ path: p, dest: join(dest, p) }));
    const flipped = Buffer.from(data);
    flipped[0]! ^= 1;
    const link = scripted([
      good(0, data),
      [{ ...okHeader, i: 1 }, data.subarray(1)],
      [{ ...okHeader, i: 2 }, flipped],
      [{ ...okHeader, i: 3, md5: 'nope' }, data],
      [{ ...okHeader, i: 4, size: 2 * 1024 * 1024 }, data],
      [{ i: 5, error: { code: 'NOT_FOUND', message: 'gone\u001b[2J' } }],
      [{ ...okHeader, i: 6, mtimeMs: 'soon' }, data],
    ]);
    const out = await fetchBatch(link, files);
    expect(out.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['ok', 'BAD_FRAME', 'CHECKSUM_MISMATCH', 'BAD_FRAME', 'BAD_FRAME', 'NOT_FOUND', 'BAD_FRAME']);
    const said = out[5]!;
    expect(said.ok ? '' : said.error.message).not.toContain('\u001b');
    expect(await readdir(dest)).toEqual(['ok']);
    expect(await readFile(join(dest, 'ok'), 'utf8')).toBe('the real bytes');
  });

  it('ends the batch at a file it never asked for, or one sent twice, keeping what landed before', async () => {
    for (const stray of [{ i: 7 }, { i: 0 }, { i: -1 }, { i: 0.5 }, { i: '1' }]) {
      const dest = await scratchDir('ferry-dest-');
      const files = ['a', 'b'].map((p) => ({ path: p, dest: join(dest, p) }));
      const link = scripted([good(0, Buffer.from('a')), [stray], good(1, Buffer.from('b'))]);
      const out = await fetchBatch(link, files);
      expect(out.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['ok', 'BAD_FRAME']);
      expect(link.destroyed).toBe(true);
      expect(await readdir(dest)).toEqual(['a']);
    }
  });
});
