// A hostile server: speaks ferry's wire protocol (the real frame codec) but
// answers whatever the test scripts, so client-side confinement can be tested
// against names and sizes a real server would never send.

import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { ChunkHasher } from '../../src/protocol/chunk-hash.js';
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
  /** WELCOME's `server` field. */
  serverName?: string;
  /** The message of every ERROR it sends (default 'no'). */
  errorMessage?: string;
  /** Answer every download with this ERROR instead of the bytes. */
  downloadError?: { code: string; message: string };
  /** What `logs` returns, as it is: any fields, any strings. */
  logs?: Record<string, unknown>[];
  /** The MD5 it claims in stat and hash answers (default: the real one). */
  md5?: string;
  /** stat(path) answers: a file, or a folder whose listing is `list`. */
  stat: Record<string, HostileFile | { dir: true; path: string; name: string }>;
  list?: HostileFile[];
}

const realMd5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const MTIME = 1_700_000_000_000;

/** The chunk hashes of the file as announced: its first `size` bytes (zeros past the content). */
function chunksOf(content: Buffer, size: number) {
  const h = new ChunkHasher(size);
  const body = Buffer.alloc(size);
  content.copy(body, 0, 0, Math.min(size, content.length));
  h.update(body);
  return h.finish();
}

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
    const md5 = (b: Buffer) => script.md5 ?? realMd5(b);
    const refuse = (id: number, code: string) => send(Kind.Error, id, { code, message: script.errorMessage ?? 'no' });
    socket.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (f.kind === Kind.Hello) {
          send(Kind.Welcome, 0, {
            version: 1,
            server: script.serverName ?? 'hostile/1',
            share: script.share ?? 'share',
            features: ['list', 'hash', 'download', 'logs', 'blake3'],
            auth: 'none',
          });
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
            refuse(f.id, 'NOT_FOUND');
          } else if ('dir' in s) {
            send(Kind.Reply, f.id, { ...entry(s, 'dir', 0), identity: { size: 0, mtimeMs: MTIME, ino: 1, dev: 1 } });
          } else {
            const size = s.size ?? s.content.length;
            send(Kind.Reply, f.id, {
              ...entry(s, 'file', size),
              identity: { size, mtimeMs: MTIME, ino: 2, dev: 1 },
              md5: md5(s.content),
              blake3: chunksOf(s.content, size).blake3,
            });
          }
        } else if (h.op === 'list') {
          const entries = (script.list ?? []).map((e) => entry(e, 'file', e.size ?? e.content.length));
          send(Kind.Item, f.id, { entries });
          send(Kind.Reply, f.id, { count: entries.length });
        } else if (h.op === 'download') {
          const s = byPath.get(path);
          if (script.downloadError) {
            send(Kind.Error, f.id, script.downloadError);
            continue;
          }
          if (!s) {
            refuse(f.id, 'NOT_FOUND');
            continue;
          }
          const size = s.size ?? s.content.length;
          const chunks = chunksOf(s.content, size);
          // Whatever ranges were asked for, it sends all it has.
          send(
            Kind.Item,
            f.id,
            {
              size,
              offset: 0,
              md5: md5(s.content),
              blake3: chunks.blake3,
              chunkBytes: chunks.chunkBytes,
              mtimeMs: MTIME,
              identity: { size, mtimeMs: MTIME, ino: 2, dev: 1 },
            },
            chunks.chunks,
          );
          for (let at = 0; at < s.content.length; at += 1024 * 1024) send(Kind.Data, f.id, undefined, s.content.subarray(at, at + 1024 * 1024));
          send(Kind.Reply, f.id, { bytes: s.content.length, md5: md5(s.content) });
        } else if (h.op === 'hash') {
          const s = byPath.get(path);
          if (!s) refuse(f.id, 'NOT_FOUND');
          else send(Kind.Reply, f.id, { path: s.path, md5: md5(s.content), size: s.size ?? s.content.length, mtimeMs: MTIME });
        } else if (h.op === 'logs') {
          if (script.logs) send(Kind.Item, f.id, { records: script.logs });
          if (!h.follow) send(Kind.Reply, f.id, {});
        } else {
          refuse(f.id, 'FORBIDDEN');
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
