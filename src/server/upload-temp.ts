// Upload temp files: their names, and removing the ones a dead server left.
//
// An upload is received into `.ferry-upload-<pid>-<stamp>-<random>` beside its
// target and renamed into place at the end. A server killed mid-upload (kill -9,
// power loss) leaves that file behind, hidden from clients and never removed.
// The name says which process wrote it.

import { randomBytes } from 'node:crypto';

const PREFIX = '.ferry-upload-';
// The process start stamp tells this process from an earlier one with the same
// pid (a container restarting ferry as pid 1 every time).
const OWNER = `${process.pid}-${Date.now().toString(36)}`;

/** A fresh temp name for an upload written by this process. */
export function uploadTempName(): string {
  return `${PREFIX}${OWNER}-${randomBytes(6).toString('hex')}`;
}
