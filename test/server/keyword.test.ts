import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINARY_SNIFF_BYTES, fileContains } from '../../src/server/keyword.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-keyword-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('fileContains', () => {
  it('agrees with Buffer.includes for any text, needle and chunk size', async () => {
    // A small alphabet makes partial matches (and so boundary cases) common.
    const text = fc.uint8Array({ minLength: 0, maxLength: 300 }).map((a) => Buffer.from(a.map((b) => 97 + (b % 3))));
    const needle = fc.uint8Array({ minLength: 1, maxLength: 12 }).map((a) => Buffer.from(a.map((b) => 97 + (b % 3))));
    const file = path.join(dir, 'prop.txt');
    await fc.assert(
      fc.asyncProperty(text, needle, fc.integer({ min: 1, max: 40 }), async (hay, word, chunkBytes) => {
        await fs.writeFile(file, hay);
        expect(await fileContains(file, word, { chunkBytes })).toBe(hay.includes(word));
      }),
      { numRuns: 300 },
    );
  });

  it('treats a NUL anywhere in the sniff window as binary, even with tiny chunks', async () => {
    const file = path.join(dir, 'bin.dat');
    const body = Buffer.alloc(BINARY_SNIFF_BYTES + 100, 'a');
    body.write('key', 0);
    body[BINARY_SNIFF_BYTES - 1] = 0;
    await fs.writeFile(file, body);
    expect(await fileContains(file, Buffer.from('key'), { chunkBytes: 16 })).toBe(false);
    body[BINARY_SNIFF_BYTES - 1] = 97;
    body[BINARY_SNIFF_BYTES] = 0; // just past the window: still text
    await fs.writeFile(file, body);
    expect(await fileContains(file, Buffer.from('key'), { chunkBytes: 16 })).toBe(true);
  });

  it('answers false for missing files and aborted searches', async () => {
    const file = path.join(dir, 'plain.txt');
    await fs.writeFile(file, 'hello world');
    expect(await fileContains(path.join(dir, 'missing'), Buffer.from('x'))).toBe(false);
    const controller = new AbortController();
    controller.abort();
    expect(await fileContains(file, Buffer.from('hello'), { signal: controller.signal })).toBe(false);
    expect(await fileContains(file, Buffer.from('hello'))).toBe(true);
  });
});
