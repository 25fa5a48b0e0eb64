import { describe, expect, it } from 'vitest';
import { limitLines } from '../../src/cli/server-limits.js';

describe('limitLines', () => {
  it('prints a field nobody described yet under its own name, in units its name implies', () => {
    const lines = limitLines([
      { prefix: '', values: { connections: 1024, newQueueBytes: 3 * 1024 * 1024, newGraceMs: 1500, newThing: 7, newFlag: true, MAX_ODD_BYTES: 4259847 } },
    ]);
    expect(lines).toEqual([
      'ferry: limit connections = 1024 — open connections in all',
      'ferry: limit newQueueBytes = 3.0 MiB',
      'ferry: limit newGraceMs = 1.5 s',
      'ferry: limit newThing = 7',
      'ferry: limit newFlag = true',
      'ferry: limit MAX_ODD_BYTES = 4.1 MiB (4259847 bytes)',
    ]);
  });
});
