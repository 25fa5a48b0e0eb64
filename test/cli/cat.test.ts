// ferry cat: a byte range of a file on stdout, byte for byte, binary included.

import { describe, expect, it } from 'vitest';
import { BIN, cli, useShareServer } from './fixture.js';

useShareServer();

describe('ferry cat', () => {
  it('prints a whole binary file byte for byte', async () => {
    const r = await cli(['cat', 'docs/deep/d.bin']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdoutBytes.equals(BIN)).toBe(true);
  });

  it('prints a range, and counts a negative offset from the end', async () => {
    const mid = await cli(['cat', 'docs/deep/d.bin', '--offset', '100', '--count', '50']);
    expect(mid.stdoutBytes.equals(BIN.subarray(100, 150))).toBe(true);
    const tail = await cli(['cat', 'a.txt', '--offset', '-10']);
    expect(tail.stdout).toBe('lighthouse\n'.slice(-10));
    const past = await cli(['cat', 'a.txt', '--offset', '1000']);
    expect(past.code).toBe(0);
    expect(past.stdout).toBe('');
  });

  it('fails clearly for a folder, a missing file and a bad count', async () => {
    const dir = await cli(['cat', 'docs']);
    expect(dir.code).toBe(1);
    expect(dir.stderr).toMatch(/^ferry: .*docs.*folder/m);
    const missing = await cli(['cat', 'nope.txt']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);
    const bad = await cli(['cat', 'a.txt', '--count', '-1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--count must be a whole number/);
  });
});
