// A ReceiveSink for transport tests: writes each chunk into a file at its
// position, synchronously (so it never has a backlog), and keeps an MD5 of
// nothing: tests read the file back and compare it with the source.

import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { ReceiveSink } from '../../src/transport/udp-receiver.js';

export function fileSink(file: FileHandle): ReceiveSink & { added: number } {
  return {
    added: 0,
    backlogBytes: 0,
    onDrain: undefined,
    add(position, data) {
      this.added += data.length;
      let done = 0;
      while (done < data.length) done += writeSync(file.fd, data, done, data.length - done, position + done);
    },
  };
}

/** MD5 of everything in the file (positional reads; the handle's own position is not used). */
export async function md5OfHandle(file: FileHandle): Promise<string> {
  const { size } = await file.stat();
  const buffer = Buffer.alloc(size);
  let got = 0;
  while (got < size) got += (await file.read(buffer, got, size - got, got)).bytesRead;
  return createHash('md5').update(buffer).digest('hex');
}
