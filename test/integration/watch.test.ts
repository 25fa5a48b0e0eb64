// Following a folder over the wire: changes made on the server reach a
// watching client quickly, in bulk without loss (a rescan where details were
// dropped, after which a fresh listing converges), within the server's bounds,
// and never about ferry's own files or anything outside the share.

import { spawnSync } from 'node:child_process';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FerryClient } from '../../src/client/client.js';
import type { WatchEvent } from '../../src/client/types.js';
import type { ServerLimits } from '../../src/server/server.js';
import { scratchDir } from '../helpers/scratch.js';
import { codeOf, startTestServer, waitFor, type TestServer } from '../helpers/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A client watching `path`, every event kept; resolves once the server is watching. */
async function watching(client: FerryClient, path: string, recursive = false) {
  const events: WatchEvent[] = [];
  const controller = new AbortController();
  let ready = 0;
  const done = client.watch(path, { recursive, signal: controller.signal, onEvents: (e) => events.push(...e), onReady: () => ready++ });
  done.catch(() => {});
  await waitFor(() => ready > 0, 'the watch to start', 5000);
  return { events, done, stop: () => controller.abort(), ready: () => ready };
}

const has = (events: WatchEvent[], path: string, kind: WatchEvent['kind']) => events.some((e) => e.path === path && e.kind === kind);

async function start(spec: Record<string, string> = {}, limits: Partial<ServerLimits> = {}) {
  t = await startTestServer(spec, { limits });
  return { t, client: await t.connect({ noCache: true }) };
}

describe('watch', () => {
  it('a change on the server reaches a watching client within 2 s, one kind per change', async () => {
    const { t, client } = await start({ 'a.txt': 'one\n', 'sub/b.txt': 'two\n' });
    const w = await watching(client, '');
    const root = t.share.root;
    await writeFile(join(root, 'new.txt'), 'new\n');
    await waitFor(() => has(w.events, 'new.txt', 'added'), 'new.txt added', 2000);
    await writeFile(join(root, 'a.txt'), 'changed\n');
    await waitFor(() => has(w.events, 'a.txt', 'changed'), 'a.txt changed', 2000);
    await mkdir(join(root, 'made'));
    await waitFor(() => has(w.events, 'made', 'folder'), 'made folder', 2000);
    await rm(join(root, 'new.txt'));
    await waitFor(() => has(w.events, 'new.txt', 'removed'), 'new.txt removed', 2000);
    // Not recursive: a change inside a subfolder is not this watch's news.
    await writeFile(join(root, 'sub', 'b.txt'), 'changed\n');
    await writeFile(join(root, 'last.txt'), '');
    await waitFor(() => has(w.events, 'last.txt', 'added'), 'last.txt added', 2000);
    expect(w.events.filter((e) => e.path.startsWith('sub/'))).toEqual([]);
    w.stop();
    await w.done;
    await waitFor(() => t.server.watches.subscriptions === 0 && t.server.watches.watchers === 0, 'the watcher to be released');
    expect(t.server.watches.folders).toBe(0);
  });

  it('a recursive watch follows new folders, and what was written in them before they were watched', async () => {
    const { t, client } = await start({ 'sub/b.txt': 'two\n' });
    const w = await watching(client, '', true);
    const root = t.share.root;
    await writeFile(join(root, 'sub', 'b.txt'), 'changed\n');
    await waitFor(() => has(w.events, 'sub/b.txt', 'changed'), 'sub/b.txt changed', 2000);
    // Made elsewhere and moved in whole: its watch starts after its files exist.
    const outside = await scratchDir();
    await mkdir(join(outside, 'tree', 'deep'), { recursive: true });
    await writeFile(join(outside, 'tree', 'deep', 'c.txt'), 'c');
    await rename(join(outside, 'tree'), join(root, 'tree'));
    await waitFor(() => has(w.events, 'tree/deep/c.txt', 'added'), 'tree/deep/c.txt added', 2000);
    await writeFile(join(root, 'tree', 'deep', 'c.txt'), 'cc');
    await waitFor(() => has(w.events, 'tree/deep/c.txt', 'changed'), 'a change in the moved-in tree', 2000);
    expect(t.server.watches.folders).toBe(4); // '', sub, tree, tree/deep
    await rm(join(root, 'tree'), { recursive: true });
    await waitFor(() => has(w.events, 'tree', 'removed'), 'tree removed', 2000);
    await waitFor(() => t.server.watches.folders === 2, 'the removed folders to be unwatched');
  });

  it("never reports ferry's own temp files, or a link that leads out of the share", async () => {
    const { t, client } = await start({ 'a.txt': 'a' });
    const w = await watching(client, '', true);
    const root = t.share.root;
    const outside = await scratchDir();
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await writeFile(join(root, '.ferry-upload-1-x-00'), 'temp');
    await writeFile(join(root, 'x.bin.ferry-part'), 'part');
    await writeFile(join(root, '.x.1234.ferry-tmp'), 'tmp');
    await symlink(join(outside, 'secret.txt'), join(root, 'leak'));
    await symlink(join(root, 'a.txt'), join(root, 'inside'));
    await writeFile(join(root, 'marker'), '');
    await waitFor(() => has(w.events, 'marker', 'added'), 'the marker', 2000);
    await waitFor(() => has(w.events, 'inside', 'added'), 'the link inside the share', 2000);
    expect(w.events.map((e) => e.path).filter((p) => p.includes('ferry') || p === 'leak')).toEqual([]);
  });

  it('a folder moved out of the share (a symlink to it left in its place) is reported removed, and nothing done in it afterwards is', async () => {
    const { t, client } = await start({ 'sub/b.txt': 'two\n' });
    const w = await watching(client, '', true);
    const outside = await scratchDir();
    await rename(join(t.share.root, 'sub'), join(outside, 'sub'));
    await symlink(join(outside, 'sub'), join(t.share.root, 'sub'));
    await waitFor(() => has(w.events, 'sub', 'removed'), 'sub removed', 2000);
    await waitFor(() => t.server.watches.folders === 1, 'its watch to be dropped');
    const before = w.events.length;
    await writeFile(join(outside, 'sub', 'secret.txt'), 'outside now');
    await writeFile(join(outside, 'sub', 'b.txt'), 'changed outside');
    await writeFile(join(t.share.root, 'marker'), '');
    await waitFor(() => has(w.events, 'marker', 'added'), 'the marker', 2000);
    expect(w.events.slice(before).map((e) => e.path)).toEqual(['marker']);
  });

  it('a watched folder that goes away ends the watch with NOT_FOUND', async () => {
    const { t, client } = await start({ 'sub/b.txt': 'two\n' });
    const w = await watching(client, 'sub');
    await rm(join(t.share.root, 'sub'), { recursive: true });
    expect(await codeOf(w.done)).toBe('NOT_FOUND');
    await waitFor(() => t.server.watches.watchers === 0, 'the watcher to be released');
  });

  it('refuses clearly: a missing folder, a file, a path outside, and past the limits', async () => {
    const { t, client } = await start({ 'a.txt': 'a', 'sub/b.txt': 'b', 'sub/c/d.txt': 'd' }, { watchesPerConnection: 2, watches: 3, watchedFolders: 2 });
    const noop = { onEvents: () => {} };
    expect(await codeOf(client.watch('nope', noop))).toBe('NOT_FOUND');
    expect(await codeOf(client.watch('a.txt', noop))).toBe('NOT_A_DIRECTORY');
    expect(await codeOf(client.watch('../..', noop))).toBe('OUTSIDE_SHARE');
    // Three folders from the root down, two allowed in all.
    const tooBig = client.watch('', { ...noop, recursive: true });
    await expect(tooBig).rejects.toThrow(/more folders than the server watches/);
    expect(await codeOf(tooBig)).toBe('TOO_LARGE');
    expect(t.server.watches.folders).toBe(0);
    const a = await watching(client, '');
    const b = await watching(client, 'sub');
    await expect(client.watch('sub/c', noop)).rejects.toThrow(/more than 2 watches on one connection/);
    const other = await t.connect({ noCache: true });
    const c = await watching(other, 'sub');
    await expect(other.watch('', noop)).rejects.toThrow(/3 watches open/);
    // Two clients on one folder share its watcher.
    expect(t.server.watches).toMatchObject({ subscriptions: 3, watchers: 2, folders: 2 });
    for (const w of [a, b, c]) w.stop();
    await waitFor(() => t.server.watches.subscriptions === 0, 'the subscriptions to end');
    expect(t.server.watches).toMatchObject({ watchers: 0, folders: 0 });
  });
});

/**
 * What a client following the tree believes is there: the paths of a recursive
 * listing, kept up by events, listed again on a rescan. It converges when it
 * equals a fresh listing.
 */
class Mirror {
  paths = new Set<string>();
  rescans: string[] = [];
  private relisting: Promise<void> = Promise.resolve();
  constructor(private readonly client: FerryClient) {}

  async list(): Promise<Set<string>> {
    return new Set((await this.client.list({ path: '', recursive: true, hidden: true })).map((e) => e.path));
  }

  /** Events that arrive while a relisting runs: applied on top of it once it is in. */
  private held: WatchEvent[] | null = null;

  apply(events: WatchEvent[]): void {
    if (this.held) {
      this.held.push(...events);
      return;
    }
    for (const [i, e] of events.entries()) {
      if (e.kind === 'rescan') {
        this.rescans.push(e.reason ?? '');
        // The listing may predate changes whose events come while it runs: those are held
        // and applied after it, never onto a set the listing then replaces.
        this.held = events.slice(i + 1);
        // A client closed at the end of a test may leave a relisting unfinished: nothing to converge then.
        this.relisting = this.relisting.then(async () => {
          this.paths = await this.list().catch(() => this.paths);
          const later = this.held ?? [];
          this.held = null;
          this.apply(later);
        });
        return;
      }
      if (e.kind === 'removed') {
        for (const p of this.paths) if (p === e.path || p.startsWith(`${e.path}/`)) this.paths.delete(p);
      } else this.paths.add(e.path);
    }
  }

  async matches(): Promise<boolean> {
    await this.relisting;
    const truth = await this.list();
    return truth.size === this.paths.size && [...truth].every((p) => this.paths.has(p));
  }
}

describe('watch in bulk', () => {
  it('10,000 changes at once: none lost once coalesced and rescanned, and the pending map stays within its bound', async () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) spec[`old/f${i}`] = 'x';
    const { t, client } = await start(spec, { watchPending: 4096 });
    const mirror = new Mirror(client);
    let ready = false;
    const controller = new AbortController();
    const done = client.watch('', { recursive: true, signal: controller.signal, onEvents: (e) => mirror.apply(e), onReady: () => (ready = true) });
    await waitFor(() => ready, 'the watch to start');
    mirror.paths = await mirror.list();
    const root = t.share.root;
    // 9,000 new files in 9 new folders, 500 rewritten, 500 removed: 10,000 changes.
    for (let d = 0; d < 9; d++) {
      await mkdir(join(root, `new${d}`));
      await Promise.all(Array.from({ length: 1000 }, (_, f) => writeFile(join(root, `new${d}`, `g${f}`), 'y')));
    }
    await Promise.all(Array.from({ length: 500 }, (_, f) => writeFile(join(root, 'old', `f${f}`), 'z')));
    await Promise.all(Array.from({ length: 500 }, (_, f) => rm(join(root, 'old', `f${500 + f}`))));
    await waitFor(() => mirror.matches(), 'the watching client to converge', 20_000);
    expect(mirror.paths.size).toBe(1 + 500 + 9 * 1001);
    expect(t.server.watches.peakPending).toBeLessThanOrEqual(4096);
    expect(t.server.watches.peakPending).toBeGreaterThan(0);
    controller.abort();
    await done;
  }, 60_000);

  it('a client that falls behind is sent a rescan, and converges', async () => {
    // Paths near the 4 KiB limit fill the connection fast; the client stops reading.
    const deep = Array.from({ length: 14 }, (_, i) => `${i}`.padEnd(250, 'd')).join('/');
    const { t, client } = await start({ [`${deep}/seed`]: 's' }, { watchPending: 1000 });
    const mirror = new Mirror(client);
    let ready = false;
    const controller = new AbortController();
    const done = client.watch('', { recursive: true, signal: controller.signal, onEvents: (e) => mirror.apply(e), onReady: () => (ready = true) });
    await waitFor(() => ready, 'the watch to start');
    mirror.paths = await mirror.list();
    const rpc = await client.rpc();
    rpc.conn.pause();
    const root = t.share.root;
    try {
      // Rounds of 200 long paths (under the pending bounds each), each once the last was
      // sent, until the server waits on the client.
      let n = 0;
      await waitFor(
        async () => {
          if (t.server.counters.sendsWaiting > 0) return true;
          if (t.server.watches.pending > 0) return false;
          await Promise.all(Array.from({ length: 200 }, () => writeFile(join(root, deep, `f${n++}`), 'y')));
          return false;
        },
        'the server to wait on the client',
        30_000,
      );
      // Now more changes than the bound pile up while it waits.
      await Promise.all(Array.from({ length: 1500 }, (_, i) => writeFile(join(root, `short${i}`), 'y')));
      await waitFor(() => t.server.watches.peakPending === 1000, 'the bound to be reached');
    } finally {
      rpc.conn.resume();
    }
    await waitFor(() => mirror.rescans.includes('behind'), 'a rescan for falling behind', 10_000);
    await waitFor(() => mirror.matches(), 'the client to converge', 20_000);
    expect(mirror.paths.has('short1499')).toBe(true);
    expect(t.server.watches.peakPending).toBeLessThanOrEqual(1000);
    controller.abort();
    await done;
  }, 60_000);

  it('events the kernel dropped while the server was busy: a rescan, and the client converges', async () => {
    const { t, client } = await start({ 'a.txt': 'a' });
    const mirror = new Mirror(client);
    let ready = false;
    const controller = new AbortController();
    const done = client.watch('', { signal: controller.signal, onEvents: (e) => mirror.apply(e), onReady: () => (ready = true) });
    await waitFor(() => ready, 'the watch to start');
    mirror.paths = await mirror.list();
    // The server runs in this process: while another process writes 30,000 files
    // (some 60,000 events), nothing here reads them, and the kernel's queue overflows.
    const script = `const fs = require('fs'); for (let i = 0; i < 30000; i++) fs.writeFileSync(process.argv[1] + '/f' + i, 'x');`;
    const child = spawnSync(process.execPath, ['-e', script, t.share.root]);
    expect(child.status).toBe(0);
    await waitFor(() => mirror.rescans.includes('overflow'), 'a rescan for the events the kernel dropped', 10_000);
    await waitFor(() => mirror.matches(), 'the client to converge', 20_000);
    expect(mirror.paths.size).toBe(30_001);
    controller.abort();
    await done;
  }, 60_000);

  it('after a reconnection the watch comes back, with a rescan', async () => {
    const { t, client } = await start({ 'a.txt': 'a' });
    const w = await watching(client, '');
    (await client.rpc()).destroy();
    await waitFor(() => w.ready() === 2, 'the watch to be asked for again', 10_000);
    expect(w.events).toContainEqual({ path: '', kind: 'rescan', reason: 'reconnected' });
    await writeFile(join(t.share.root, 'after.txt'), '');
    await waitFor(() => has(w.events, 'after.txt', 'added'), 'a change after the reconnection', 2000);
    w.stop();
    await w.done;
  });
});
