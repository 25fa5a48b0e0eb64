// Temporary folders that remove themselves, passed or failed: made while a test
// runs (or in its beforeEach), when that test ends; made while a file's suites
// are being collected, when the enclosing suite ends.

import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

function removeWhenDone(dir: string): void {
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    onTestFinished(remove);
  } catch {
    // Not inside a test: vitest refuses onTestFinished there, and afterAll is what applies.
    afterAll(remove);
  }
}

export async function scratchDir(prefix = 'ferry-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  removeWhenDone(dir);
  return dir;
}

export function scratchDirSync(prefix = 'ferry-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  removeWhenDone(dir);
  return dir;
}
