// A server killed mid-upload leaves its `.ferry-upload-*` temp file in the share.
// The next server on that share removes the temp files whose writer is gone
// (or that are old), in the background, and never a live server's.

import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { isStaleUploadTemp, uploadTempName } from '../../src/server/upload-temp.js';
import { RpcConnection } from '../../src/client/rpc.js';
import { Kind } from '../../src/protocol/messages.js';
import { FerryServer } from '../../src/server/server.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const DAY = 86_400_000;

/** A process that stands in for a `ferry serve` holding an upload, and is then killed with SIGKILL. */
async function killedWriterPid(): Promise<number> {
  const child = execa(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore', reject: false });
  await once(child, 'spawn');
  const pid = child.pid!;
  child.kill('SIGKILL');
  await once(child, 'exit');
  return pid;
}

describe('stale upload temp files', () => {
  it('are removed at start when their writer is gone or they are old; a live writer keeps its own', async () => {
    const dead = await killedWriterPid();
    // The test runner's parent process is alive for the whole test and is not this process.
    const live = process.ppid;
    const names = {
      deadRoot: `.ferry-upload-${dead}-m0abc12-0011aabbccdd`,
      deadDeep: `.ferry-upload-${dead}-m0abc12-2233aabbccdd`,
      liveFresh: `.ferry-upload-${live}-m0abc12-4455aabbccdd`,
      liveOld: `.ferry-upload-${live}-m0abc12-6677aabbccdd`,
      legacyFresh: '.ferry-upload-0123456789abcdef',
      legacyOld: '.ferry-upload-fedcba9876543210',
    };
    t = await startTestServer({ 'a.txt': 'a\n', 'sub/deeper/b.txt': 'b\n' }, { allowUpload: true });
    // Planted once this server's own clean-up is done: the server under test is the next one, below.
    await t.server.staleUploadsCleaned;
    const at = (rel: string) => t!.share.abs(rel);
    await writeFile(at(names.deadRoot), 'partial');
    await writeFile(at(`sub/deeper/${names.deadDeep}`), 'partial');
    await writeFile(at(names.liveFresh), 'partial');
    await writeFile(at(`sub/${names.liveOld}`), 'partial');
    await writeFile(at(names.legacyFresh), 'partial');
    await writeFile(at(names.legacyOld), 'partial');
    const longAgo = new Date(Date.now() - 2 * DAY);
    await utimes(at(`sub/${names.liveOld}`), longAgo, longAgo);
    await utimes(at(names.legacyOld), longAgo, longAgo);

    const next = await FerryServer.start({ root: t.share.root, host: '127.0.0.1', port: 0, logFile: `${t.scratch}/next.log`, hashIndexFile: null });
    try {
      const report = await next.staleUploadsCleaned;
      expect(report.complete).toBe(true);
      expect(report.removed).toBe(4);
    } finally {
      await next.close();
    }
    expect((await readdir(t.share.root)).filter((n) => n.startsWith('.ferry-upload-')).sort()).toEqual([names.legacyFresh, names.liveFresh].sort());
    expect(await readdir(at('sub'))).not.toContain(names.liveOld);
    expect(await readdir(at('sub/deeper'))).toEqual(['b.txt']);
  });

  it('a folder copy a stopped server left is removed whole at the next start, never what a link in it names', async () => {
    const dead = await killedWriterPid();
    const live = process.ppid;
    const deadCopy = `.ferry-upload-${dead}-m0abc12-8899aabbccdd`;
    const liveCopy = `.ferry-upload-${live}-m0abc12-aabbaabbccdd`;
    t = await startTestServer({ 'a.txt': 'a\n' });
    // Planted once this server's own clean-up is done: the server under test is the next one, below.
    await t.server.staleUploadsCleaned;
    await t.share.write({ [`${deadCopy}/x/1.txt`]: '1', [`${deadCopy}/2.txt`]: '2', [`sub/${liveCopy}/3.txt`]: '3' });
    await symlink(t.share.outside, t.share.abs(`${deadCopy}/out`));
    const next = await FerryServer.start({ root: t.share.root, host: '127.0.0.1', port: 0, logFile: `${t.scratch}/next.log`, hashIndexFile: null });
    try {
      const report = await next.staleUploadsCleaned;
      expect(report).toMatchObject({ complete: true, removed: 1 });
    } finally {
      await next.close();
    }
    expect(await readdir(t.share.root)).toEqual(['a.txt', 'sub']);
    expect(await readdir(t.share.abs(`sub/${liveCopy}`))).toEqual(['3.txt']); // a live server's copy in progress
    await t.share.assertSentinelIntact();
  });

  it('a server starting on a share leaves a running upload of another server alone', async () => {
    t = await startTestServer({}, { allowUpload: true });
    await t.server.staleUploadsCleaned;
    const rpc = await RpcConnection.open({ host: '127.0.0.1', port: t.server.port });
    try {
      const body = Buffer.from('first half|second half');
      const md5 = createHash('md5').update(body).digest('hex');
      let ready!: () => void;
      const isReady = new Promise<void>((r) => (ready = r));
      const { id, reply } = rpc.requestWithId(
        { op: 'upload', path: 'up.txt', size: body.length, md5, overwrite: false },
        { onItem: (h) => h.ready && ready() },
      );
      await isReady;
      rpc.conn.send(Kind.Data, id, undefined, body.subarray(0, 11));
      const temps = () => readdir(t!.share.root).then((names) => names.filter((n) => n.startsWith('.ferry-upload-')));
      await waitFor(async () => (await temps()).length === 1, 'the upload temp file');
      const next = await FerryServer.start({ root: t.share.root, host: '127.0.0.1', port: 0, logFile: `${t.scratch}/next.log`, hashIndexFile: null });
      try {
        expect((await next.staleUploadsCleaned).complete).toBe(true);
      } finally {
        await next.close();
      }
      expect(await temps()).toHaveLength(1);
      rpc.conn.send(Kind.Data, id, undefined, body.subarray(11));
      rpc.conn.send(Kind.End, id);
      expect(await reply).toMatchObject({ path: 'up.txt', md5 });
      expect(await readFile(t.share.abs('up.txt'))).toEqual(body);
    } finally {
      await rpc.close();
    }
  });

  it('decides by owner and age', () => {
    // The planted names above have the shape real uploads use.
    expect(uploadTempName()).toMatch(new RegExp(`^\\.ferry-upload-${process.pid}-[0-9a-z]+-[0-9a-f]+$`));
    const now = Date.now();
    const alive = (pid: number) => pid === 42;
    expect(isStaleUploadTemp('.ferry-upload-41-abc-00ff', now, now, DAY, alive)).toBe(true);
    expect(isStaleUploadTemp('.ferry-upload-42-abc-00ff', now, now, DAY, alive)).toBe(false);
    expect(isStaleUploadTemp('.ferry-upload-42-abc-00ff', now - 2 * DAY, now, DAY, alive)).toBe(true);
    expect(isStaleUploadTemp('.ferry-upload-0011223344556677', now, now, DAY, alive)).toBe(false);
    expect(isStaleUploadTemp('a.txt', now - 2 * DAY, now, DAY, alive)).toBe(false);
    // This process under another start stamp: an earlier life of the same pid.
    expect(isStaleUploadTemp(`.ferry-upload-${process.pid}-zzzzzz-00ff`, now, now, DAY, () => true)).toBe(true);
  });
});
