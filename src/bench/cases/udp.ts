// UDP download of the same large file: `ferry download --udp` against atftp,
// stop-and-wait (window 1) and windowed (RFC 7440, window 16).

import { finishCase } from '../measure.js';
import { atftpDownloader, atftpNeeds, startAtftpd, TFTP_BLKSIZE } from '../peers/atftp.js';
import { timeoutFor } from '../peers/common.js';
import { checkFerryJson, ferryDownloader, ferryUnavailable, startFerry } from '../peers/ferry.js';
import { formatSize } from '../table.js';
import { peerTarget } from '../targets.js';
import type { BenchContext, CaseResult, Row } from '../types.js';
import { measureDownload, type Source } from './download.js';
import { peerRow, peerRows } from './peer-row.js';

/**
 * Windowed atftp can stall in retries on loopback (lost datagrams when the
 * socket buffer overflows) and crawl on for minutes; it gets a fixed time
 * per run and per row so a stall is reported, not waited out.
 */
const WINDOWED_TIMEOUT_S = 30;

export async function udpCase(ctx: BenchContext, src: Source): Promise<CaseResult> {
  const timeout = timeoutFor(src.bytes);
  const rows: Row[] = [];
  ctx.log(`UDP download, ${formatSize(src.bytes)}`);

  rows.push(
    await peerRow(
      ctx,
      'ferry --udp',
      [],
      () => startFerry(ctx, src.dir),
      (server) =>
        measureDownload(ctx, 'ferry --udp', ferryDownloader(ctx, server, src.name, timeout, true), src, {
          ferry: true,
          note: '--no-cache; every chunk checked by BLAKE3 as it lands',
          checkOutput: (r) => checkFerryJson(r, src.md5),
          unavailable: ferryUnavailable,
        }),
    ),
  );
  const w1 = `atftp, window 1`;
  const w16 = `atftp, window 16`;
  rows.push(
    ...(await peerRows(
      ctx,
      [w1, w16],
      atftpNeeds,
      () => startAtftpd(ctx.work, src.dir),
      async (server) => [
        await measureDownload(ctx, w1, atftpDownloader(server, src.name, timeout), src, { note: `blksize ${TFTP_BLKSIZE}` }),
        await measureDownload(ctx, w16, atftpDownloader(server, src.name, WINDOWED_TIMEOUT_S * 1000, 16), src, {
          note: `blksize ${TFTP_BLKSIZE}, windowsize 16; ${WINDOWED_TIMEOUT_S} s limit a run`,
          budgetSeconds: WINDOWED_TIMEOUT_S,
        }),
      ],
    )),
  );
  const c = finishCase({ id: 'udp', title: 'UDP download', workload: `one ${formatSize(src.bytes)} file`, unit: 'MB/s' }, rows, src.bytes);
  // Issue #12: at least as fast as stop-and-wait atftp, the UDP tool that finishes on loopback.
  peerTarget(c, w1, 1.0);
  return c;
}
