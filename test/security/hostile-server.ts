// A hostile server: speaks ferry's wire protocol (the real frame codec) but
// answers whatever the test scripts, so client-side confinement can be tested
// against names and sizes a real server would never send.

import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder } from '../../src/protocol/frame.js';
import { Kind } from '../../src/protocol/messages.js';

export interface HostileFile {
  /** What stat and listings call it (any string at all). */
  path: string;
  name?: string;
  content: Buffer;
  /** Size to announce (default: the content's length). */
  size?: number;
}

export interface HostileScript {
  share?: string;
  /** stat(path) answers: a file, or a folder whose listing is `list`. */
  stat: Record<string, HostileFile | { dir: true; path: string; name: string }>;
  list?: HostileFile[];
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const MTIME = 1_700_000_000_000;

function entry(f: { path: string; name?: string }, type: 'file' | 'dir', size: number) {
  const name = f.name ?? f.path.split('/').pop() ?? f.path;
  return { path: f.path, name, ext: '', size, mtimeMs: MTIME, type };
}

export async function startHostileServer(script: HostileScript): Promise<{ port: number; requests: Record<string, unknown>[]; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const requests: Record<string, unknown>[] = [];
  const byPath = new Map<string, HostileFile>();
  for (const f of [...Object.values(script.stat), ...(script.list ?? [])]) if ('content' in f) byPath.set(f.path, f);
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const decoder = new FrameDecoder();
    const send = (kind: number, id: number, header?: object, payload?: Buffer) => socket.write(encodeFrame(kind, id, header, payload));
    socket.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (f.kind === Kind.Hello) {
          send(Kind.Welcome, 0, { version: 1, server: 'hostile/1', share: script.share ?? 'share', features: ['list', 'hash', 'download'], auth: 'none' });
          continue;
        }
        if (f.kind === Kind.Ping) {
          send(Kind.Pong, 0, f.header);
          continue;
        }
        if (f.kind !== Kind.Request) continue;
        const h = f.header;
        requests.push(h);
        const path = String(h.path ?? '');
        if (h.op === 'stat') {
          const s = script.stat[path] ?? byPath.get(path);
          if (!s) {
            send(Kind.Error, f.id, { code: 'NOT_FOUND', message: 'no' });
          } else if ('dir' in s) {
            send(Kind.Reply, f.id, { ...entry(s, 'dir', 0), identity: { size: 0, mtimeMs: MTIME, ino: 1, dev: 1 } });
          } else {
            const size = s.size ?? s.content.length;
            send(Kind.Reply, f.id, { ...entry(s, 'file', size), identity: { size, mtimeMs: MTIME, ino: 2, dev: 1 }, md5: md5(s.content) });
          }
        } else if (h.op === 'list') {
          const entries = (script.list ?? []).map((e) => entry(e, 'file', e.size ?? e.content.length));
          send(Kind.Item, f.id, { entries });
          send(Kind.Reply, f.id, { count: entries.length });
        } else if (h.op === 'download') {
          const s = byPath.get(path);
          if (!s) {
            send(Kind.Error, f.id, { code: 'NOT_FOUND', message: 'no' });
            continue;
          }
          const size = s.size ?? s.content.length;
          send(Kind.Item, f.id, { size, offset: 0, md5: md5(s.content), mtimeMs: MTIME, identity: { size, mtimeMs: MTIME, ino: 2, dev: 1 } });
          for (let at = 0; at < s.content.length; at += 1024 * 1024) send(Kind.Data, f.id, undefined, s.content.subarray(at, at + 1024 * 1024));
          send(Kind.Reply, f.id, { bytes: s.content.length });
        } else {
          send(Kind.Error, f.id, { code: 'FORBIDDEN', message: 'no' });
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
