// `logs` over the wire with a log that rotates and lines that are long: the
// reply must always fit the frame limits, reach back across a rotation, and a
// follower must keep hearing new lines while files rotate under it.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/client/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A legal path of about `bytes` bytes (names stay under 255 bytes): the hash of it fails NOT_FOUND and is logged. */
function longPath(i: number, bytes = 4000): string {
  const name = `${String(i).padStart(4, '0')}-${'n'.repeat(190)}`;
  return Array.from({ length: Math.floor(bytes / (name.length + 1)) }, () => name).join('/');
}

async function hashFails(client: Awaited<ReturnType<TestServer['connect']>>, path: string): Promise<void> {
  await client.hash(path).then(
    () => Promise.reject(new Error(`hash of ${path} should fail`)),
    () => undefined,
  );
}

describe('logs', () => {
  it('still answers after many requests with 4 KB paths (each reply frame stays under the header limit)', async () => {
    t = await startTestServer({ 'a.txt': 'a' });
    const client = await t.connect({ noCache: true });
    // 100 long lines: far more than one 64 KiB ITEM header can hold, however they are cut.
    for (let i = 0; i < 100; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => hashFails(client, longPath(i + j))));
    const records = await client.logs({ limit: 100 });
    expect(records).toHaveLength(100);
    expect(records.map((r) => String(r.args.path).slice(0, 4)).sort()).toEqual(Array.from({ length: 100 }, (_, i) => String(i).padStart(4, '0')).sort());
  });

  it('returns the last N lines across a rotation, and a follower keeps going across rotations', async () => {
    t = await startTestServer({ 'a.txt': 'a' }, { logRotation: { maxFileBytes: 4 * 1024, keepFiles: 3 } });
    const client = await t.connect({ noCache: true });
    for (let i = 0; i < 40; i++) await hashFails(client, `missing-${i}.txt`);
    const last = await client.logs({ limit: 30 });
    expect(last.map((r) => r.args.path)).toEqual(Array.from({ length: 30 }, (_, i) => `missing-${i + 10}.txt`));
    const files = (await readdir(t.scratch)).filter((n) => n.startsWith('server.log.jsonl'));
    expect(files.length).toBeGreaterThan(1); // it did rotate, so those 30 came from more than one file

    const controller = new AbortController();
    const seen: LogRecord[] = [];
    let live!: () => void;
    const isLive = new Promise<void>((r) => (live = r));
    const following = client.followLogs({
      limit: 2,
      signal: controller.signal,
      onLive: live,
      onRecord: (r) => {
        seen.push(r);
        if (r.args.path === 'after-99.txt') controller.abort();
      },
    });
    await isLive;
    const other = await t.connect({ noCache: true });
    for (let i = 0; i < 100; i++) await hashFails(other, `after-${i}.txt`); // several rotations
    await following;
    const paths = seen.map((r) => r.args.path).filter((p) => String(p).startsWith('after-'));
    expect(paths).toEqual(Array.from({ length: 100 }, (_, i) => `after-${i}.txt`));
    // However many requests, the log takes at most the current file and three older ones.
    await t.server.close(); // writes what is queued: a rotation caught half-way would hide the current file
    const logFiles = (await readdir(t.scratch)).filter((n) => n.startsWith('server.log.jsonl'));
    expect(logFiles.sort()).toEqual(['server.log.jsonl', 'server.log.jsonl.1', 'server.log.jsonl.2', 'server.log.jsonl.3']);
    const sizes = await Promise.all(logFiles.map(async (n) => (await stat(join(t!.scratch, n))).size));
    for (const size of sizes) expect(size).toBeLessThanOrEqual(4 * 1024);
  });
});
