// `ferry download DIR --recursive` of a folder of thousands of small files:
// everything arrives, and the result is counts (the CLI keeps no result per
// file), for people and in --json.

import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../helpers/scratch.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { run } from './fake-io.js';

const COUNT = 2400;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const tree = new Map<string, string>();
let t: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  const spec: Record<string, Buffer> = {};
  const pool = randomBytes(64 * 1024);
  for (let i = 0; i < COUNT; i++) {
    const data = pool.subarray(i % 1000, (i % 1000) + 1 + ((i * 977) % 16_384));
    const rel = `small/d${i % 12}/f${i}.bin`;
    spec[rel] = data;
    tree.set(rel, md5(data));
  }
  spec['small/empty/'] = {} as never;
  t = await startTestServer(spec);
  env = { FERRY_SERVER: t.address, FERRY_CACHE_DIR: join(t.scratch, 'cache') };
});
afterAll(async () => {
  await t.close();
});

async function arrived(root: string): Promise<Map<string, string>> {
  const got = new Map<string, string>();
  for (const d of await readdir(join(root, 'small'))) {
    for (const f of await readdir(join(root, 'small', d))) got.set(`small/${d}/${f}`, md5(await readFile(join(root, 'small', d, f))));
  }
  return got;
}

describe('ferry download --recursive of many small files', () => {
  it('fetches every file and reports counts in --json', async () => {
    const dest = await scratchDir('ferry-dest-');
    const r = await run(['download', 'small', '--recursive', '--no-cache', '--json', '--dest', dest], { env });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j).toMatchObject({ verified: true, counts: { files: COUNT, fetched: COUNT, identical: 0, skipped: 0, failed: 0 } });
    expect(j.files).toBeUndefined();
    expect(await arrived(dest)).toEqual(tree);
    expect(await readdir(join(dest, 'small', 'empty'))).toEqual([]);
  });

  it('says what happened in a line for people, and finds everything there the second time', async () => {
    const dest = await scratchDir('ferry-dest-');
    const first = await run(['download', 'small', '--recursive', '--dest', dest], { env });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`${COUNT} files`);
    expect(first.stdout).toContain(`${COUNT} fetched, all verified`);
    const again = await run(['download', 'small', '--recursive', '--dest', dest, '--json'], { env });
    expect(JSON.parse(again.stdout)).toMatchObject({ counts: { files: COUNT, fetched: 0, identical: COUNT } });
    expect(await arrived(dest)).toEqual(tree);
  });
});
