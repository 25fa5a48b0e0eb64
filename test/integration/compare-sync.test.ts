// `ferry compare` and `ferry sync` against a real server: every kind of
// difference, the local index saving every read on a second compare, plans
// that change nothing, deletions into the trash or for good, conflicts, an
// interrupted sync finished by running it again, and --push.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareTrees } from '../../src/client/compare.js';
import { LocalHashIndex } from '../../src/client/local-index.js';
import { syncTrees } from '../../src/client/sync.js';
import { run } from '../cli/fake-io.js';
import { scratchDir } from '../helpers/scratch.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createTempShare, DEFAULT_MTIME_MS, type ShareSpec, type TempShare } from '../helpers/temp-share.js';

const T = DEFAULT_MTIME_MS;
const servers: TestServer[] = [];
const locals: TempShare[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(locals.splice(0).map((l) => l.remove()));
});

async function pair(remote: ShareSpec, local: ShareSpec, options: { allowUpload?: boolean } = {}) {
  const server = await startTestServer({ 'dir/.keep-name': 'x', ...prefixed(remote) }, options);
  servers.push(server);
  const here = await createTempShare(local);
  locals.push(here);
  const cache = path.join(await scratchDir(), 'cache');
  const env = { FERRY_SERVER: server.address, FERRY_CACHE_DIR: cache, XDG_CONFIG_HOME: path.join(cache, 'config'), HOME: path.join(cache, 'home') };
  const cli = (...argv: string[]) => run(argv, { env, cwd: here.root });
  return { server, here, cache, env, cli };
}

/** The server's side lives in share/dir, so the share's root is not what is compared. */
function prefixed(spec: ShareSpec): ShareSpec {
  return Object.fromEntries(Object.entries(spec).map(([k, v]) => [`dir/${k}`, v]));
}

interface Side {
  type: string;
  size: number;
  mtime: string;
  blake3?: string;
  error?: string;
}
interface Line {
  path: string;
  status: string;
  server: Side | null;
  local: Side | null;
  caseOf?: string;
}

function jsonLines(text: string): Line[] {
  return text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

function statusOf(lines: Line[]): Record<string, string> {
  return Object.fromEntries(lines.map((l) => [l.path, l.status]));
}

/** Every path under `root` with its content and time: to show that nothing changed. */
async function snapshot(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const rel of (await fs.readdir(root, { recursive: true })).sort()) {
    const abs = path.join(root, rel);
    const st = await fs.lstat(abs);
    out.push(`${rel} ${st.isDirectory() ? 'dir' : (await fs.readFile(abs)).toString('base64')} ${st.mtimeMs}`);
  }
  return out;
}

const SAME_SIZE_A = 'content one\n';
const SAME_SIZE_B = 'content two\n';

describe('ferry compare', () => {
  it('puts every path in its category, by content', async () => {
    const { server, here, cli } = await pair(
      {
        'same.txt': { content: 'same\n', mtime: T },
        'changed.txt': { content: SAME_SIZE_A, mtime: T },
        'grown.txt': { content: 'short\n', mtime: T },
        'touched.txt': { content: 'touched\n', mtime: T },
        'server-only.txt': 'only there\n',
        'server-empty/': {},
        clash: 'a file on the server\n',
        'Photo.JPG': 'picture\n',
        'linked.txt': { content: 'same\n', mtime: T },
        'deep/a/b/c.txt': { content: 'deep\n', mtime: T },
      },
      {
        'same.txt': { content: 'same\n', mtime: T },
        'changed.txt': { content: SAME_SIZE_B, mtime: T },
        'grown.txt': { content: 'longer now\n', mtime: T },
        'touched.txt': { content: 'touched\n', mtime: T + 60_000 },
        'here-only.txt': 'only here\n',
        'here-empty/': {},
        'clash/inside.txt': 'a folder here\n',
        'photo.jpg': 'picture\n',
        'deep/a/b/c.txt': { content: 'deep\n', mtime: T },
      },
    );
    // Symbolic links here: one to a file inside (followed), one out of the folder and one to nothing (unreadable).
    await fs.symlink(here.abs('same.txt'), here.abs('linked.txt'));
    await fs.symlink(here.sentinel, here.abs('leads-out.txt'));
    await fs.symlink(here.abs('nothing-there'), here.abs('dangling.txt'));
    // And one on the server that leads nowhere: the server lists it as a link it does not follow.
    await fs.symlink(server.share.abs('dir/nothing-there'), server.share.abs('dir/server-dangling.txt'));

    const r = await cli('compare', 'dir', here.root, '--json');
    expect(r.stderr).toBe('');
    const lines = jsonLines(r.stdout);
    expect(statusOf(lines)).toEqual({
      'same.txt': 'identical',
      'changed.txt': 'differs',
      'grown.txt': 'differs',
      'touched.txt': 'time',
      'server-only.txt': 'remote-only',
      'server-empty': 'remote-only',
      'here-only.txt': 'local-only',
      'here-empty': 'local-only',
      clash: 'type',
      'clash/inside.txt': 'local-only',
      'Photo.JPG': 'remote-only',
      'photo.jpg': 'local-only',
      'linked.txt': 'identical',
      'leads-out.txt': 'unreadable',
      'dangling.txt': 'unreadable',
      'server-dangling.txt': 'unreadable',
      deep: 'identical',
      'deep/a': 'identical',
      'deep/a/b': 'identical',
      'deep/a/b/c.txt': 'identical',
    });
    const changed = lines.find((l) => l.path === 'changed.txt')!;
    expect(changed.server).toMatchObject({
      type: 'file',
      size: SAME_SIZE_A.length,
      mtime: new Date(T).toISOString(),
      blake3: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(changed.local!.blake3).toMatch(/^[0-9a-f]{64}$/);
    expect(changed.local!.blake3).not.toBe(changed.server!.blake3);
    expect(lines.find((l) => l.path === 'photo.jpg')).toMatchObject({ caseOf: 'Photo.JPG', server: null });
    expect(lines.find((l) => l.path === 'leads-out.txt')!.local!.error).toMatch(/leads out/);
    expect(lines.find((l) => l.path === 'server-dangling.txt')).toMatchObject({ local: null, server: { error: 'on the server: a symbolic link to nothing' } });
    // Unreadable paths: exit status 2.
    expect(r.code).toBe(2);

    const human = await cli('compare', 'dir', here.root);
    expect(human.stdout).toMatch(/^content differs: 2 paths, /m);
    expect(human.stdout).toMatch(/^same content, different modification time: 1 path, /m);
    expect(human.stdout).toMatch(/^only on the server: 3 paths/m);
    expect(human.stdout).toMatch(/^ {2}Photo\.JPG {2}\(the other side has photo\.jpg: the name differs in case only\)$/m);
    expect(human.stdout).toMatch(/^ {2}server-empty\/$/m);
    expect(human.stdout).toMatch(/^a file on one side, a folder on the other: 1 path/m);
    expect(human.stdout).toMatch(/^unreadable: 3 paths/m);
    expect(human.code).toBe(2);
  });

  it('exits 0 for identical trees and 1 for different ones; --by size,mtime needs no hashing and cannot see same-size edits', async () => {
    const { here, cli } = await pair(
      { 'a.txt': { content: SAME_SIZE_A, mtime: T }, 'b.txt': { content: 'b\n', mtime: T } },
      { 'a.txt': { content: SAME_SIZE_A, mtime: T }, 'b.txt': { content: 'b\n', mtime: T } },
    );
    expect((await cli('compare', 'dir', here.root)).code).toBe(0);
    await fs.writeFile(here.abs('a.txt'), SAME_SIZE_B);
    await fs.utimes(here.abs('a.txt'), T / 1000, T / 1000);
    expect((await cli('compare', 'dir', here.root)).code).toBe(1);
    // Size and time alone (as rsync without -c) call it identical: speed over certainty.
    const quick = await cli('compare', 'dir', here.root, '--by', 'size,mtime', '--json');
    expect(statusOf(jsonLines(quick.stdout))).toEqual({ 'a.txt': 'identical', 'b.txt': 'identical' });
    expect(jsonLines(quick.stdout)[0]!.local!.blake3).toBeUndefined();
    expect(quick.code).toBe(0);
    await fs.utimes(here.abs('b.txt'), T / 1000 + 5, T / 1000 + 5);
    expect(statusOf(jsonLines((await cli('compare', 'dir', here.root, '--by', 'size,mtime', '--json')).stdout))['b.txt']).toBe('differs');
  });

  it('reads no local file the second time: the local index answers', async () => {
    const spec: ShareSpec = {};
    for (let i = 0; i < 20; i++) spec[`f${i}.bin`] = { content: Buffer.alloc(5000 + i, i), mtime: T };
    const { server, here } = await pair(spec, spec);
    const client = await server.connect({ noCache: true });
    const file = path.join(await scratchDir(), 'index.jsonl');

    const first = await LocalHashIndex.open({ file, workers: 2 });
    const a = await compareTrees(client, 'dir', here.root, { index: first });
    expect(a.every((d) => d.category === 'identical')).toBe(true);
    expect(first.stats.bytesRead).toBe(20 * 5000 + (19 * 20) / 2);
    await first.close();

    const second = await LocalHashIndex.open({ file, workers: 2 });
    const b = await compareTrees(client, 'dir', here.root, { index: second });
    expect(b.map((d) => d.category)).toEqual(a.map((d) => d.category));
    expect(second.stats).toMatchObject({ bytesRead: 0, misses: 0, hits: 20 });
    await second.close();
  });

  it('rebuilds a damaged local index, saying so in one line on stderr', async () => {
    const { here, cache, cli } = await pair({ 'a.txt': 'a\n' }, { 'a.txt': 'a\n' });
    await fs.mkdir(cache, { recursive: true });
    await fs.writeFile(path.join(cache, 'local-hash-index.jsonl'), 'not an index at all\n');
    const r = await cli('compare', 'dir', here.root);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^ferry: the local hash index .* was damaged .*starting it afresh$/m);
    const again = await cli('compare', 'dir', here.root);
    expect(again.stderr).toBe('');
  });

  it('says clearly when the remote folder is a file, with exit status 2 (trouble, as diff)', async () => {
    const { here, cli } = await pair({ 'a.txt': 'a\n' }, {});
    const r = await cli('compare', 'dir/a.txt', here.root);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dir\/a\.txt on the server is not a folder/);
  });
});

describe('ferry sync', () => {
  const REMOTE: ShareSpec = {
    'keep.txt': { content: 'kept\n', mtime: T },
    'new.txt': { content: 'new on the server\n', mtime: T + 1000 },
    'changed.txt': { content: SAME_SIZE_A, mtime: T },
    'touched.txt': { content: 'touched\n', mtime: T },
    'sub/empty/': {},
    'sub/file.txt': { content: 'in a folder\n', mtime: T },
  };
  const LOCAL: ShareSpec = {
    'keep.txt': { content: 'kept\n', mtime: T },
    'changed.txt': { content: SAME_SIZE_B, mtime: T },
    'touched.txt': { content: 'touched\n', mtime: T + 60_000 },
    'extra.txt': 'only here\n',
    'extra-dir/x.txt': 'only here too\n',
  };

  it('--dry-run prints the plan and changes nothing, here or on the server', async () => {
    const { server, here, cli } = await pair(REMOTE, LOCAL);
    const before = [await snapshot(here.root), await snapshot(server.share.root)];
    const r = await cli('sync', 'dir', here.root, '--delete', '--overwrite', '--dry-run');
    expect(r.stdout).toMatch(/^delete +extra\.txt {2}10 B$/m);
    expect(r.stdout).toMatch(/^delete +extra-dir\/$/m);
    expect(r.stdout).not.toMatch(/extra-dir\/x\.txt/); // the folder goes whole
    expect(r.stdout).toMatch(/^mkdir +sub\/empty\/$/m);
    expect(r.stdout).toMatch(/^download +new\.txt {2}18 B {2}\(missing\)$/m);
    expect(r.stdout).toMatch(/^download +changed\.txt .*\(differs \(--overwrite\)\)$/m);
    expect(r.stdout).toMatch(/^time +touched\.txt$/m);
    expect(r.stdout).toMatch(/^would do: 3 downloads \(/m);
    expect(r.code).toBe(0);
    expect([await snapshot(here.root), await snapshot(server.share.root)]).toEqual(before);
  });

  it('makes the destination like the source, deleting into the trash, and a compare afterwards finds them identical', async () => {
    const { here, cli } = await pair(REMOTE, LOCAL);
    const r = await cli('sync', 'dir', here.root, '--delete', '--overwrite');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await fs.readFile(here.abs('changed.txt'), 'utf8')).toBe(SAME_SIZE_A);
    expect(await fs.readFile(here.abs('new.txt'), 'utf8')).toBe('new on the server\n');
    expect((await fs.stat(here.abs('new.txt'))).mtimeMs).toBe(T + 1000);
    expect((await fs.stat(here.abs('touched.txt'))).mtimeMs).toBe(T);
    expect((await fs.stat(here.abs('sub/empty'))).isDirectory()).toBe(true);
    await expect(fs.stat(here.abs('extra.txt'))).rejects.toThrow();
    const [stamp] = await fs.readdir(here.abs('.ferry-trash'));
    expect(await fs.readFile(here.abs(`.ferry-trash/${stamp}/extra.txt`), 'utf8')).toBe('only here\n');
    expect(await fs.readFile(here.abs(`.ferry-trash/${stamp}/extra-dir/x.txt`), 'utf8')).toBe('only here too\n');
    const after = await cli('compare', 'dir', here.root);
    expect(after.stdout).toMatch(/^identical: 5 files/m);
    expect(after.code).toBe(0);
    // And again: nothing left to do.
    const again = await cli('sync', 'dir', here.root, '--delete');
    expect(again.stdout).toMatch(/^plan: 0 downloads \(0 B\)$/m);
  });

  it('shows its progress on a terminal, and nothing of it when the output is piped', async () => {
    const { here, env } = await pair({ 'a.txt': 'a\n', 'b.txt': 'bb\n' }, {});
    const tty = await run(['sync', 'dir', here.root], { env, cwd: here.root, tty: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toContain('comparing…');
    expect(tty.stderr).toMatch(/downloading 2\/2 files {2}5 B \/ 5 B/);
    expect(tty.stderr.endsWith('\r\x1b[2K')).toBe(true); // erased before the summary
    await fs.rm(here.abs('a.txt'));
    const piped = await run(['sync', 'dir', here.root], { env, cwd: here.root });
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toMatch(/^plan: 1 download \(2 B\)$/m);
  });

  it('--delete --no-trash removes for good; without --delete nothing is removed', async () => {
    const { here, cli } = await pair(REMOTE, LOCAL);
    await cli('sync', 'dir', here.root, '--overwrite');
    expect(await fs.readFile(here.abs('extra.txt'), 'utf8')).toBe('only here\n');
    const r = await cli('sync', 'dir', here.root, '--delete', '--no-trash');
    expect(r.code).toBe(0);
    await expect(fs.stat(here.abs('extra.txt'))).rejects.toThrow();
    await expect(fs.stat(here.abs('extra-dir'))).rejects.toThrow();
    await expect(fs.stat(here.abs('.ferry-trash'))).rejects.toThrow();
  });

  it('leaves a conflict alone without a policy, takes a change made only at the source', async () => {
    const { server, here, cli } = await pair({ 'a.txt': 'version 1\n', 'b.txt': 'version 1\n' }, {});
    expect((await cli('sync', 'dir', here.root)).code).toBe(0);
    // The server changes both; only b.txt is also changed here since the last sync.
    await fs.writeFile(server.share.abs('dir/a.txt'), 'version 2 from the server\n');
    await fs.writeFile(server.share.abs('dir/b.txt'), 'version 2 from the server\n');
    await fs.writeFile(here.abs('b.txt'), 'edited here\n');
    const r = await cli('sync', 'dir', here.root);
    expect(r.stdout).toMatch(/^skip +b\.txt {2}\(differs, and the destination changed since the last sync/m);
    expect(r.stdout).toMatch(/1 conflict left alone/);
    expect(r.code).toBe(1);
    expect(await fs.readFile(here.abs('a.txt'), 'utf8')).toBe('version 2 from the server\n');
    expect(await fs.readFile(here.abs('b.txt'), 'utf8')).toBe('edited here\n');
    // Still a conflict next time; --keep-both keeps the edit and saves the server's beside it.
    expect((await cli('sync', 'dir', here.root)).code).toBe(1);
    expect((await cli('sync', 'dir', here.root, '--keep-both')).code).toBe(0);
    expect(await fs.readFile(here.abs('b.txt'), 'utf8')).toBe('edited here\n');
    expect(await fs.readFile(here.abs('b (1).txt'), 'utf8')).toBe('version 2 from the server\n');
  });

  it('cut half way and run again, transfers only what is left', async () => {
    const spec: ShareSpec = {};
    const SIZE = 300_000;
    for (let i = 0; i < 8; i++) spec[`f${i}.bin`] = { content: Buffer.alloc(SIZE, i + 1), mtime: T };
    const { server, here } = await pair(spec, {});
    const client = await server.connect({ noCache: true });
    const index = await LocalHashIndex.open({ file: null, workers: 1 });
    const controller = new AbortController();
    let copied = 0;
    const first = await syncTrees(client, 'dir', here.root, {
      direction: 'pull',
      index,
      transfers: 1,
      noCache: true,
      signal: controller.signal,
      onAction: (a, o) => {
        if (a.kind === 'copy' && o.ok && ++copied === 3) controller.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    expect(first.done).toBeGreaterThanOrEqual(3);
    expect(first.done).toBeLessThan(8);
    const second = await syncTrees(client, 'dir', here.root, { direction: 'pull', index, transfers: 2, noCache: true });
    expect(second.interrupted).toBe(false);
    expect(second.actions.filter((a) => a.kind === 'copy')).toHaveLength(8 - first.done);
    expect(first.transferred).toBe(first.done * SIZE);
    expect(second.transferred).toBe((8 - first.done) * SIZE);
    const check = await compareTrees(client, 'dir', here.root, { index });
    expect(check.every((d) => d.category === 'identical')).toBe(true);
    await index.close();
  });

  it('--push uploads what changed here, and is refused by a read-only server', async () => {
    const readOnly = await pair({ 'a.txt': 'a\n' }, { 'a.txt': 'a changed here\n' });
    const refused = await readOnly.cli('sync', 'dir', readOnly.here.root, '--push');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/read-only .*--allow-write.*nothing can be pushed/);

    const { server, here, cli } = await pair(
      { 'a.txt': { content: 'a\n', mtime: T }, 'same.txt': { content: 'same\n', mtime: T } },
      { 'a.txt': { content: 'a changed here\n', mtime: T + 5000 }, 'same.txt': { content: 'same\n', mtime: T }, 'sub/new.txt': { content: 'new\n', mtime: T } },
      { allowUpload: true },
    );
    const r = await cli('sync', 'dir', here.root, '--push', '--overwrite');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await fs.readFile(server.share.abs('dir/a.txt'), 'utf8')).toBe('a changed here\n');
    expect(await fs.readFile(server.share.abs('dir/sub/new.txt'), 'utf8')).toBe('new\n');
    expect((await fs.stat(server.share.abs('dir/a.txt'))).mtimeMs).toBe(T + 5000);
    const c = await cli('compare', 'dir', here.root);
    expect(c.code).toBe(0);
  });

  it('--push --delete moves what only the server has into its trash, makes empty folders, and --no-trash removes', async () => {
    const { server, here, cli } = await pair(
      { 'keep.txt': { content: 'k\n', mtime: T }, 'old.txt': { content: 'old\n', mtime: T }, 'gone/deep.txt': { content: 'd\n', mtime: T } },
      { 'keep.txt': { content: 'k\n', mtime: T }, 'empty/': {} },
      { allowUpload: true },
    );
    const dry = await cli('sync', 'dir', here.root, '--push', '--delete', '--dry-run');
    expect(dry.code).toBe(0);
    expect(await fs.readFile(server.share.abs('dir/old.txt'), 'utf8')).toBe('old\n'); // a dry run changes nothing

    const r = await cli('sync', 'dir', here.root, '--push', '--delete');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await expect(fs.stat(server.share.abs('dir/old.txt'))).rejects.toThrow();
    await expect(fs.stat(server.share.abs('dir/gone'))).rejects.toThrow();
    expect((await fs.stat(server.share.abs('dir/empty'))).isDirectory()).toBe(true);
    const trash = await fs.readdir(server.share.abs('dir/.ferry-trash'));
    expect(trash).toHaveLength(1);
    expect(await fs.readFile(server.share.abs(`dir/.ferry-trash/${trash[0]}/old.txt`), 'utf8')).toBe('old\n');
    expect(await fs.readFile(server.share.abs(`dir/.ferry-trash/${trash[0]}/gone/deep.txt`), 'utf8')).toBe('d\n');
    expect((await cli('compare', 'dir', here.root)).code).toBe(0); // the trash is not part of the comparison

    await fs.writeFile(server.share.abs('dir/extra.txt'), 'x\n');
    const gone = await cli('sync', 'dir', here.root, '--push', '--delete', '--no-trash');
    expect(gone.code).toBe(0);
    await expect(fs.stat(server.share.abs('dir/extra.txt'))).rejects.toThrow();
    expect(await fs.readdir(server.share.abs('dir/.ferry-trash'))).toHaveLength(1);
  });
});
