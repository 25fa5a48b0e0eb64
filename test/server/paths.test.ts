import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultHashIndexFile, defaultLogFile } from '../../src/server/paths.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe.runIf(process.platform === 'linux')('default state locations', () => {
  it('puts the command log in the XDG state folder', () => {
    vi.stubEnv('XDG_STATE_HOME', '/tmp/xdg-state');
    expect(defaultLogFile()).toBe('/tmp/xdg-state/ferry/server.log.jsonl');
  });

  it('keeps one hash index per shared folder, in the cache folder', () => {
    vi.stubEnv('XDG_CACHE_HOME', '/tmp/xdg-cache');
    const a = defaultHashIndexFile('/srv/a');
    expect(path.dirname(a)).toBe('/tmp/xdg-cache/ferry');
    expect(path.basename(a)).toMatch(/^hash-index-[0-9a-f]{16}\.json$/);
    expect(defaultHashIndexFile('/srv/a/')).toBe(a);
    expect(defaultHashIndexFile('/srv/b')).not.toBe(a);
  });
});
