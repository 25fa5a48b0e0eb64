// `ferry mkdir`, `mv`, `rm` and `cp` (in-process) against real servers: one
// that allows writing, one that does not.

import { promises as fs } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { run } from './fake-io.js';

let rw: TestServer;
let ro: TestServer;
const env = (t: TestServer) => ({ FERRY_SERVER: t.address, FERRY_CACHE_DIR: `${t.scratch}/cache` });
const cli = (t: TestServer, argv: string[]) => run(argv, { env: env(t) });
async function json<T>(t: TestServer, argv: string[]): Promise<T> {
  const r = await cli(t, [...argv, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
}

beforeAll(async () => {
  rw = await startTestServer({ 'a.txt': 'alpha\n', 'docs/b.txt': 'beta\n', 'docs/deep/c.txt': 'gamma\n' }, { allowWrite: true });
  ro = await startTestServer({ 'a.txt': 'alpha\n' });
});
afterAll(async () => {
  await rw?.close();
  await ro?.close();
});

describe('on a server that allows writing', () => {
  it('mkdir makes a folder (and its parents with --parents)', async () => {
    expect(await json(rw, ['mkdir', 'new'])).toEqual({ path: 'new', created: true });
    const r = await cli(rw, ['mkdir', 'x/y/z', '--parents']);
    expect(r).toMatchObject({ code: 0, stdout: 'made folder x/y/z\n' });
    expect((await fs.stat(rw.share.abs('x/y/z'))).isDirectory()).toBe(true);
    const again = await cli(rw, ['mkdir', 'new']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("ferry: 'new' already exists\n");
  });

  it('mv renames, and refuses to overwrite without --overwrite', async () => {
    expect(await cli(rw, ['mv', 'a.txt', 'docs/a.txt'])).toMatchObject({ code: 0, stdout: 'moved a.txt → docs/a.txt\n' });
    expect(await fs.readFile(rw.share.abs('docs/a.txt'), 'utf8')).toBe('alpha\n');
    const refused = await cli(rw, ['mv', 'docs/b.txt', 'docs/a.txt']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already exists');
    expect(await json(rw, ['mv', 'docs/b.txt', 'docs/a.txt', '--overwrite'])).toEqual({ from: 'docs/b.txt', to: 'docs/a.txt', moved: true });
    expect(await fs.readFile(rw.share.abs('docs/a.txt'), 'utf8')).toBe('beta\n');
  });

  it('cp copies a file and a folder', async () => {
    expect(await json(rw, ['cp', 'docs/a.txt', 'copy.txt'])).toMatchObject({ files: 1, bytes: 5 });
    const r = await cli(rw, ['cp', 'docs', 'docs2']);
    expect(r).toMatchObject({ code: 0, stdout: 'copied docs → docs2 (2 files, 1 folder, 11 B)\n' });
    expect(await fs.readFile(rw.share.abs('docs2/deep/c.txt'), 'utf8')).toBe('gamma\n');
  });

  it('rm removes a file, and a folder only with --recursive', async () => {
    expect(await json(rw, ['rm', 'copy.txt'])).toEqual({ path: 'copy.txt', removed: 1 });
    const refused = await cli(rw, ['rm', 'docs2']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('not empty');
    expect(await cli(rw, ['rm', 'docs2', '--recursive'])).toMatchObject({ code: 0, stdout: 'removed docs2 (4 entries)\n' });
    await expect(fs.stat(rw.share.abs('docs2'))).rejects.toThrow();
  });

  it('names what is missing from the command line', async () => {
    expect(await cli(rw, ['mv', 'only-one'])).toMatchObject({
      code: 1,
      stderr: 'ferry: missing FROM and TO (paths inside the share)\n(see ferry mv --help)\n',
    });
  });
});

describe('ferry shell', () => {
  it('takes mkdir, mv, cp and rm too, and a refused one fails the script', async () => {
    const script = [
      'mkdir -p "shell dir/inner"',
      'cp docs/deep/c.txt "shell dir/c.txt"',
      'mv "shell dir/c.txt" "shell dir/moved.txt"',
      'rm -r "shell dir/inner"',
      'rm nothing-here',
    ];
    const r = await run(['shell'], { env: env(rw), stdin: `${script.join('\n')}\n` });
    expect(r.stdout).toBe(
      [
        'made folder shell dir/inner',
        'copied docs/deep/c.txt → shell dir/c.txt (1 file, 6 B)',
        'moved shell dir/c.txt → shell dir/moved.txt',
        'removed shell dir/inner',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toContain("'nothing-here' does not exist");
    expect(r.code).toBe(1);
    expect(await fs.readdir(rw.share.abs('shell dir'))).toEqual(['moved.txt']);
  });
});

describe('on a read-only server', () => {
  it.each([
    ['mkdir', 'new'],
    ['mv', 'a.txt', 'b.txt'],
    ['rm', 'a.txt'],
    ['cp', 'a.txt', 'b.txt'],
  ])('%s is refused, saying why, and changes nothing', async (...argv) => {
    const r = await cli(ro, argv);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ferry: 127\.0\.0\.1:\d+ is read-only \(its server was not started with --allow-write\)\n$/);
    expect(await fs.readdir(ro.share.root)).toEqual(['a.txt']);
  });
});
