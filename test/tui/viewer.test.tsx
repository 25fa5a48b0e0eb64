// The file viewer: Enter or F3 on a file, text with line numbers, sideways
// scrolling, search, hex for binary files, and the end of a 10 GB file read
// without its middle.

import { afterEach, describe, expect, it } from 'vitest';
import { FakeFerry, type FakeFile } from '../helpers/fake-client.js';
import { SAMPLE, renderApp, type SizedAppHarness } from './harness.js';

let app: SizedAppHarness | undefined;
afterEach(() => app?.unmount());

const lines = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `line ${from + i} of the log`).join('\n') + '\n';
const GIB = 1024 ** 3;

/** A 10 GiB log that is never held: the byte at offset i is a line of 20 bytes ('entry 0000000123\t..\n'). */
function hugeLog(): FakeFile {
  const size = 10 * GIB;
  const lineOf = (n: number) => `entry ${String(n).padStart(12, '0')}\n`; // 19 bytes
  return {
    path: 'huge.log',
    size,
    bytesAt: (offset, count) => {
      const out = Buffer.alloc(count);
      for (let i = 0; i < count; ) {
        const at = offset + i;
        const line = Math.floor(at / 19);
        const text = Buffer.from(lineOf(line));
        const k = at % 19;
        const n = Math.min(text.length - k, count - i);
        text.copy(out, i, k, k + n);
        i += n;
      }
      return out;
    },
  };
}

async function openOn(name: string, files: FakeFile[], key = 'enter'): Promise<SizedAppHarness> {
  const a = renderApp({ api: new FakeFerry(files) });
  await a.waitFor((f) => f.includes(name));
  // Down to the file: the cursor starts on the first row.
  for (
    let i = 0;
    i < 30 &&
    !/▌\S*/.test(
      a
        .frame()
        .split('\n')
        .find((l) => l.includes(`▌${name}`)) ?? '',
    );
    i++
  )
    await a.press('j');
  await a.press(key);
  return a;
}

describe('viewer', () => {
  it('Enter on a remote text file shows it with line numbers; j/k scroll; Esc closes', async () => {
    app = await openOn(
      'notes.md',
      [...SAMPLE, { path: 'notes.md', content: lines(100) }].filter((f, i, all) => all.findLastIndex((g) => g.path === f.path) === i),
    );
    let f = await app.waitFor((x) => x.includes('view  remote  notes.md') && x.includes('line 1 of the log'));
    expect(f).toMatch(/\s1 line 1 of the log/);
    expect(f).toMatch(/\s2 line 2 of the log/);
    expect(f).toContain('line 1 ·');
    await app.press('j', 'j');
    f = await app.waitFor((x) => /\s3 line 3 of the log/.test(x.split('\n')[2] ?? ''));
    await app.press('G');
    f = await app.waitFor((x) => x.includes('line 100 of the log'));
    expect(f).toMatch(/\s100 line 100 of the log/);
    expect(f).toContain('100%');
    await app.press('escape');
    await app.waitFor((x) => !x.includes('view  remote') && x.includes('163.jpg'));
  });

  it('Enter on a folder still opens it', async () => {
    app = renderApp();
    await app.waitFor((f) => f.includes('Pasta/'));
    await app.press('enter');
    await app.waitFor((f) => f.includes('recipe.txt') && !f.includes('163.jpg'));
  });

  it('F3 views a file too, and closes the viewer', async () => {
    app = await openOn('like.txt', SAMPLE, 'F3');
    // F3 is a function key: the terminal sends ESC O R.
    await app.waitFor((x) => x.includes('view  remote  like.txt') && x.includes('I like ferries'));
    await app.press('F3');
    await app.waitFor((x) => !x.includes('view  remote'));
  });

  it('goes to the end of a 10 GiB file at once, reading only around the ends', async () => {
    const api = new FakeFerry([hugeLog()]);
    app = renderApp({ api });
    await app.waitFor((f) => f.includes('huge.log'));
    await app.press('enter');
    await app.waitFor((x) => x.includes('entry 000000000000'));
    await app.press('G');
    const last = Math.floor((10 * GIB) / 19) - 1; // the last whole line
    const f = await app.waitFor((x) => x.includes(`entry ${String(last).padStart(12, '0')}`));
    expect(f).toContain('100%');
    await app.press('k', 'pageup');
    await app.waitFor((x) => !x.includes(`entry ${String(last).padStart(12, '0')}`));
    // Every read was near the start or near the end: never the middle.
    const size = 10 * GIB;
    const far = api.readCalls.filter((r) => r.offset > 1024 * 1024 && r.offset < size - 1024 * 1024);
    expect(far).toEqual([]);
    const total = api.readCalls.reduce((n, r) => n + r.bytes, 0);
    expect(total).toBeLessThanOrEqual(512 * 1024);
  });

  it('shows a binary file in hex, and x switches to text and back', async () => {
    const bin = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0x41, 0x42]);
    app = await openOn('a.bin', [{ path: 'a.bin', content: bin.toString('latin1') }]);
    let f = await app.waitFor((x) => x.includes('00000000  7f 45 4c 46 00 01 02 03'));
    expect(f).toContain('|.ELF');
    await app.press('x');
    f = await app.waitFor((x) => !x.includes('00000000  7f'));
    expect(f).toContain('text ·');
    await app.press('x');
    await app.waitFor((x) => x.includes('00000000  7f 45'));
  });

  it('searches with /, then n and N, in any case unless the query has a capital', async () => {
    const text = `${lines(60)}the Needle is here\n${lines(60, 61)}and another needle\n${lines(10, 200)}`;
    app = await openOn('hay.txt', [{ path: 'hay.txt', content: text }]);
    await app.waitFor((x) => x.includes('line 1 of the log'));
    await app.press('/');
    await app.waitFor((x) => x.includes('search:'));
    await app.type('needle');
    await app.press('enter');
    let f = await app.waitFor((x) => (x.split('\n')[2] ?? '').includes('the Needle is here'));
    expect(f.split('\n')[2]).toMatch(/\s61 the Needle/);
    await app.press('n');
    f = await app.waitFor((x) => (x.split('\n')[2] ?? '').includes('and another needle'));
    await app.press('N');
    await app.waitFor((x) => (x.split('\n')[2] ?? '').includes('the Needle is here'));
    // A capital makes the search exact: 'Needle' skips 'needle'.
    await app.press('/');
    await app.waitFor((x) => x.includes('search:'));
    await app.type('Needle');
    await app.press('enter');
    await app.press('n');
    await app.waitFor((x) => x.includes('"Needle" not found below'));
  });

  it('scrolls sideways', async () => {
    app = await openOn('wide.txt', [{ path: 'wide.txt', content: `${'a'.repeat(200)}END\n` }]);
    await app.waitFor((x) => x.includes('aaaa'));
    expect(app.frame()).not.toContain('END');
    for (let i = 0; i < 12; i++) await app.press('right');
    await app.waitFor((x) => x.includes('END') && x.includes('column 97'));
    await app.press('h');
    await app.waitFor((x) => x.includes('column 89'));
  });

  it('views a local file through the same viewer', async () => {
    app = renderApp({ local: { 'diary.txt': 'dear diary\nsecond line\n' } });
    await app.waitFor((f) => f.includes('diary.txt') && f.includes('163.jpg'));
    await app.press('tab', 'enter');
    const f = await app.waitFor((x) => /view {2}local {2}\S*\/diary\.txt/.test(x) && x.includes('dear diary'));
    expect(f).toMatch(/\s1 dear diary/);
    expect(f).toMatch(/\s2 second line/);
  });
});
