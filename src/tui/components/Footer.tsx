// The bottom row: the most useful keys for where the user is, from the key table.

import { footerBindings, PINNED_FOOTER, type Binding, type FooterContext } from '../keys/bindings.js';
import { displayKey } from '../keys/key-name.js';
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

export function Footer({ ctx, width }: { ctx: FooterContext; width: number }) {
  return <Line spec={footerSegments(ctx, width)} width={width} />;
}
