// The destination folder of a download may be shared with other people, who
// can plant things at the names a download will use. A symlink at the .part's
// name (or its sidecar's temp) must never be followed: the victim file it
// points at stays as it was, and the download lands as a file of its own.

import { createHash, randomBytes } from 'node:crypto';
import { lstat, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratchDir } from '../helpers/scratch.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startTcpRelay } from '../helpers/tcp-relay.js';

const MiB = 1024 * 1024;
const content = randomBytes(3 * MiB + 7);
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer({ 'f.bin': content });
});
afterEach(() => t.close());

describe('planted links at the names a download uses', () => {
  it.each(['tcp', 'udp'] as const)('a symlink at .NAME.ferry-part is replaced, not followed (%s)', async (transport) => {
    const dest = await scratchDir('ferry-dest-');
    const elsewhere = await scratchDir('ferry-victim-');
    const victim = join(elsewhere, 'precious.txt');
    const sidecarVictim = join(elsewhere, 'sidecar-victim.txt');
    await writeFile(victim, 'do not touch');
    await writeFile(sidecarVictim, 'nor this');
    await symlink(victim, join(dest, '.f.bin.ferry-part'));
    await symlink(sidecarVictim, join(dest, '.f.bin.ferry-part.json.tmp'));
    const client = await t.connect({ noCache: true });
    const r = await client.download('f.bin', { dest, transport, noCache: true });
    expect(r.verified).toBe(true);
    expect(md5(await readFile(join(dest, 'f.bin')))).toBe(md5(content));
    expect((await lstat(join(dest, 'f.bin'))).isSymbolicLink()).toBe(false);
    expect(await readFile(victim, 'utf8')).toBe('do not touch');
    expect(await readFile(sidecarVictim, 'utf8')).toBe('nor this');
  });

  it('a planted link with a matching sidecar does not make a download resume into the link', async () => {
    const dest = await scratchDir('ferry-dest-');
    const elsewhere = await scratchDir('ferry-victim-');
    const victim = join(elsewhere, 'precious.bin');
    await writeFile(victim, Buffer.alloc(2 * MiB, 1));
    // A real interrupted download leaves a .part and a matching sidecar...
    const relay = await startTcpRelay({ host: '127.0.0.1', port: t.server.port });
    try {
      relay.cutAfter = MiB;
      const cut = await t.connect({ noCache: true, port: relay.port });
      await expect(cut.download('f.bin', { dest, noCache: true })).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
      await cut.close();
    } finally {
      await relay.close();
    }
    // ...and the .part is swapped for a link to a victim at least as long.
    await rename(join(dest, '.f.bin.ferry-part'), join(dest, 'moved-away'));
    await symlink(victim, join(dest, '.f.bin.ferry-part'));
    const client = await t.connect({ noCache: true });
    const r = await client.download('f.bin', { dest, noCache: true });
    expect(r.resumedFrom).toBeUndefined();
    expect(md5(await readFile(join(dest, 'f.bin')))).toBe(md5(content));
    expect(await readFile(victim)).toEqual(Buffer.alloc(2 * MiB, 1));
  });
});
