// The dispatch table: one handler per operation.
import type { Op } from '../../protocol/messages.js';
import type { Handler } from '../context.js';
import { batch } from './batch.js';
import { download } from './download.js';
import { hash, hashAll } from './hash.js';
import { list } from './list.js';
import { logs } from './logs.js';
import { read } from './read.js';
import { stat } from './stat.js';
import { udp } from './udp.js';
import { upload } from './upload.js';
import { watch } from './watch.js';
import { copy } from './copy.js';
import { mkdir } from './mkdir.js';
import { move } from './move.js';
import { remove } from './remove.js';

export const handlers: { [K in Op]: Handler<Extract<import('../../protocol/messages.js').Request, { op: K }>> } = {
  list,
  hash,
  hashall: hashAll,
  stat,
  download,
  udp,
  upload,
  logs,
  read,
  watch,
  mkdir,
  move,
  remove,
  copy,
  batch,
};
