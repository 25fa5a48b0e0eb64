// One row under the panes while two folders are compared or once they have
// been: the progress (Esc cancels), then counts and bytes per category.

import { Priority, useKeypress } from '../hooks/use-keypress.js';
import type { CompareControl } from '../hooks/use-compare.js';
import { summaryText } from '../state/compare.js';
import { Line } from './Line.js';

/** Rows the line takes: one while comparing or compared, else none. */
export function compareRows(c: Pick<CompareControl, 'running' | 'result'>): number {
  return c.running || c.result ? 1 : 0;
}

const SPIN = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function CompareLine({ compare, width }: { compare: CompareControl; width: number }) {
  const { running, result } = compare;
  // Esc stops a comparison; above the panes' Esc (which clears filters).
  useKeypress((key) => {
    if (!running || key.name !== 'escape') return false;
    compare.cancel();
    return true;
  }, Priority.Dialog);
  if (running) {
    const seconds = (Date.now() - running.startedAt) / 1000;
    const spin = SPIN[Math.floor(seconds * 5) % SPIN.length];
    const dirs = `${running.dirs.remote || '/'} ↔ ${running.dirs.local || '/'}`;
    return (
      <Line
        width={width}
        spec={[
          { text: ` ${spin} comparing ${dirs} · ${running.listed} listed on the server · ${seconds.toFixed(1)} s`, color: 'accent' },
          { text: '   Esc cancel', dim: true },
        ]}
      />
    );
  }
  if (!result) return null;
  const only = compare.differencesOnly ? '= all rows' : '= differences only';
  return <Line width={width} spec={[{ text: ` ${summaryText(result)}` }, { text: `   ${only} · Y sync`, dim: true }]} />;
}
