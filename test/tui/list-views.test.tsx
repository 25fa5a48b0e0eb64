// The list views share one cursor (state/list-cursor.ts): paging moves by a page
// in every one of them, the transfer list included (PageUp used to jump to the top).

import { afterEach, describe, expect, it } from 'vitest';
import { TransferList } from '../../src/tui/components/TransferList.js';
import { KeypressProvider } from '../../src/tui/hooks/use-keypress.js';
import type { Transfers } from '../../src/tui/hooks/use-transfers.js';
import { initialTransfers, transfersReducer, type TransfersState } from '../../src/tui/state/transfers.js';
import { render, type Rendered } from '../helpers/render.js';

let view: Rendered | undefined;
afterEach(() => view?.unmount());

function transfersOf(n: number): { transfers: Transfers; cancelled: number[] } {
  let s: TransfersState = initialTransfers;
  for (let i = 0; i < n; i++) {
    s = transfersReducer(s, {
      type: 'start',
      id: i + 1,
      kind: 'download',
      path: `file-${String(i).padStart(2, '0')}.bin`,
      transport: 'tcp',
      total: 100,
      now: 0,
    });
  }
  const cancelled: number[] = [];
  const noop = () => undefined;
  const transfers = {
    transfers: s,
    latest: { current: s },
    cancel: (id: number) => void cancelled.push(id),
    download: noop,
    downloadFiles: noop,
    downloadFolder: noop,
    upload: noop,
    uploadFiles: noop,
    clearFinished: noop,
    togglePause: noop,
    cancelAll: noop,
    abortAll: noop,
    conflicts: { waiting: [] },
    conflictsLatest: { current: { waiting: [] } },
    answerConflict: noop,
    unfinished: () => [],
    held: () => ({}),
  } as unknown as Transfers;
  return { transfers, cancelled };
}

describe('transfer list', () => {
  it('PageDown and PageUp move a page, not to the ends', async () => {
    const { transfers, cancelled } = transfersOf(30);
    const noop = () => undefined;
    view = render(
      <KeypressProvider>
        <TransferList transfers={transfers} width={100} height={7} rows={5} onClose={noop} onPause={noop} onCancelAll={noop} onLog={noop} />
      </KeypressProvider>,
      { columns: 100, rows: 10 },
    );
    await view.waitFor((f) => f.includes('file-00.bin'));
    await view.press('pagedown', 'pagedown', 'pagedown');
    await view.waitFor((f) => f.includes('file-15.bin') && !f.includes('file-14.bin'));
    await view.press('pageup');
    const f = await view.waitFor((x) => x.includes('file-10.bin') && !x.includes('file-15.bin'));
    expect(f).not.toContain('file-00.bin');
    // The selection moved with the page: x acts on row 10, not on the first.
    await view.press('x');
    expect(cancelled).toEqual([11]);
  });
});
