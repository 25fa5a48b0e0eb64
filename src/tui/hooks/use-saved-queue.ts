// Unfinished transfers across a quit: on the way out what the queue has not
// finished goes to a small file (saved-queue), and the next start offers it
// back. Downloads resume from their .part files; what already arrived whole is
// found identical and skipped.

import { useCallback, useRef, useState } from 'react';
import { dropQueue, loadQueue, MAX_SAVED_ENTRIES, type SavedEntry, type SavedQueue, saveQueue } from '../../client/saved-queue.js';
import { errorText } from '../errors.js';
import type { Transfers } from './use-transfers.js';

export interface SavedQueueOffer {
  /** Left from last time, not yet answered. */
  offer: SavedQueue | null;
  /** Queue it all again. */
  accept(): void;
  /** Forget it. */
  decline(): void;
  /** On quit: write what is unfinished now (and any offer still unanswered). */
  keep(): void;
}

export function useSavedQueue(
  file: string | undefined,
  server: string,
  transfers: Transfers,
  log: (text: string, level?: 'info' | 'error') => void,
): SavedQueueOffer {
  const [offer, setOffer] = useState<SavedQueue | null>(() => (file ? loadQueue(file) : null));
  const offerRef = useRef(offer);
  offerRef.current = offer;

  const decline = useCallback(() => {
    if (file) dropQueue(file);
    setOffer(null);
  }, [file]);

  const accept = useCallback(() => {
    const q = offerRef.current;
    if (!q) return;
    requeue(transfers, q.entries);
    log(`resumed ${q.entries.length} unfinished ${q.entries.length === 1 ? 'transfer' : 'transfers'} saved ${q.saved}`);
    decline();
  }, [transfers, log, decline]);

  const keep = useCallback(() => {
    if (!file) return;
    const now = transfers.unfinished(MAX_SAVED_ENTRIES);
    // An offer never answered stays on offer, ahead of what this run left.
    const before = offerRef.current?.entries ?? [];
    const entries = [...before, ...now.entries].slice(0, MAX_SAVED_ENTRIES);
    if (entries.length === 0) return;
    try {
      saveQueue(file, { server, saved: new Date().toISOString(), entries, left: now.left + (offerRef.current?.left ?? 0) });
    } catch (err) {
      log(`could not keep the unfinished transfers: ${errorText(err)}`, 'error');
    }
  }, [file, server, transfers, log]);

  return { offer, accept, decline, keep };
}

/** Saved entries back into the queue: runs of plain files as one batch each, folders whole. */
export function requeue(t: Pick<Transfers, 'downloadFiles' | 'downloadFolder' | 'uploadFiles' | 'uploadFolder'>, entries: readonly SavedEntry[]): void {
  let i = 0;
  while (i < entries.length) {
    const e = entries[i]!;
    if (e.dir === 'down' && e.folder) {
      t.downloadFolder(e.path, e.transport, e.dest);
      i++;
      continue;
    }
    if (e.dir === 'up' && e.folder) {
      t.uploadFolder(e.local, e.path);
      i++;
      continue;
    }
    let j = i;
    if (e.dir === 'down') {
      const files: { path: string; size?: number }[] = [];
      for (; j < entries.length; j++) {
        const x = entries[j]!;
        if (x.dir !== 'down' || x.folder || x.dest !== e.dest || x.transport !== e.transport) break;
        files.push({ path: x.path, size: x.size });
      }
      t.downloadFiles(files, e.transport, e.dest);
    } else {
      const files: { localPath: string; remotePath: string; size?: number }[] = [];
      for (; j < entries.length; j++) {
        const x = entries[j]!;
        if (x.dir !== 'up' || x.folder) break;
        files.push({ localPath: x.local, remotePath: x.path, size: x.size });
      }
      t.uploadFiles(files);
    }
    i = j;
  }
}
