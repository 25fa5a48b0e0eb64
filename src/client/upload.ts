// Upload: hash the local file, announce size and MD5, stream it with
// backpressure over a connection of its own; the server keeps it only if
// every byte arrived and the MD5 matches.

import { createReadStream } from 'node:fs';
import { opendir, stat as statPath } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { STREAM_CHUNK_BYTES } from '../protocol/limits.js';
import type { ServerLink } from './server-link.js';
import { md5OfFile } from './md5-file.js';
import { ProgressMeter } from './progress.js';
import { eitherSignal, type QueueTask, runAll } from './transfer-queue.js';
import type { UploadOptions, UploadResult } from './types.js';

export async function uploadFile(client: ServerLink, localPath: string, options: UploadOptions): Promise<UploadResult> {
  const started = performance.now();
  const st = await statPath(localPath).catch(() => {
    throw new FerryError(ErrorCode.NotFound, `${localPath}: no such local file`);
  });
  if (!st.isFile()) throw new FerryError(ErrorCode.NotAFile, `${localPath} is not a file`);
  if (!client.info.features.includes('upload')) {
    throw new FerryError(ErrorCode.ReadOnly, `${client.info.address} is read-only (its server was not started with --allow-write)`);
  }
  const md5 = await md5OfFile(localPath);
  const remotePath = options.as ?? basename(localPath);
  const lease = await client.leaseConnection();
  const { rpc } = lease;
  let clean = false;
  const meter = new ProgressMeter(remotePath, 'tcp', st.size, options.onProgress);
  try {
    let ready!: () => void;
    const readyPromise = new Promise<void>((r) => (ready = r));
    const { id, reply } = rpc.requestWithId(
      {
        op: 'upload',
        path: remotePath,
        size: st.size,
        md5,
        overwrite: options.overwrite ?? false,
        mtimeMs: st.mtimeMs,
        ...(options.parents ? { parents: true } : {}),
      },
      { signal: options.signal, onItem: (h) => h.ready && ready() },
    );
    await Promise.race([readyPromise, reply]);
    const sending = rpc.conn.sendStream(id, createReadStream(localPath, { highWaterMark: STREAM_CHUNK_BYTES }), {
      onChunk: (sent) => meter.update(sent),
      stop: () => rpc.closed,
    });
    const [final] = await Promise.all([reply, sending.catch(() => {})]);
    meter.update(st.size, true);
    clean = true;
    return { path: String(final.path), bytes: Number(final.bytes), md5: String(final.md5), verified: true, seconds: (performance.now() - started) / 1000 };
  } finally {
    lease.release(clean);
  }
}

/**
 * A local folder and everything in it, to `as` (default: the folder's name at
 * the share's root), through the transfer queue: files are read from the
 * folder as the queue drains, the remote folders made as needed, and the
 * first failure stops the rest.
 */
export async function uploadTree(client: ServerLink, localDir: string, options: UploadOptions): Promise<UploadResult> {
  const started = performance.now();
  const top = (options.as ?? basename(localDir)).replace(/\/+$/, '');
  async function* files(): AsyncGenerator<QueueTask<UploadResult>> {
    for await (const rel of walkFiles(localDir, '')) {
      const remote = top === '' ? rel : `${top}/${rel}`;
      yield {
        label: remote,
        run: (signal) =>
          uploadFile(client, join(localDir, rel), {
            as: remote,
            parents: true,
            ...(options.overwrite ? { overwrite: true } : {}),
            signal: eitherSignal(signal, options.signal),
            ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          }),
      };
    }
  }
  const results = await runAll(files(), options);
  return {
    path: top,
    bytes: results.reduce((n, r) => n + r.bytes, 0),
    md5: '',
    verified: true,
    seconds: (performance.now() - started) / 1000,
    files: results,
  };
}

/** Regular files below `dir`, as '/'-separated paths relative to it, read one folder at a time. */
async function* walkFiles(dir: string, rel: string): AsyncGenerator<string> {
  for await (const entry of await opendir(join(dir, rel))) {
    const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) yield* walkFiles(dir, child);
    else if (entry.isFile()) yield child;
  }
}
