import { describe, expect, it } from 'vitest';
import { untilAborted } from '../../src/cli/shell.js';

describe('untilAborted', () => {
  it('gives up on work that never settles once the signal fires', async () => {
    const controller = new AbortController();
    const waiting = untilAborted(new Promise<never>(() => {}), controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow('interrupted');
  });

  it('passes results and errors through when not aborted', async () => {
    const signal = new AbortController().signal;
    await expect(untilAborted(Promise.resolve(42), signal)).resolves.toBe(42);
    await expect(untilAborted(Promise.reject(new Error('boom')), signal)).rejects.toThrow('boom');
  });
});
