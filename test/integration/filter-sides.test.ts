// One table of filters, two sides: the server's walk (over the wire) and the
// client's local folder must keep exactly the same entries, because both apply
// protocol/filter.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FerryClient } from '../../src/client/client.js';
import { LocalSide } from '../../src/client/local-side.js';
import type { ListOptions } from '../../src/client/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const T = (day: number) => Date.UTC(2024, 0, day);
const big = Buffer.alloc(9 * 1024 * 1024, 'x');
big.write('needle at the end', big.length - 20);
const binary = Buffer.from('budget\u0000binary');

const SPEC = {
  'Report.txt': { content: 'The Budget for 2026', mtime: T(1) },
  'notes.md': { content: 'a budget, in commas: a,b', mtime: T(5) },
  'photo.JPG': { content: 'jpeg', mtime: T(10) },
  'reports/q1.txt': { content: 'budget q1', mtime: T(3) },
  'reports/deep/q2.TXT': { content: 'nothing here', mtime: T(7) },
  'big.log': { content: big, mtime: T(2) },
  'bin.dat': { content: binary, mtime: T(2) },
  '.hidden.txt': { content: 'budget', mtime: T(2) },
};

const CASES: Array<[string, ListOptions, string[]]> = [
  ['a comma list of extensions, any case', { ext: 'txt, MD' }, ['Report.txt', 'notes.md', 'reports/deep/q2.TXT', 'reports/q1.txt']],
  ['one extension', { ext: '*.jpg' }, ['photo.JPG']],
  ['a keyword without capitals ignores case', { keyword: 'budget' }, ['Report.txt', 'notes.md', 'reports/q1.txt']],
  ['a keyword with a capital is exact', { keyword: 'Budget' }, ['Report.txt']],
  ['a comma in a keyword is literal', { keyword: 'a,b' }, ['notes.md']],
  ['large files are searched to the end', { keyword: 'needle' }, ['big.log']],
  ['a time range keeps files strictly inside it', { after: T(2), before: T(7) }, ['reports/q1.txt', 'notes.md']],
  ['filters combine', { ext: 'txt', keyword: 'budget' }, ['Report.txt', 'reports/q1.txt']],
  ['a name keeps folders too, case-insensitively', { name: 'rep' }, ['Report.txt', 'reports']],
  ['a name with a capital is exact', { name: 'R' }, ['Report.txt']],
  ['a name with another filter keeps only files', { name: 'q', ext: 'txt' }, ['reports/deep/q2.TXT', 'reports/q1.txt']],
];

let t: TestServer;
let client: FerryClient;
let local: LocalSide;
beforeAll(async () => {
  t = await startTestServer(SPEC);
  client = await t.connect({ noCache: true });
  // The share itself, seen as a local folder: the same files on both sides.
  local = new LocalSide(t.share.root);
});
afterAll(() => t.close());

const paths = (es: { path: string }[]) => es.map((e) => e.path).sort();

describe('one filter module for both sides', () => {
  it.each(CASES)('%s', async (_, filters, expected) => {
    const options = { ...filters, recursive: true };
    expect(paths(await client.list(options))).toEqual([...expected].sort());
    expect(paths(await local.list(options))).toEqual([...expected].sort());
  });
});
