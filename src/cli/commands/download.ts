// ferry download FILE: fetch a file over TCP or UDP, every chunk checked by BLAKE3, through
// the local cache. Ctrl-C leaves a resumable .part file and exits 130.

import path from 'node:path';
import type { Argv } from 'yargs';
import { interruptible, showDownload } from '../actions.js';
import type { Ctx } from '../io.js';
import { warn } from '../io.js';
import { MAX_CHUNK_BYTES, MIN_CHUNK_BYTES } from '../../protocol/udp-packet.js';
import { CliError } from '../errors.js';
import { sizeOption, transfersOption, withCacheOptions, withClient, withClientOptions } from '../options.js';

export function downloadCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command(
      'download <file>',
      'download a file from the share (every chunk checked, resumable)',
      (b) =>
        withCacheOptions(withClientOptions(b))
          .positional('file', { type: 'string', demandOption: true, describe: 'path inside the share' })
          .option('dest', { type: 'string', describe: 'folder to save into [default: the current folder]', requiresArg: true })
          .option('tcp', { type: 'boolean', describe: 'transfer over the TCP connection (the default)' })
          .option('udp', { type: 'boolean', describe: 'transfer over UDP (loss-tolerant, paced)' })
          .conflicts('tcp', 'udp')
          .option('overwrite', { type: 'boolean', describe: 'replace a local file that exists and differs' })
          .option('skip-existing', { type: 'boolean', describe: 'leave a local file that exists and differs as it is' })
          .option('update', { type: 'boolean', describe: "replace a local file that differs only if the server's is newer" })
          .option('keep-both', { type: 'boolean', describe: "keep a local file that differs and save the download beside it as 'name (1).ext'" })
          .conflicts({ overwrite: ['skip-existing', 'update', 'keep-both'], 'skip-existing': ['update', 'keep-both'], update: ['keep-both'] })
          .option('recursive', { type: 'boolean', default: false, describe: 'download a whole folder' })
          .option('transfers', { type: 'number', describe: 'with --recursive: files transferred at once [default: 4]', requiresArg: true })
          .option('cache', { type: 'boolean', default: true, describe: 'use the download cache (--no-cache: bypass it)' })
          .option('md5', { type: 'boolean', describe: "also compute the MD5 of what arrived, here, and compare it with the server's" })
          .option('chunk-size', {
            type: 'string',
            describe: `with --udp: file bytes per datagram, ${MIN_CHUNK_BYTES}-${MAX_CHUNK_BYTES} [default: 60KiB on loopback, 1400 elsewhere]`,
            requiresArg: true,
          })
          .example('$0 download docs/report.pdf --dest ~/Downloads', 'save into ~/Downloads')
          .example('$0 download big.iso --udp', 'over UDP; run again after Ctrl-C to resume')
          .example('$0 download photos --recursive --update', 'fetch a folder, replacing only what is newer on the server'),
      async (a) => {
        const dest = path.resolve(ctx.io.cwd, a.dest ?? '.');
        const chunkSize = chunkSizeOption(a['chunk-size'], a.udp === true);
        const transfers = a.transfers === undefined ? undefined : transfersOption(a.transfers);
        const r = await withClient(
          ctx.io,
          a,
          (api) =>
            interruptible(ctx.io, (signal) =>
              showDownload(ctx.io, api, a.file, {
                dest,
                transport: a.udp ? 'udp' : 'tcp',
                existing: a.overwrite ? 'overwrite' : a['skip-existing'] ? 'skip' : a.update ? 'newer' : a['keep-both'] ? 'keep-both' : 'fail',
                recursive: a.recursive,
                ...(transfers !== undefined ? { transfers } : {}),
                noCache: !a.cache,
                ...(a.md5 ? { md5: true } : {}),
                ...(chunkSize !== undefined ? { chunkSize } : {}),
                signal,
                json: a.json === true,
              }),
            ),
          a.cache,
        );
        if (!r.ok) {
          warn(ctx.io, `download of ${a.file} interrupted; run the same command again to resume`);
          ctx.exitCode = 130;
        }
      },
    );
}

/** --chunk-size: UDP only, within what one datagram can carry. */
function chunkSizeOption(text: string | undefined, udp: boolean): number | undefined {
  const bytes = sizeOption('chunk-size', text, '1400 or 8KiB');
  if (bytes === undefined) return undefined;
  if (!udp) throw new CliError('--chunk-size applies to UDP downloads (add --udp)');
  if (bytes < MIN_CHUNK_BYTES || bytes > MAX_CHUNK_BYTES) {
    throw new CliError(`--chunk-size must be from ${MIN_CHUNK_BYTES} to ${MAX_CHUNK_BYTES} bytes (one datagram), not ${bytes}`);
  }
  return bytes;
}
