// A listing that carries each file's BLAKE3 root (list-blake3, docs/protocol.md):
// the same roots `hash --blake3` gives, files the index does not know hashed on
// the way, and batches that stay inside the header limit with the roots in,
// however long the paths.

import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server.js';
import type { ShareSpec } from '../helpers/temp-share.js';

describe('list with blake3', () => {
  it('gives every file its root, equal to what hash gives, and says the server offers it', async () => {
    const t = await startTestServer({ 'a.txt': 'alpha\n', 'sub/b.bin': Buffer.alloc(3 * 1024 * 1024 + 5, 7), 'sub/empty/': {} });
    try {
      const client = await t.connect({ noCache: true });
      expect(client.info.features).toContain('list-blake3');
      const entries = await client.list({ recursive: true, blake3: true });
      const files = entries.filter((e) => e.type === 'file');
      expect(files.map((e) => e.path).sort()).toEqual(['a.txt', 'sub/b.bin']);
      for (const f of files) expect(f.blake3).toBe((await client.hash(f.path, { blake3: true })).blake3);
      for (const d of entries.filter((e) => e.type === 'dir')) expect(d.blake3).toBeUndefined();
      // Without asking, no roots (and nothing is hashed for it).
      expect((await client.list({ recursive: true })).every((e) => e.blake3 === undefined)).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('keeps every batch inside the header limit with long paths and the roots in', async () => {
    const long = (c: string) => c.repeat(200);
    const dir = [long('a'), long('b'), long('c'), long('d'), long('e'), long('f')].join('/');
    const spec: ShareSpec = {};
    for (let i = 0; i < 300; i++) spec[`${dir}/${String(i).padStart(3, '0')}${long('x').slice(3)}`] = `${i}\n`;
    const t = await startTestServer(spec);
    try {
      const client = await t.connect({ noCache: true });
      const batches: number[] = [];
      await client.listStream({ recursive: true, blake3: true }, { onBatch: (b) => void batches.push(b.length) });
      const entries = await client.list({ recursive: true, blake3: true });
      const files = entries.filter((e) => e.type === 'file');
      expect(files).toHaveLength(300);
      expect(files.every((f) => /^[0-9a-f]{64}$/.test(f.blake3 ?? ''))).toBe(true);
      // Entries of ~1.5 KB: far fewer than 128 fit one batch.
      expect(Math.max(...batches)).toBeLessThan(64);
    } finally {
      await t.close();
    }
  });
});
