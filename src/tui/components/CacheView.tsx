// 'c': the download cache. Entries with size, last access and hits, the fill against
// the limit, and keys to evict one entry or clear everything.

import { useCallback, useEffect, useState } from 'react';
import { formatBytes, formatTime, plural } from '../../format.js';
import type { CacheApi, CacheEntryInfo, CacheStats } from '../../client/types.js';
import { errorText } from '../errors.js';
import { Priority, useKeypress } from '../hooks/use-keypress.js';
import { useListCursor } from '../hooks/use-list-cursor.js';
import { Command, commandFor } from '../keys/bindings.js';
import { visibleRows } from '../state/list-cursor.js';
import { fit } from '../text.js';
import { Frame } from './Frame.js';
import type { LineSpec } from './Line.js';
import { progressBar } from './TransfersArea.js';

export interface CacheViewProps {
  cache: CacheApi;
  width: number;
  height: number;
  onClose(): void;
  onLog(text: string, level?: 'info' | 'error'): void;
  /** The cache lost entries: the status line's total is out of date. */
  onChanged(): void;
}

export function CacheView({ cache, width, height, onClose, onLog, onChanged }: CacheViewProps) {
  const [entries, setEntries] = useState<CacheEntryInfo[] | null>(null);
  const [stats, setStats] = useState<CacheStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);

  const load = useCallback(() => {
    Promise.all([cache.list(), cache.stats()]).then(
      ([list, st]) => {
        // Most recently used first: that is what people look for.
        setEntries([...list].sort((a, b) => b.lastAccess.localeCompare(a.lastAccess)));
        setStats(st);
        setError(null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, [cache]);
  useEffect(load, [load]);

  const listRows = Math.max(1, height - 2 - 3);
  const list = useListCursor({ length: entries?.length ?? 0, page: listRows });

  useKeypress((key) => {
    const c = commandFor('cache', key.name);
    const selected = entries?.[list.cursor];
    switch (c) {
      case Command.Close:
        onClose();
        break;
      case Command.Refresh:
        load();
        break;
      case Command.Evict:
        if (selected) {
          cache.remove(selected.blake3).then(
            (n) => {
              setNote(`evicted ${selected.remotePath} (${plural(n, 'entry', 'entries')})`);
              onLog(`cache: evicted ${selected.remotePath}`);
              load();
              onChanged();
            },
            (err: unknown) => setError(errorText(err)),
          );
        }
        break;
      case Command.ClearCache:
        cache.clear().then(
          () => {
            setNote('cache cleared');
            onLog('cache: cleared');
            list.move({ type: 'top' });
            load();
            onChanged();
          },
          (err: unknown) => setError(errorText(err)),
        );
        break;
      default:
        return list.command(c) || key.name !== 'C-c';
    }
    return true;
  }, Priority.View);

  const inner = width - 2;
  const pathW = Math.max(10, inner - 10 - 10 - 20 - 6 - 5);
  const rows: Array<{ spec: LineSpec; inverse?: boolean; key?: string | number }> = [];
  if (stats) {
    const frac = stats.limit > 0 ? stats.bytes / stats.limit : 0;
    rows.push({
      key: 'use',
      spec: [
        { text: ` used ${formatBytes(stats.bytes)} / ${formatBytes(stats.limit)}  ` },
        { text: progressBar(frac, Math.min(30, Math.max(5, inner - 60))), color: frac > 0.9 ? 'warn' : 'accent' },
        { text: `  ${plural(stats.entries, 'entry', 'entries')} · ${plural(stats.hits, 'hit')} · ${plural(stats.misses, 'miss', 'misses')}`, dim: true },
      ],
    });
  } else rows.push({ key: 'use', spec: [{ text: error ? ` ✗ ${error}` : ' loading…', color: error ? 'error' : undefined, dim: !error }] });
  rows.push({
    key: 'hdr',
    spec: [
      {
        text:
          ' ' + fit('remote path', pathW) + ' ' + fit('size', 9, 'right') + ' ' + fit('md5', 9) + ' ' + fit('last access', 19) + ' ' + fit('hits', 5, 'right'),
        dim: true,
      },
    ],
  });
  visibleRows(entries ?? [], list, listRows).forEach((e, i) => {
    rows.push({
      key: e.md5,
      inverse: list.top + i === list.cursor,
      spec:
        ' ' +
        fit(e.remotePath, pathW) +
        ' ' +
        fit(formatBytes(e.size), 9, 'right') +
        ' ' +
        fit(e.md5.slice(0, 8), 9) +
        ' ' +
        fit(formatTime(Date.parse(e.lastAccess)), 19) +
        ' ' +
        fit(String(e.hits), 5, 'right'),
    });
  });
  if (entries && entries.length === 0) rows.push({ key: 'none', spec: [{ text: '  the cache is empty', dim: true }] });
  while (rows.length < height - 3) rows.push({ key: `p${rows.length}`, spec: '' });
  rows.push({ key: 'note', spec: note ? [{ text: ` ${note}`, color: 'ok' }] : error && stats ? [{ text: ` ✗ ${error}`, color: 'error' }] : '' });
  return <Frame width={width} height={height} title={`cache  ${stats?.dir ?? ''}`} titleRight="x evict · X clear · Esc close" focused rows={rows} />;
}
