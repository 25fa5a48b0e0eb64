import { describe, expect, it } from 'vitest';
import { nextShowDelay } from '../../src/tui/hooks/use-pane.js';
import { REDRAW_MS } from '../../src/tui/hooks/use-transfers.js';

describe('nextShowDelay', () => {
  it('shows a listing at the redraw rate while showing it is cheap', () => {
    expect(nextShowDelay(0)).toBe(REDRAW_MS);
    expect(nextShowDelay(REDRAW_MS / 4)).toBe(REDRAW_MS);
  });

  it('waits four times what the last part cost once the rows are many, so sorting them stays a fifth of the time', () => {
    expect(nextShowDelay(90)).toBe(360);
    expect(nextShowDelay(250)).toBe(1000);
  });
});
