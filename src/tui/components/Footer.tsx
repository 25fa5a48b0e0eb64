// The bottom row: the most useful keys for where the user is, from the key table.

import { footerBindings, PINNED_FOOTER, type Binding, type FooterContext } from '../keys/bindings.js';
import { displayKey } from '../keys/key-name.js';
import type { KeyHint } from '../state/dialog-keys.js';
import { displayWidth } from '../text.js';
import { Line, type Seg } from './Line.js';

function entry(b: Binding): { segs: Seg[]; width: number } {
  const key = displayKey(b.keys[0]!);
  return { segs: [{ text: ` ${key}`, bold: true, color: 'accent' }, { text: ` ${b.label} ` }], width: displayWidth(key) + 1 + displayWidth(b.label) + 2 };
}

/** Footer hints that fit in `width`: the pinned ones (help, quit) always, then by usefulness. */
export function footerSegments(ctx: FooterContext, width: number): Seg[] {
  const all = footerBindings(ctx);
  const pinned = all.filter((b) => (b.footer ?? 0) >= PINNED_FOOTER).map(entry);
  let used = pinned.reduce((n, e) => n + e.width, 0);
  const segs: Seg[] = [];
  for (const b of all.filter((x) => (x.footer ?? 0) < PINNED_FOOTER)) {
    const e = entry(b);
    // Whole entries only: a half-shown hint is worse than none.
    if (used + e.width > width) break;
    segs.push(...e.segs);
    used += e.width;
  }
  return [...segs, ...pinned.flatMap((e) => e.segs)];
}

/** An open question's own keys, as many whole hints as fit. */
export function hintSegments(hints: readonly KeyHint[], width: number): Seg[] {
  const segs: Seg[] = [];
  let used = 0;
  for (const { key, label } of hints) {
    const w = displayWidth(key) + 1 + displayWidth(label) + 2;
    if (used + w > width) break;
    segs.push({ text: ` ${key}`, bold: true, color: 'accent' }, { text: ` ${label} ` });
    used += w;
  }
  return segs;
}

/** The footer: the pane or view keys, or (`dialog`) the keys of the question that owns the keyboard. */
export function Footer({ ctx, width, dialog }: { ctx: FooterContext; width: number; dialog?: readonly KeyHint[] | undefined }) {
  return <Line spec={dialog ? hintSegments(dialog, width) : footerSegments(ctx, width)} width={width} />;
}
