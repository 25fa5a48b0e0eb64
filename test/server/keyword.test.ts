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
  it('agrees with a plain smart-case includes for any text, keyword and chunk size', async () => {
    // A small alphabet makes partial matches (and so boundary cases) common; 'é' is
    // two bytes, so chunks split characters; 'A' turns case-sensitivity on.
    const letters = ['a', 'b', 'A', 'é', 'É'];
    const word = (max: number) => fc.array(fc.constantFrom(...letters), { minLength: 1, maxLength: max }).map((a) => a.join(''));
    const file = path.join(dir, 'prop.txt');
    await fc.assert(
      fc.asyncProperty(fc.oneof(word(100), fc.constant('')), word(6), fc.integer({ min: 1, max: 40 }), async (hay, keyword, chunkBytes) => {
        await fs.writeFile(file, hay);
        const expected = /\p{Lu}/u.test(keyword) ? hay.includes(keyword) : hay.toLowerCase().includes(keyword);
        expect(await fileContains(file, keyword, { chunkBytes })).toBe(expected);
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
    expect(await fileContains(file, 'key', { chunkBytes: 16 })).toBe(false);
    body[BINARY_SNIFF_BYTES - 1] = 97;
    body[BINARY_SNIFF_BYTES] = 0; // just past the window: still text
    await fs.writeFile(file, body);
    expect(await fileContains(file, 'key', { chunkBytes: 16 })).toBe(true);
  });

  it('answers false for missing files and aborted searches', async () => {
    const file = path.join(dir, 'plain.txt');
    await fs.writeFile(file, 'hello world');
    expect(await fileContains(path.join(dir, 'missing'), 'x')).toBe(false);
    const controller = new AbortController();
    controller.abort();
    expect(await fileContains(file, 'hello', { signal: controller.signal })).toBe(false);
    expect(await fileContains(file, 'hello')).toBe(true);
  });
});
