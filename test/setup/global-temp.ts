// One temporary folder for the whole run, below the system's. Every test file
// works in a folder of its own inside it (see file-temp.ts); at the end of the
// run this folder must be empty, and it is removed either way, so `npm test`
// leaves nothing behind in the system temp folder.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'ferry-test-run-'));
  // Test workers start after this and inherit it.
  process.env.FERRY_TEST_TMP = root;
  return () => {
    const left = readdirSync(root);
    rmSync(root, { recursive: true, force: true });
    if (left.length > 0) throw new Error(`the test run left ${left.length} folder(s) in its temp folder: ${left.join(', ')}`);
  };
}
