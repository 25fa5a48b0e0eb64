// TLS identity, pinning and trust on first use over real loopback sockets.

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as rawTlsConnect, createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/errors.js';
import { createSelfSigned } from '../../src/transport/cert.js';
import { fingerprintOf, normaliseFingerprint } from '../../src/transport/fingerprint.js';
import {
  CertificateChanged,
  IDENTITY_FILE,
  loadOrCreateServerIdentity,
  type ServerIdentity,
  tlsConnect,
  tlsServerOptions,
  udpKeyFrom,
} from '../../src/transport/tls.js';

let dir: string;
let identity: ServerIdentity;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-tls-'));
  identity = await loadOrCreateServerIdentity(join(dir, 'server'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An echo server; `accepted` collects its TLS sockets (for the server's end of udpKeyFrom). */
async function echoServer(id: Pick<ServerIdentity, 'key' | 'cert'>): Promise<{ server: Server; port: number; accepted: TLSSocket[]; clientErrors: Error[] }> {
  const accepted: TLSSocket[] = [];
  const clientErrors: Error[] = [];
  const server = createServer(tlsServerOptions(id), (socket) => {
    accepted.push(socket);
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  server.on('tlsClientError', (err) => clientErrors.push(err));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const s of accepted) s.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return { server, port: (server.address() as { port: number }).port, accepted, clientErrors };
}

function echo(socket: TLSSocket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.length >= text.length) resolve(got);
    });
    socket.once('error', reject);
    socket.write(text);
  });
}

describe('server identity', () => {
  it('is created once with mode 0600 and reused after', async () => {
    const where = join(dir, 'once');
    const first = await loadOrCreateServerIdentity(where);
    const again = await loadOrCreateServerIdentity(where);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(again.key).toBe(first.key);
    expect((await stat(join(where, IDENTITY_FILE))).mode & 0o777).toBe(0o600);
    expect(first.fingerprint).toMatch(/^sha256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(fingerprintOf(first.cert)).toBe(first.fingerprint);
  });

  it('two servers starting at once end up with the same identity', async () => {
    const where = join(dir, 'race');
    const [a, b] = await Promise.all([loadOrCreateServerIdentity(where), loadOrCreateServerIdentity(where)]);
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it('refuses a key file others can read', async () => {
    const where = join(dir, 'loose');
    await loadOrCreateServerIdentity(where);
    await chmod(join(where, IDENTITY_FILE), 0o644);
    await expect(loadOrCreateServerIdentity(where)).rejects.toMatchObject({ code: ErrorCode.Forbidden, message: expect.stringMatching(/chmod 600/) });
  });

  it('makes a self-signed P-256 certificate that verifies with its own key', () => {
    const { key, cert } = createSelfSigned('example');
    const x = new X509Certificate(cert);
    expect(x.subject).toBe('CN=example');
    expect(x.issuer).toBe('CN=example');
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.ca).toBe(false);
    expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(x.checkPrivateKey(createPrivateKey(createSelfSigned().key))).toBe(false);
    expect(x.checkPrivateKey(createPrivateKey(key))).toBe(true);
  });

  it('encodes every certificate validly, whatever its random serial and signature', () => {
    // Integers with leading zero bytes occur about once in 256 certificates; 1,500 makes missing one unlikely.
    for (let i = 0; i < 1500; i++) {
      const { key, cert } = createSelfSigned();
      const x = new X509Certificate(cert);
      expect(x.verify(x.publicKey)).toBe(true);
      if (i < 20) expect(x.checkPrivateKey(createPrivateKey(key))).toBe(true);
    }
  });

  it('reads fingerprints leniently and rejects what is not one', () => {
    const fp = identity.fingerprint;
    expect(normaliseFingerprint(fp.toLowerCase())).toBe(fp);
    expect(normaliseFingerprint(fp.slice('sha256:'.length).replace(/:/g, ''))).toBe(fp);
    expect(normaliseFingerprint('sha256:AB')).toBeNull();
  });
});

describe('tlsConnect', () => {
  it('round-trips with a pinned fingerprint, and both ends derive the same UDP key', async () => {
    const { port, accepted } = await echoServer(identity);
    const known = join(dir, 'known-pinned');
    const c = await tlsConnect({ host: '127.0.0.1', port, fingerprint: identity.fingerprint.toLowerCase(), knownServersFile: known });
    cleanups.push(() => c.socket.destroy());
    expect(c.fingerprint).toBe(identity.fingerprint);
    expect(c.firstUse).toBe(false);
    expect(c.socket.getProtocol()).toBe('TLSv1.3');
    expect(await echo(c.socket, 'hello over tls')).toBe('hello over tls');
    const id = '0123456789abcdef';
    const clientKey = udpKeyFrom(c.socket, id);
    expect(clientKey.length).toBe(32);
    expect(udpKeyFrom(accepted[0]!, id).equals(clientKey)).toBe(true);
    expect(udpKeyFrom(c.socket, 'fedcba9876543210').equals(clientKey)).toBe(false);
    // A checked pin is remembered, so the next connection needs none.
    expect(await readFile(known, 'utf8')).toBe(`127.0.0.1:${port} ${identity.fingerprint}\n`);
  });

  it('refuses a server whose certificate does not match the pin, naming both', async () => {
    const { port } = await echoServer(identity);
    const other = fingerprintOf(createSelfSigned().cert);
    const err = await tlsConnect({ host: '127.0.0.1', port, fingerprint: other, knownServersFile: join(dir, 'known-wrong') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.Unauthorized });
    // Typed, so a caller can put the choice to a person without reading the message.
    expect(err).toBeInstanceOf(CertificateChanged);
    expect(err).toMatchObject({ address: `127.0.0.1:${port}`, expected: other, seen: identity.fingerprint, source: 'pin' });
    expect((err as Error).message).toContain(other);
    expect((err as Error).message).toContain(identity.fingerprint);
  });

  it('trusts on first use, remembers, and then refuses a changed certificate', async () => {
    const { server, port } = await echoServer(identity);
    const known = join(dir, 'known-tofu');
    const first = await tlsConnect({ host: '127.0.0.1', port, knownServersFile: known });
    first.socket.destroy();
    expect(first.firstUse).toBe(true);
    expect(await readFile(known, 'utf8')).toContain(`127.0.0.1:${port} ${identity.fingerprint}`);
    const second = await tlsConnect({ host: '127.0.0.1', port, knownServersFile: known });
    second.socket.destroy();
    expect(second.firstUse).toBe(false);
    // Same address, new identity: what an impostor (or a reinstalled server) looks like.
    const impostor = createSelfSigned();
    server.setSecureContext(tlsServerOptions(impostor));
    const err = await tlsConnect({ host: '127.0.0.1', port, knownServersFile: known }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.Unauthorized });
    expect((err as Error).message).toContain(fingerprintOf(impostor.cert));
    expect((err as Error).message).toContain(identity.fingerprint);
    expect((err as Error).message).toContain(known);
    expect(err).toMatchObject({ expected: identity.fingerprint, seen: fingerprintOf(impostor.cert), source: 'known-servers' });
    // The store still holds the original, unchanged.
    expect((await readFile(known, 'utf8')).trim().split('\n')).toEqual([`127.0.0.1:${port} ${identity.fingerprint}`]);
  });

  // A damaged line may have been any server's entry (its name can be what is
  // damaged), so while one is there no server is trusted on first use: a lost
  // entry must not silently become a fresh trust decision.
  describe('a damaged known-servers file fails closed', () => {
    const damaged: [string, (port: number) => string][] = [
      ['its own line with the fingerprint cut short', (port) => `127.0.0.1:${port} ${identity.fingerprint.slice(0, 40)}`],
      ["a line whose name is garbled, so whose it was can't be told", (port) => `127.0.\u0000.1:${port} ${identity.fingerprint}`],
      ['its own line with no fingerprint', (port) => `127.0.0.1:${port}`],
      ['its own line with extra fields', (port) => `127.0.0.1:${port} ${identity.fingerprint} trailing`],
    ];
    let files = 0;
    it.each(damaged)('refuses to trust on first use past %s, naming the file and line', async (_label, lineFor) => {
      const { port } = await echoServer(identity);
      const known = join(dir, `known-damaged-${++files}`);
      const before = `# servers\n\nexample.org:2003 ${fingerprintOf(createSelfSigned().cert)}\n${lineFor(port)}\n`;
      await writeFile(known, before);
      const err = await tlsConnect({ host: '127.0.0.1', port, knownServersFile: known }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.Unauthorized });
      expect((err as Error).message).toContain(`delete line 4 of ${known}`);
      // Nothing was appended: the damaged entry was not replaced by a new first use.
      expect(await readFile(known, 'utf8')).toBe(before);
    });

    it('trusts again once the damaged line is deleted, and reads comments and blank lines as harmless', async () => {
      const { port } = await echoServer(identity);
      const known = join(dir, 'known-repaired');
      await writeFile(known, `# servers\n\n   \n127.0.0.1:${port} ${identity.fingerprint}\r\n`);
      const c = await tlsConnect({ host: '127.0.0.1', port, knownServersFile: known });
      c.socket.destroy();
      expect(c.firstUse).toBe(false);
    });
  });

  it('refuses a malformed pin before connecting', async () => {
    await expect(tlsConnect({ host: '127.0.0.1', port: 1, fingerprint: 'sha256:nope' })).rejects.toMatchObject({ code: ErrorCode.BadRequest });
  });

  it('says so when the server does not speak TLS', async () => {
    const sockets: Socket[] = [];
    const plain: TcpServer = createTcpServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
      s.end('not tls at all\n');
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => plain.close(resolve));
    });
    const port = (plain.address() as { port: number }).port;
    const err = await tlsConnect({ host: '127.0.0.1', port, knownServersFile: join(dir, 'known-plain') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.ConnectionLost, message: expect.stringMatching(/--tls/) });
  });
});

describe('the TLS server', () => {
  it('refuses a TLS 1.2 client', async () => {
    const { port, clientErrors } = await echoServer(identity);
    const err = await new Promise<Error>((resolve, reject) => {
      const s = rawTlsConnect({ host: '127.0.0.1', port, maxVersion: 'TLSv1.2', rejectUnauthorized: false });
      s.once('secureConnect', () => {
        s.destroy();
        reject(new Error('a TLS 1.2 handshake succeeded'));
      });
      s.once('error', resolve);
    });
    expect((err as NodeJS.ErrnoException).code).toMatch(/^ERR_SSL/);
    // The server saw it too, as a refused handshake (its event may trail the client's).
    await until(() => clientErrors.length > 0);
    expect((clientErrors[0] as NodeJS.ErrnoException).code).toMatch(/UNSUPPORTED_PROTOCOL|VERSION/);
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}
