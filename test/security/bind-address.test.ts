// Without a token ferry listens on loopback only. The rule is about the address
// the socket is bound to, not the text of --host: a name that looks like
// loopback (127.example, localhost) but resolves elsewhere must be refused.
// The resolver is injected (ServerOptions.lookup) so this runs offline and
// never binds beyond loopback.

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryServer, type ServerOptions } from '../../src/server/server.js';
import { codeOf } from '../helpers/server.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-bind-'));
  await mkdir(join(dir, 'share'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = (): ServerOptions => ({ root: join(dir, 'share'), port: 0, udp: false, logFile: join(dir, 'server.log'), hashIndexFile: null });

/** Start, and close again if it started: the code it was refused with, or 'resolved'. */
async function startCode(options: ServerOptions): Promise<string> {
  const started = FerryServer.start(options);
  const code = await codeOf(started);
  if (code === 'resolved') await (await started).close();
  return code;
}

describe('--host and the loopback rule', () => {
  it('refuses a loopback-looking name that resolves to a non-loopback address, without a token', async () => {
    const asked: string[] = [];
    const lookup = async (name: string) => (asked.push(name), { address: '0.0.0.0', family: 4 });
    expect(await startCode({ ...base(), host: '127.0.0.1.attacker.example', lookup })).toBe('FORBIDDEN');
    expect(await startCode({ ...base(), host: 'localhost', lookup })).toBe('FORBIDDEN');
    expect(asked).toEqual(['127.0.0.1.attacker.example', 'localhost']);
  });

  it('refuses non-loopback literals without a token', async () => {
    expect(await startCode({ ...base(), host: '0.0.0.0' })).toBe('FORBIDDEN');
    expect(await startCode({ ...base(), host: '::' })).toBe('FORBIDDEN');
    expect(await startCode({ ...base(), host: '::ffff:0.0.0.0' })).toBe('FORBIDDEN');
  });

  it('serves a name that resolves to loopback, bound to the address it resolved to', async () => {
    const lookup = async () => ({ address: '127.0.0.1', family: 4 });
    const server = await FerryServer.start({ ...base(), host: 'share.example', lookup });
    try {
      expect(server.boundAddress).toBe('127.0.0.1');
    } finally {
      await server.close();
    }
  });

  it('says clearly when a name does not resolve', async () => {
    const lookup = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' });
    };
    expect(await startCode({ ...base(), host: 'nowhere.invalid', lookup })).toBe('BAD_REQUEST');
  });
});
