// `ferry sync --watch` against a real server, the CLI run in-process: a change
// at the source reaches the destination within 2 s, deletions go to the
// trash, a burst of 2,000 changes converges exactly, a restart of the server
// (a rescan after reconnecting) converges, --push follows the local folder,
// and two syncs of one pair in opposite directions do not echo each other's
// writes back.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { compareTrees } from '../../src/client/compare.js';
import { LocalHashIndex } from '../../src/client/local-index.js';
import { type WatchRound, watchSync } from '../../src/client/sync-watch.js';
import { loadSyncState } from '../../src/client/sync-state.js';
import { FerryServer } from '../../src/server/server.js';
import { fakeIo, run } from '../cli/fake-io.js';
import { scratchDir } from '../helpers/scratch.js';
import { startTestServer, type TestServer, waitFor } from '../helpers/server.js';
import { createTempShare, DEFAULT_MTIME_MS, type ShareSpec, type TempShare } from '../helpers/temp-share.js';

const servers: TestServer[] = [];
const locals: TempShare[] = [];
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(locals.splice(0).map((l) => l.remove()));
});

async function pair(remote: ShareSpec, local: ShareSpec, options: { allowWrite?: boolean } = {}) {
  const server = await startTestServer({ 'dir/.keep-name': 'x', ...prefixed(remote) }, options);
  servers.push(server);
  const here = await createTempShare(local);
  locals.push(here);
  const cache = path.join(await scratchDir(), 'cache');
  const env = { FERRY_SERVER: server.address, FERRY_CACHE_DIR: cache, XDG_CONFIG_HOME: path.join(cache, 'config'), HOME: path.join(cache, 'home') };
  const cli = (...argv: string[]) => run(argv, { env, cwd: here.root });
  /** `ferry sync dir <here> --watch ...`, running until stopped; resolves once the first sync is done. */
  const watch = async (...argv: string[]) => {
    const io = fakeIo({ env, cwd: here.root });
    const done = main(['sync', 'dir', here.root, '--watch', ...argv], io);
    let stopped: Promise<number> | undefined;
    const stop = () => {
      stopped ??= (async () => {
        io.interrupt();
        return done;
      })();
      return stopped;
    };
    stops.push(stop);
    await waitFor(() => io.stderrText().includes('in step') || /ferry: (?!in step)/.test(io.stderrText()), 'the first sync', 60_000);
    expect(io.stderrText()).toContain('in step');
    /** The lines printed so far that start with `prefix`. */
    const lines = (prefix: string) =>
      io
        .stdoutText()
        .split('\n')
        .filter((l) => l.startsWith(prefix));
    return { io, stop, lines };
  };
  const remoteFile = (rel: string) => server.share.abs(`dir/${rel}`);
  return { server, here, env, cli, watch, remoteFile };
}

function prefixed(spec: ShareSpec): ShareSpec {
  return Object.fromEntries(Object.entries(spec).map(([k, v]) => [`dir/${k}`, v]));
}

const read = (abs: string) => fs.readFile(abs, 'utf8').catch(() => undefined);

describe('ferry sync --watch', () => {
  it('brings the folder in line first, then a change on the server reaches it within 2 s, a line each', async () => {
    const { here, watch, remoteFile } = await pair({ 'a.txt': 'one\n', 'sub/b.txt': 'two\n' }, {});
    const w = await watch();
    expect(await read(here.abs('a.txt'))).toBe('one\n');
    expect(await read(here.abs('sub/b.txt'))).toBe('two\n');

    await fs.writeFile(remoteFile('new.txt'), 'new\n');
    await waitFor(async () => (await read(here.abs('new.txt'))) === 'new\n', 'new.txt here', 2000);
    await fs.writeFile(remoteFile('sub/b.txt'), 'changed\n');
    await waitFor(async () => (await read(here.abs('sub/b.txt'))) === 'changed\n', 'sub/b.txt changed here', 2000);
    await fs.mkdir(remoteFile('made/deep'), { recursive: true });
    await fs.writeFile(remoteFile('made/deep/c.txt'), 'c');
    await waitFor(async () => (await read(here.abs('made/deep/c.txt'))) === 'c', 'a file in a new folder', 2000);
    // The source's time comes along, as with every download.
    const [there, mine] = await Promise.all([fs.stat(remoteFile('new.txt')), fs.stat(here.abs('new.txt'))]);
    expect(Math.abs(there.mtimeMs - mine.mtimeMs)).toBeLessThan(1);
    await waitFor(() => w.lines('↓ made/deep/c.txt').length === 1, 'its line');
    expect(w.lines('↓ new.txt')).toEqual(['↓ new.txt']);
    expect(w.lines('↓ sub/b.txt').length).toBeGreaterThanOrEqual(2); // the first sync's, and the change's

    expect(await w.stop()).toBe(130);
    expect(w.io.stderrText()).toMatch(/stopped: \d+ changes applied/);
  });

  it('with --delete, what goes from the server goes into the trash here; without it, it stays', async () => {
    const { here, watch, remoteFile } = await pair({ 'a.txt': 'a\n', 'tree/b.txt': 'b\n', 'keep.txt': 'k\n' }, {});
    const w = await watch('--delete');
    await fs.rm(remoteFile('a.txt'));
    await fs.rm(remoteFile('tree'), { recursive: true });
    await waitFor(async () => (await read(here.abs('a.txt'))) === undefined, 'a.txt gone here', 2000);
    await waitFor(async () => !(await fs.stat(here.abs('tree')).catch(() => undefined)), 'tree gone here', 2000);
    const trash = await fs.readdir(here.abs('.ferry-trash'));
    const kept = await Promise.all(trash.map((t) => read(here.abs(`.ferry-trash/${t}/a.txt`))));
    expect(kept).toContain('a\n');
    expect(await Promise.all(trash.map((t) => read(here.abs(`.ferry-trash/${t}/tree/b.txt`))))).toContain('b\n');
    await waitFor(() => w.lines('deleted tree/').length === 1, 'the deletion line');
    expect(w.lines('deleted a.txt')).toEqual(['deleted a.txt']);
    await w.stop();

    const plain = await watch(); // no --delete: the server's removal is not followed
    await fs.rm(remoteFile('keep.txt'));
    await fs.writeFile(remoteFile('marker.txt'), 'm');
    await waitFor(async () => (await read(here.abs('marker.txt'))) === 'm', 'the marker');
    expect(await read(here.abs('keep.txt'))).toBe('k\n');
    expect(plain.lines('deleted')).toEqual([]);
  });

  it('a burst of 2,000 changes converges exactly', async () => {
    const before: ShareSpec = {};
    for (let i = 0; i < 500; i++) before[`old/f${i}.txt`] = { content: `old ${i}\n`, mtime: DEFAULT_MTIME_MS };
    const { here, cli, watch, remoteFile } = await pair(before, before); // in step to begin with
    // Straight to the folder: through the download cache each small file costs far more than its bytes.
    await watch('--delete', '--no-cache');
    // 1,500 new files in 15 folders, 400 rewritten, 100 removed.
    for (let d = 0; d < 15; d++) await fs.mkdir(remoteFile(`new${d}`));
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 1500; i++) writes.push(fs.writeFile(remoteFile(`new${i % 15}/f${i}.txt`), `new ${i}\n`));
    for (let i = 0; i < 400; i++) writes.push(fs.writeFile(remoteFile(`old/f${i}.txt`), `rewritten ${i}\n`));
    for (let i = 400; i < 500; i++) writes.push(fs.rm(remoteFile(`old/f${i}.txt`)));
    await Promise.all(writes);
    await fs.writeFile(remoteFile('last.txt'), 'last');
    await waitFor(async () => (await read(here.abs('last.txt'))) === 'last', 'the last change', 30_000);
    await waitFor(async () => (await cli('compare', 'dir', here.root)).code === 0, 'compare to find the two identical', 30_000);
    expect(await read(here.abs('new14/f1499.txt'))).toBe('new 1499\n');
    expect(await read(here.abs('old/f0.txt'))).toBe('rewritten 0\n');
    expect(await read(here.abs('old/f499.txt'))).toBeUndefined();
    const r = await cli('compare', 'dir', here.root, '--json');
    expect(r.stdout.trim().split('\n').length).toBe(1 + 400 + 15 + 1500 + 1); // old/, what is left in it, the new folders and files, last.txt
    expect(r.stdout).not.toMatch(/"status":"(?!identical)/);
  }, 120_000);

  it('converges after the server restarts: the watch comes back with a rescan and the whole folder is compared again', async () => {
    const { server, here, watch, remoteFile } = await pair({ 'a.txt': 'one\n' }, {});
    const w = await watch();
    const port = server.server.port;
    await server.server.close();
    // Changed while no one was watching: only a whole comparison can find it.
    await fs.writeFile(remoteFile('a.txt'), 'changed while away\n');
    await fs.writeFile(remoteFile('b.txt'), 'made while away\n');
    const again = await FerryServer.start({
      root: server.share.root,
      host: '127.0.0.1',
      port,
      logFile: path.join(server.scratch, 'again.log.jsonl'),
      hashIndexFile: null,
    });
    stops.unshift(() => again.close());
    await waitFor(async () => (await read(here.abs('b.txt'))) === 'made while away\n', 'b.txt here', 15_000);
    await waitFor(async () => (await read(here.abs('a.txt'))) === 'changed while away\n', 'a.txt changed here', 5000);
    expect(w.io.stderrText()).toContain('(reconnected)');
    // And it follows the new server's changes as before.
    await fs.writeFile(remoteFile('c.txt'), 'after\n');
    await waitFor(async () => (await read(here.abs('c.txt'))) === 'after\n', 'c.txt here', 2000);
  }, 30_000);

  it('--push follows the local folder: a change here reaches the server, a deletion goes to its trash', async () => {
    const { here, watch, remoteFile, server } = await pair({}, { 'a.txt': 'a\n' }, { allowWrite: true });
    const w = await watch('--push', '--delete');
    expect(await read(remoteFile('a.txt'))).toBe('a\n');
    await fs.writeFile(here.abs('b.txt'), 'b\n');
    await waitFor(async () => (await read(remoteFile('b.txt'))) === 'b\n', 'b.txt on the server', 2000);
    await fs.mkdir(here.abs('sub'));
    await fs.writeFile(here.abs('sub/c.txt'), 'c\n');
    await waitFor(async () => (await read(remoteFile('sub/c.txt'))) === 'c\n', 'sub/c.txt on the server', 2000);
    await fs.writeFile(here.abs('a.txt'), 'a changed\n');
    await waitFor(async () => (await read(remoteFile('a.txt'))) === 'a changed\n', 'a.txt changed on the server', 2000);
    await fs.rm(here.abs('b.txt'));
    await waitFor(async () => (await read(remoteFile('b.txt'))) === undefined, 'b.txt gone from the server', 2000);
    const trash = await fs.readdir(server.share.abs('dir/.ferry-trash'));
    expect(await Promise.all(trash.map((t) => read(server.share.abs(`dir/.ferry-trash/${t}/b.txt`))))).toContain('b\n');
    await waitFor(() => w.lines('deleted b.txt').length === 1, 'the deletion line');
    expect(w.lines('↑ b.txt')).toEqual(['↑ b.txt']);
    expect(w.lines('↑ sub/c.txt')).toEqual(['↑ sub/c.txt']);
  });

  it('two syncs of one pair, one each way, do not send each other their writes back', async () => {
    const { here, watch, remoteFile } = await pair({ 'a.txt': 'a\n' }, {}, { allowWrite: true });
    const down = await watch();
    const up = await watch('--push');
    await fs.writeFile(remoteFile('from-server.txt'), 'made on the server\n');
    await waitFor(async () => (await read(here.abs('from-server.txt'))) === 'made on the server\n', 'the server file here', 2000);
    await fs.writeFile(here.abs('from-here.txt'), 'made here\n');
    await waitFor(async () => (await read(remoteFile('from-here.txt'))) === 'made here\n', 'the local file on the server', 2000);
    // Markers each way, made after: once each has crossed, both syncs have handled everything before it.
    await fs.writeFile(remoteFile('marker-1.txt'), '1');
    await waitFor(async () => (await read(here.abs('marker-1.txt'))) === '1', 'marker 1 here');
    await fs.writeFile(here.abs('marker-2.txt'), '2');
    await waitFor(async () => (await read(remoteFile('marker-2.txt'))) === '2', 'marker 2 on the server');
    await fs.writeFile(remoteFile('marker-3.txt'), '3');
    await waitFor(async () => (await read(here.abs('marker-3.txt'))) === '3', 'marker 3 here');
    await fs.writeFile(here.abs('marker-4.txt'), '4');
    await waitFor(async () => (await read(remoteFile('marker-4.txt'))) === '4', 'marker 4 on the server');
    await waitFor(() => up.lines('↑ marker-4.txt').length === 1, 'the last line');
    // Each file crossed once, in its own direction, and nothing came back.
    expect(down.lines('↓').sort()).toEqual(['↓ a.txt', '↓ from-server.txt', '↓ marker-1.txt', '↓ marker-3.txt']);
    expect(up.lines('↑').sort()).toEqual(['↑ from-here.txt', '↑ marker-2.txt', '↑ marker-4.txt']);
    expect([...down.lines('✗'), ...up.lines('✗')]).toEqual([]);
  });

  it('past its cap of changed paths, a round is a whole sync, and memory stays at the cap', async () => {
    const { server, here } = await pair({ 'a.txt': 'a' }, {});
    const client = await server.connect({ noCache: true });
    const index = await LocalHashIndex.open({ file: null, workers: 1 });
    const controller = new AbortController();
    const rounds: WatchRound[] = [];
    const stateFile = path.join(await scratchDir(), 'state.json');
    const running = watchSync(client, 'dir', here.root, {
      direction: 'pull',
      index,
      noCache: true,
      maxPending: 20,
      stateFile,
      signal: controller.signal,
      onRound: (r) => rounds.push(r),
    });
    await waitFor(async () => (await read(here.abs('a.txt'))) === 'a', 'the first sync');
    // 300 files in one go: more than 20 paths wait at once, so the details are dropped for one whole sync.
    await Promise.all(Array.from({ length: 300 }, (_, i) => fs.writeFile(server.share.abs(`dir/f${i}.txt`), `${i}`)));
    await waitFor(async () => (await compareTrees(client, 'dir', here.root, { index })).every((d) => d.category === 'identical'), 'the two in step', 20_000);
    expect(rounds.filter((r) => r.whole && r.reason === 'behind').length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...rounds.map((r) => r.paths))).toBeLessThanOrEqual(20);
    controller.abort();
    const total = await running;
    expect(total.wholeSyncs).toBeGreaterThanOrEqual(2);
    // Stopped: the pair's state is saved, every file in it.
    expect((await loadSyncState(stateFile)).size).toBe(301);
    await index.close();
  });

  it('follows the conflict rules of a one-shot sync: a file changed here is left alone, unless told', async () => {
    const { here, watch, remoteFile } = await pair({ 'a.txt': 'one\n', 'b.txt': 'one\n' }, {});
    const w = await watch();
    await fs.writeFile(here.abs('a.txt'), 'edited here\n');
    await fs.writeFile(remoteFile('a.txt'), 'two from the server\n');
    await waitFor(() => w.lines('✗ a.txt').length === 1, 'the conflict line', 2000);
    expect(w.lines('✗ a.txt')[0]).toMatch(/destination changed since the last sync/);
    expect(await read(here.abs('a.txt'))).toBe('edited here\n');
    await w.stop();

    const overwrite = await watch('--overwrite'); // its first sync takes the server's a.txt
    expect(await read(here.abs('a.txt'))).toBe('two from the server\n');
    await fs.writeFile(here.abs('b.txt'), 'edited here\n');
    await fs.writeFile(remoteFile('b.txt'), 'two from the server\n');
    await waitFor(async () => (await read(here.abs('b.txt'))) === 'two from the server\n', 'the server to win', 2000);
    expect(overwrite.lines('✗')).toEqual([]);
  });

  it('--json prints each change as one object a line', async () => {
    const { here, watch, remoteFile } = await pair({ 'a.txt': 'a\n' }, {});
    const w = await watch('--json', '--delete');
    await fs.writeFile(remoteFile('b.txt'), 'bb\n');
    await fs.rm(remoteFile('a.txt'));
    await waitFor(async () => (await read(here.abs('b.txt'))) === 'bb\n' && (await read(here.abs('a.txt'))) === undefined, 'both changes here', 2000);
    // The lines follow the files (a file is in place a moment before its action is reported).
    await waitFor(() => w.io.stdoutText().trim().split('\n').length === 3, 'a line for each');
    const objects = w.io
      .stdoutText()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects[0]).toMatchObject({ kind: 'copy', path: 'a.txt', ok: true }); // the first sync's
    // The two changes may come in one round (deletions first) or in two.
    expect(objects.slice(1)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'copy', path: 'b.txt', size: 3, ok: true }),
        expect.objectContaining({ kind: 'delete', path: 'a.txt', type: 'file', ok: true }),
      ]),
    );
  });
});
