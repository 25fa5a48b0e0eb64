// A separate ferry-like process using a cache folder, for the multi-process
// tests. Runs the compiled cache module (path in argv) so it needs no loader.
//
//   node worker.mjs <cache.js> <dir> <limit> <work> admit <seed> <count>
//       admit <count> distinct 1 KiB files, then exit
//   node worker.mjs <cache.js> <dir> <limit> <work> churn <seed>
//       admit / materialize / remove forever (until killed), printing one
//       line per finished operation so the parent can kill it mid-stream

import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';

const [modulePath, dir, limitText, workRoot, mode, seed, countText] = process.argv.slice(2);
const { DownloadCache } = await import(modulePath);
const { ChunkHasher } = await import(path.join(path.dirname(modulePath), '..', 'protocol', 'chunk-hash.js'));
const cache = await DownloadCache.open({ dir, limit: Number(limitText) });
const work = path.join(workRoot, seed);
mkdirSync(work, { recursive: true });

function makeFile(i, size) {
  const data = Buffer.alloc(size, `${seed}:${i}:`);
  const file = path.join(work, `${i}.bin`);
  writeFileSync(file, data);
  const hasher = new ChunkHasher(size);
  hasher.update(data);
  return { file, blake3: hasher.finish().blake3, md5: createHash('md5').update(data).digest('hex'), size };
}

if (mode === 'admit') {
  for (let i = 0; i < Number(countText); i++) {
    const f = makeFile(i, 1024);
    await cache.admit(f.file, { blake3: f.blake3, md5: f.md5, size: f.size, remotePath: `${seed}/${i}`, server: 'h:1' });
  }
  process.stdout.write('done\n');
} else {
  const known = [];
  for (let i = 0; ; i++) {
    const op = i % 5;
    if (op < 3 || known.length === 0) {
      const f = makeFile(i, 512 + ((i * 977) % 4096));
      await cache.admit(f.file, { blake3: f.blake3, md5: f.md5, size: f.size, remotePath: `${seed}/${i}`, server: 'h:1' });
      known.push(f.blake3);
    } else if (op === 3) {
      await cache.materialize(known[i % known.length], path.join(work, 'out.bin'), { remotePath: 'x', server: 'h:1' }, { overwrite: true });
    } else {
      await cache.remove(known.splice(0, 1)[0]);
    }
    process.stdout.write(`op ${i}\n`);
  }
}
