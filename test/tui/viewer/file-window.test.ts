// FileWindow over files held in memory: rows, the end, up and down, search,
// and the reads it makes (aligned blocks, kept a while).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCK_BYTES, FileWindow, MAX_LINE_BYTES } from '../../../src/tui/viewer/file-window.js';
import { columns, hexRow, rowText } from '../../../src/tui/viewer/render.js';

function windowOver(text: string | Buffer, listedSize?: number): FileWindow {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  return new FileWindow(
    async (offset, count) => ({ offset, bytes: bytes.subarray(offset, offset + count), size: bytes.length, mtimeMs: 0 }),
    listedSize ?? bytes.length,
  );
}

const rowsOf = async (w: FileWindow, top: number, n: number) => (await w.textRows(top, n)).map((r) => r.bytes.toString());

describe('FileWindow', () => {
  it('splits rows at newlines, with or without a final one', async () => {
    expect(await rowsOf(windowOver('a\nbb\nccc\n'), 0, 10)).toEqual(['a', 'bb', 'ccc']);
    expect(await rowsOf(windowOver('a\nbb\nccc'), 0, 10)).toEqual(['a', 'bb', 'ccc']);
    expect(await rowsOf(windowOver('\n\nx'), 0, 10)).toEqual(['', '', 'x']);
    expect(await rowsOf(windowOver(''), 0, 10)).toEqual([]);
  });

  it('shows the last screenful from the end, a final newline or not', async () => {
    const text = Array.from({ length: 50 }, (_, i) => `row ${i}`).join('\n');
    for (const t of [text, `${text}\n`]) {
      const w = windowOver(t);
      expect(await rowsOf(w, await w.endTop(3), 3)).toEqual(['row 47', 'row 48', 'row 49']);
    }
    // Fewer rows than the screen: the end is the start.
    expect(await windowOver('a\nb\n').endTop(10)).toBe(0);
  });

  it('goes down and back up to where it was, and stops down at the last screenful', async () => {
    const text = Array.from({ length: 100 }, (_, i) => `${'x'.repeat(i % 7)}${i}`).join('\n');
    const w = windowOver(text);
    const down = await w.down(0, 40, 10);
    expect(down.moved).toBe(40);
    expect((await rowsOf(w, down.top, 1))[0]).toMatch(/40$/);
    const up = await w.up(down.top, 40);
    expect(up).toEqual({ top: 0, moved: 40 });
    const far = await w.down(down.top, 1000, 10);
    expect(far.top).toBe(await w.endTop(10));
    expect(far.moved).toBe(50);
  });

  it('cuts a line longer than MAX_LINE_BYTES into rows, the same way up and down', async () => {
    const long = 'y'.repeat(MAX_LINE_BYTES * 2 + 10);
    const w = windowOver(`a\n${long}\nb\n`);
    const rows = await rowsOf(w, 0, 10);
    expect(rows.map((r) => r.length)).toEqual([1, MAX_LINE_BYTES, MAX_LINE_BYTES, 10, 1]);
    expect(await rowsOf(w, await w.endTop(1), 1)).toEqual(['b']);
  });

  it('any file: down n rows then up n rows returns to the start', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('a', 'b', '\n', 'é'), { maxLength: 300 }), fc.integer({ min: 1, max: 40 }), async (chars, n) => {
        const w = windowOver(chars.join(''));
        const d = await w.down(0, n, 1);
        expect(await w.up(d.top, d.moved)).toEqual({ top: 0, moved: d.moved });
      }),
      { numRuns: 200 },
    );
  });

  it('finds forward and backward across block boundaries, in any case unless the query has a capital', async () => {
    const body = Buffer.alloc(BLOCK_BYTES * 3, '.');
    body.write('Needle', BLOCK_BYTES - 3); // straddles the first boundary
    body.write('needle', BLOCK_BYTES * 2 + 100);
    const w = windowOver(body);
    expect(await w.find('needle', 0, true)).toBe(BLOCK_BYTES - 3);
    expect(await w.find('needle', BLOCK_BYTES - 2, true)).toBe(BLOCK_BYTES * 2 + 100);
    expect(await w.find('Needle', BLOCK_BYTES - 2, true)).toBeNull();
    expect(await w.find('needle', BLOCK_BYTES * 2 + 100, false)).toBe(BLOCK_BYTES - 3);
    expect(await w.find('needle', BLOCK_BYTES - 3, false)).toBeNull();
    const ac = new AbortController();
    ac.abort();
    await expect(w.find('x', 0, true, ac.signal)).rejects.toThrow();
  });

  it('reads aligned blocks once while they are kept, and learns the size from its reads', async () => {
    const w = windowOver('a\n'.repeat(BLOCK_BYTES), 10);
    expect(await w.isBinary()).toBe(false);
    expect(w.size).toBe(BLOCK_BYTES * 2);
    await w.textRows(0, 20);
    await w.textRows(4, 20);
    expect(w.reads).toBe(1);
    await w.endTop(5);
    expect(w.reads).toBe(2);
    expect(w.bytesRead).toBe(BLOCK_BYTES * 2);
  });
});

describe('viewer rows', () => {
  it('expands tabs, drops a CR before the newline and shows controls as dots', () => {
    expect(rowText(Buffer.from('a\tb'))).toBe(`a${' '.repeat(7)}b`);
    expect(rowText(Buffer.from('line\r'))).toBe('line');
    expect(rowText(Buffer.from('x\u001b[31my\u0000'))).toBe('x·[31my·');
  });

  it('scrolls sideways by columns, wide characters counting two, marking a row that goes on', () => {
    expect(columns('abcdef', 2, 3)).toBe('cd…');
    expect(columns('abcde', 2, 3)).toBe('cde');
    expect(columns('日本語x', 2, 5)).toBe('本語x');
    expect(columns('日本語x', 2, 4)).toBe('本… ');
    expect(columns('ab', 5, 3)).toBe('   ');
  });

  it('draws hex rows with the printable bytes beside them', () => {
    expect(hexRow(16, Buffer.from('AB\u0000'))).toBe(`00000010  41 42 00${'   '.repeat(5)}  ${'   '.repeat(8).slice(0, -1)}  |AB.|`);
  });
});
