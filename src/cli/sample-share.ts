// The folder `ferry` shares when started with no server and no --share: a small,
// fixed set of files so a first run has something to browse. Text files carry a
// few distinctive words for keyword search, some files are binary, there are
// sub-folders and a hidden file, and the modification times spread over several
// years (plus a couple of recent ones) so every filter shows something.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync, gzipSync } from 'node:zlib';
import envPaths from 'env-paths';

const MARKER = '.ferry-sample';
const DAY = 86400e3;

/** ferry's per-user data folder ($FERRY_DATA_DIR overrides it). */
export function dataDir(env: Record<string, string | undefined>): string {
  return env.FERRY_DATA_DIR ?? envPaths('ferry', { suffix: '' }).data;
}

// A valid 16×16 PNG (a sea-coloured gradient): real binary content with a real type.
function gradientPng(): Buffer {
  const size = 16;
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const rows: number[] = [];
  for (let y = 0; y < size; y++) {
    rows.push(0); // filter: none
    for (let x = 0; x < size; x++) rows.push(16 * x, 96 + 8 * y, 160 + 5 * y);
  }
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function noise(bytes: number, seed: number): Buffer {
  // xorshift32: the same bytes on every machine, so MD5s in the docs hold.
  const out = Buffer.alloc(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

interface SampleFile {
  path: string;
  content: string | Buffer;
  /** A fixed date, or days before the share was created. */
  mtime: string | { daysAgo: number };
}

function sampleFiles(): SampleFile[] {
  return [
    {
      path: 'README.txt',
      mtime: '2024-03-01T09:00:00',
      content:
        'Welcome to the ferry sample share.\nBrowse, filter by date or extension, search for a word such as lighthouse, albatross or saffron,\nverify checksums and download over TCP or UDP.\n',
    },
    {
      path: 'notes/harbour-log.txt',
      mtime: '2019-04-12T06:30:00',
      content: 'Harbour log, spring 2019.\nHigh tide at dawn. An albatross followed the ferry past the lighthouse.\n',
    },
    { path: 'notes/recipes.md', mtime: '2021-08-30T18:15:00', content: '# Fish stew\n\nA pinch of saffron, two pods of cardamom, the catch of the day.\n' },
    {
      path: 'notes/meeting-2023-02-14.txt',
      mtime: '2023-02-14T14:00:00',
      content: 'Quarterly meeting.\nBudget for the lighthouse repairs approved; next review in May.\n',
    },
    { path: 'notes/todo.md', mtime: { daysAgo: 2 }, content: '- [ ] repaint the quay\n- [x] order rope\n- [ ] check the foghorn\n' },
    {
      path: 'docs/manual.txt',
      mtime: '2022-05-09T10:45:00',
      content: 'ferry manual\n\nEvery download is verified by its MD5 checksum before it appears.\nInterrupted downloads resume where they stopped.\n',
    },
    { path: 'docs/changelog.txt', mtime: { daysAgo: 0.1 }, content: 'Today: sample share created on this machine.\n' },
    { path: 'data/measurements.csv', mtime: '2020-06-01T12:00:00', content: 'day,tide_m,wind_kn\n1,2.4,12\n2,2.6,9\n3,2.1,17\n' },
    { path: 'data/config.json', mtime: '2024-11-05T08:20:00', content: '{\n  "harbour": "north",\n  "berths": 4,\n  "foghorn": true\n}\n' },
    { path: 'images/gradient.png', mtime: '2018-01-15T16:00:00', content: gradientPng() },
    { path: 'images/noise.bin', mtime: '2025-01-20T21:10:00', content: noise(64 * 1024, 2003) },
    {
      path: 'archive/old-letters.txt.gz',
      mtime: '2017-12-24T20:00:00',
      content: gzipSync(Buffer.from('Dear keeper, the winter was long.\n'.repeat(40)), { level: 9 }),
    },
    { path: 'archive/2016/postcard.txt', mtime: '2016-07-04T11:11:11', content: 'Greetings from the island. The gulls send their regards.\n' },
    { path: '.hidden-note.txt', mtime: '2022-10-10T10:10:10', content: 'Only listed with --hidden: the spare key is under the anchor.\n' },
  ];
}

async function build(dir: string, now: number): Promise<void> {
  const times: [string, number][] = [];
  for (const f of sampleFiles()) {
    const abs = path.join(dir, ...f.path.split('/'));
    await fs.mkdir(path.dirname(abs), { recursive: true });
    await fs.writeFile(abs, f.content);
    times.push([abs, typeof f.mtime === 'string' ? new Date(f.mtime).getTime() : now - f.mtime.daysAgo * DAY]);
  }
  await fs.writeFile(path.join(dir, MARKER), 'created by ferry as a sample share; safe to delete\n');
  // Folders get the newest time of what they hold; set them after their contents.
  const folders = ['notes', 'docs', 'data', 'images', 'archive/2016', 'archive'];
  for (const [abs, ms] of times) await fs.utimes(abs, ms / 1000, ms / 1000);
  for (const folder of folders) {
    const abs = path.join(dir, ...folder.split('/'));
    const newest = Math.max(...times.filter(([f]) => f.startsWith(abs + path.sep)).map(([, ms]) => ms));
    await fs.utimes(abs, newest / 1000, newest / 1000);
  }
}

/**
 * The sample share's folder, created on first use under `parent`. Built in a
 * temporary folder and renamed into place, so a half-made share is never seen.
 */
export async function ensureSampleShare(parent: string, now = Date.now()): Promise<string> {
  const dir = path.join(parent, 'sample-share');
  try {
    await fs.access(path.join(dir, MARKER));
    return dir;
  } catch {
    // not there yet (or incomplete): build it
  }
  await fs.mkdir(parent, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(parent, '.sample-share-'));
  try {
    await build(tmp, now);
    await fs.rename(tmp, dir);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    // Another ferry may have built it meanwhile; that one is as good as ours.
    try {
      await fs.access(path.join(dir, MARKER));
    } catch {
      throw err;
    }
  }
  return dir;
}

/**
 * Where the sample tour downloads to when no --local is given: a scratch folder
 * of ferry's own beside the sample share, so trying `d` never writes into
 * whatever folder the user happened to start ferry in (a git checkout, say).
 */
export async function ensureSampleLocal(parent: string): Promise<string> {
  const dir = path.join(parent, 'sample-downloads');
  await fs.mkdir(dir, { recursive: true });
  return dir;
}
