// `Y`: what a sync would do, over the panes. Each action of the plan with a
// checkbox (Space, `a` all/none), the direction (Tab), deletes (off until `d`),
// totals of what is checked; Enter hands it over, Esc closes. Only the rows in
// view are drawn, so a plan of 20,000 actions costs what 20 do.

import type { CompareControl } from '../hooks/use-compare.js';
import { Priority, useKeypress } from '../hooks/use-keypress.js';
import { useListCursor } from '../hooks/use-list-cursor.js';
import { commandFor } from '../keys/bindings.js';
import type { SideState } from '../../client/compare.js';
import { formatBytes, formatTime, plural } from '../../format.js';
import type { CompareResult } from '../state/compare.js';
import { actionVerb, actionWhy, checkable, isChecked, type PreviewState, previewTotals } from '../state/sync-preview.js';
import { fit } from '../text.js';
import { Frame } from './Frame.js';
import type { LineSpec } from './Line.js';

export interface SyncPreviewProps {
  compare: CompareControl;
  preview: PreviewState;
  result: CompareResult;
  localWhere: string;
  uploadAllowed: boolean;
  width: number;
  height: number;
}

/** One side of the selected row: size, time and BLAKE3 root, so two versions can be told apart before one replaces the other. */
export function sideText(label: string, s: SideState | undefined): string {
  if (!s) return `${label}: none`;
  if (s.type === 'dir') return `${label}: folder`;
  const hash = s.blake3 ? `blake3 ${s.blake3.slice(0, 16)}…` : 'blake3 not read (sizes differ)';
  return `${label}: ${formatBytes(s.size)} · ${formatTime(s.mtimeMs).slice(0, 16)} · ${s.error ? s.error : hash}`;
}

export function SyncPreview({ compare, preview, result, localWhere, uploadAllowed, width, height }: SyncPreviewProps) {
  const diffs = result.byPath;
  // Title, totals, the selected row's two sides, hint and borders around the rows.
  const page = Math.max(1, height - 5);
  const list = useListCursor({ length: preview.actions.length, page });
  useKeypress((key) => {
    if (list.command(commandFor('results', key.name))) return true;
    switch (key.name) {
      case 'escape':
      case 'q':
        compare.closePreview();
        return true;
      case 'space':
        compare.toggleRow(list.cursor);
        list.move({ type: 'down' });
        return true;
      case 'a':
        compare.toggleAllRows();
        return true;
      case 'tab':
      case 'S-tab':
        compare.switchDirection();
        return true;
      case 'd':
        compare.toggleDelete();
        return true;
      case 'enter':
        compare.confirm();
        return true;
      default:
        // The panes' keys wait until the preview is closed.
        return key.name !== 'C-c';
    }
  }, Priority.View);

  const pull = preview.direction === 'pull';
  const remote = result.dirs.remote || '/';
  const title = pull ? `sync: download ${remote} → here ${localWhere}` : `sync: upload ${localWhere} → server ${remote}`;
  const t = previewTotals(preview, diffs);
  const totals = [
    `${plural(t.files, 'file')} · ${formatBytes(t.bytes)}`,
    t.folders > 0 ? plural(t.folders, 'folder') : '',
    t.touches > 0 ? plural(t.touches, 'time') : '',
    `${t.deletes} to delete`,
    t.left > 0 ? `${t.left} left alone` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const inner = width - 2;
  const rows: Array<{ spec: LineSpec; inverse?: boolean; key?: string | number }> = [];
  const refused = !pull && !uploadAllowed;
  rows.push({
    key: 'head',
    spec: refused
      ? [{ text: ' ✗ the server is read-only (started without --allow-write): nothing can be uploaded. Tab: download instead', color: 'error', bold: true }]
      : [{ text: ` checked: ${totals}`, bold: true }],
  });
  const selected = preview.actions[list.cursor];
  const both = selected ? diffs.get(selected.path) : undefined;
  rows.push({
    key: 'sides',
    spec: both ? [{ text: ` ${sideText('server', both.remote)}   ${sideText('here', both.local)}`, dim: true }] : '',
  });
  if (preview.actions.length === 0) rows.push({ key: 'none', spec: [{ text: '  nothing to do: the destination is like the source', dim: true }] });
  const nameWidth = Math.max(12, Math.min(40, Math.floor((inner - 25) * 0.35)));
  const why = Math.max(10, inner - 4 - 11 - nameWidth - 12);
  for (let i = list.top; i < Math.min(preview.actions.length, list.top + page); i++) {
    const a = preview.actions[i]!;
    const box = !checkable(a, diffs) ? '   ' : isChecked(preview, i, diffs) ? '[x]' : '[ ]';
    const verb = actionVerb(a, preview.direction, diffs);
    const size = a.kind === 'copy' || a.kind === 'delete' ? formatBytes(a.size) : '';
    const name = a.kind === 'mkdir' || (a.kind === 'delete' && a.type === 'dir') ? `${a.path}/` : a.path;
    const selected = i === list.cursor;
    rows.push({
      key: i,
      inverse: selected,
      spec: [
        { text: selected ? '▌' : ' ', color: 'focus', bold: true },
        { text: `${box} `, bold: true },
        { text: fit(verb, 10), color: verb === 'delete' || verb === 'conflict' ? 'warn' : verb === 'skip' ? 'muted' : 'accent' },
        { text: ` ${fit(name, nameWidth)}` },
        { text: ` ${fit(size, 9, 'right')} ` },
        { text: fit(actionWhy(a, diffs, preview.last), why), dim: true },
      ],
    });
  }
  const pos = preview.actions.length > page ? `${list.cursor + 1}/${preview.actions.length}` : undefined;
  const hint = ` Space check · a all/none · Tab ${pull ? 'upload instead' : 'download instead'} · d deletes ${preview.delete ? 'on' : 'off'} · Enter sync · Esc close`;
  const body = rows.slice(0, height - 3);
  while (body.length < height - 3) body.push({ key: `pad${body.length}`, spec: '' });
  body.push({ key: 'hint', spec: [{ text: hint, dim: true }] });
  return <Frame width={width} height={height} title={title} titleRight={pos} focused rows={body} />;
}
