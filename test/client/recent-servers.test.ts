import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadRecentServers,
  RECENT_LIMIT,
  rememberRecentServer,
  trustChangedCertificate,
  withRecent,
  type RecentServer,
} from '../../src/client/recent-servers.js';
import { lookupKnownServer, rememberServer } from '../../src/transport/known-servers.js';
import { scratchDir } from '../helpers/scratch.js';

const FP_A = `sha256:${'AB:'.repeat(31)}AB`;
const FP_B = `sha256:${'CD:'.repeat(31)}CD`;
const server = (host: string, lastUsed: number, extra: Partial<RecentServer> = {}): RecentServer => ({ host, port: 2003, tls: false, lastUsed, ...extra });

describe('recent servers', () => {
  it('keeps the newest first, one entry per server, at most the limit', () => {
    let list: RecentServer[] = [];
    for (let i = 0; i < RECENT_LIMIT + 5; i++) list = withRecent(list, server(`h${i}`, i));
    expect(list).toHaveLength(RECENT_LIMIT);
    expect(list[0]!.host).toBe(`h${RECENT_LIMIT + 4}`);
    list = withRecent(list, server('H10', 1000, { tls: true, fingerprint: FP_A }));
    expect(list[0]).toMatchObject({ host: 'H10', tls: true });
    expect(list.filter((r) => r.host.toLowerCase() === 'h10')).toHaveLength(1);
  });

  it('round-trips through its file, written atomically with no temporary file left', async () => {
    const dir = await scratchDir();
    const file = join(dir, 'state', 'recent-servers.json');
    expect(await loadRecentServers(file)).toEqual([]);
    await rememberRecentServer(server('a.example', 1), file);
    await rememberRecentServer(server('b.example', 2, { tls: true, fingerprint: FP_A.toLowerCase() }), file);
    await rememberRecentServer(server('a.example', 3), file);
    const list = await loadRecentServers(file);
    expect(list.map((r) => [r.host, r.lastUsed])).toEqual([
      ['a.example', 3],
      ['b.example', 2],
    ]);
    expect(list[1]!.fingerprint).toBe(FP_A);
    expect(await readdir(join(dir, 'state'))).toEqual(['recent-servers.json']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('reads a damaged file as no servers, skips bad entries, and a write repairs it', async () => {
    const dir = await scratchDir();
    const file = join(dir, 'recent-servers.json');
    await writeFile(file, '{ not json');
    expect(await loadRecentServers(file)).toEqual([]);
    await writeFile(
      file,
      JSON.stringify({
        servers: [
          server('ok', 5),
          { host: 'x', port: 70000, tls: false, lastUsed: 1 },
          server('evil\u001b[2J', 3),
          { ...server('fp', 4), fingerprint: 'nope' },
          'junk',
        ],
      }),
    );
    expect((await loadRecentServers(file)).map((r) => r.host)).toEqual(['ok']);
    await writeFile(file, '[]');
    await rememberRecentServer(server('new', 9), file);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1, servers: [{ host: 'new' }] });
  });

  it('an accepted certificate replaces the remembered one, and only that line', async () => {
    const dir = await scratchDir();
    const known = join(dir, 'known-servers');
    await rememberServer(known, 'a.example', 2003, FP_A);
    await rememberServer(known, 'b.example', 2003, FP_A);
    await writeFile(known, `# a comment\n${await readFile(known, 'utf8')}`);
    await trustChangedCertificate('A.example', 2003, FP_B, known);
    expect(await lookupKnownServer(known, 'a.example', 2003)).toBe(FP_B);
    expect(await lookupKnownServer(known, 'b.example', 2003)).toBe(FP_A);
    expect((await readFile(known, 'utf8')).split('\n')).toEqual(['# a comment', `b.example:2003 ${FP_A}`, `a.example:2003 ${FP_B}`, '']);
    expect(await readdir(dir)).toEqual(['known-servers']);
  });
});
