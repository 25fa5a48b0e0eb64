// Each test file gets a temp folder of its own (TMPDIR, which os.tmpdir() and
// every child process read) and must leave it empty: whatever a test makes, it
// removes, also when it fails. Anything left is named, removed, and fails the file.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const mine = mkdtempSync(join(process.env.FERRY_TEST_TMP ?? tmpdir(), 'file-'));
process.env.TMPDIR = mine;

afterAll(() => {
  const left = readdirSync(mine);
  rmSync(mine, { recursive: true, force: true });
  if (left.length > 0) throw new Error(`this test file left ${left.join(', ')} in its temp folder`);
});
