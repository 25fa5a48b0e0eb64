// TCP download of one large file: ferry against rsync, scp and a raw socat
// pipe, all from the same source file over loopback into fresh folders. The
// same machinery runs twice: the 512 MiB case with every peer, and the 2 GiB
// case (issue #12) with the rsync daemon and the faster scp only, since each
// of its runs costs seconds.

import fs from 'node:fs/promises';
import path from 'node:path';
import { makeRandomFile } from '../data.js';
import { finishCase } from '../measure.js';
import { timeoutFor } from '../peers/common.js';
import { checkFerryJson, ferryDownloader, startFerry } from '../peers/ferry.js';
import { rsyncNeeds, startRsync } from '../peers/rsync.js';
import { scpDownloader, sshNeeds, startSshd } from '../peers/ssh.js';
import { socatNeeds, startSocat } from '../peers/socat.js';
import { formatSize } from '../table.js';
import { peerTarget } from '../targets.js';
import type { BenchContext, CaseResult, Row } from '../types.js';
import { measureDownload, type Source } from './download.js';
import { peerRow, peerRows } from './peer-row.js';

/** Make the large source file once; the TCP and UDP cases share it. */
export async function makeLargeSource(ctx: BenchContext, bytes: number, name = 'large.bin'): Promise<Source> {
  const dir = path.join(ctx.work, `src-${name.replace(/\W/g, '-')}`);
  await fs.mkdir(dir, { recursive: true });
  ctx.log(`making ${formatSize(bytes)} of random data`);
  const md5 = await makeRandomFile(path.join(dir, name), bytes);
  return { dir, name, bytes, md5 };
}

const RSYNC = 'rsync daemon';

export interface TcpVariant {
  id: string;
  /** scp with OpenSSH's default cipher too, and the socat pipe. */
  allPeers: boolean;
  /** Issue #12: ferry at least this times as fast as the rsync daemon. */
  rsyncTarget: number;
}

export const TCP: TcpVariant = { id: 'tcp', allPeers: true, rsyncTarget: 0.9 };
export const TCP_BIG: TcpVariant = { id: 'tcp-big', allPeers: false, rsyncTarget: 1.0 };

export async function tcpCase(ctx: BenchContext, src: Source, variant: TcpVariant = TCP): Promise<CaseResult> {
  const file = path.join(src.dir, src.name);
  const timeout = timeoutFor(src.bytes);
  const rows: Row[] = [];
  ctx.log(`TCP download, ${formatSize(src.bytes)}`);

  rows.push(
    await peerRow(
      ctx,
      'ferry',
      [],
      () => startFerry(ctx, src.dir),
      (server) =>
        measureDownload(ctx, 'ferry', ferryDownloader(ctx, server, src.name, timeout), src, {
          ferry: true,
          note: '--no-cache; every chunk checked by BLAKE3 as it lands',
          checkOutput: (r) => checkFerryJson(r, src.md5),
        }),
    ),
  );
  rows.push(
    await peerRow(
      ctx,
      RSYNC,
      rsyncNeeds,
      () => startRsync(ctx.work, src.dir, src.name, src.bytes),
      (d) => measureDownload(ctx, RSYNC, d, src, { note: '--whole-file' }),
    ),
  );
  rows.push(...(await sshRows(ctx, file, src, variant.allPeers)));
  if (variant.allPeers) {
    rows.push(
      await peerRow(
        ctx,
        'socat pipe',
        socatNeeds,
        () => startSocat(file, src.bytes),
        (d) => measureDownload(ctx, 'socat pipe', d, src, { note: 'raw TCP, no checks; 128 KiB buffers' }),
      ),
    );
  }
  const c = finishCase({ id: variant.id, title: 'TCP download', workload: `one ${formatSize(src.bytes)} file`, unit: 'MB/s' }, rows, src.bytes);
  peerTarget(c, RSYNC, variant.rsyncTarget);
  return c;
}

/**
 * scp rows from one sshd: AES-GCM, which is what tuned setups pick, and
 * (`withDefault`) OpenSSH's default cipher before it.
 */
function sshRows(ctx: BenchContext, file: string, src: Source, withDefault: boolean): Promise<Row[]> {
  const tools = [...(withDefault ? ['scp -s (sftp)'] : []), 'scp -s, aes128-gcm'];
  return peerRows(
    ctx,
    tools,
    sshNeeds,
    () => startSshd(ctx.work),
    async (sshd) => [
      ...(withDefault
        ? [
            await measureDownload(ctx, 'scp -s (sftp)', scpDownloader(sshd, file, src.bytes), src, {
              note: 'OpenSSH default cipher (chacha20-poly1305)',
            }),
          ]
        : []),
      await measureDownload(ctx, 'scp -s, aes128-gcm', scpDownloader(sshd, file, src.bytes, 'aes128-gcm@openssh.com'), src, {
        note: 'the fastest OpenSSH cipher with AES-NI',
      }),
    ],
  );
}
