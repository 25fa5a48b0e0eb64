// The bottom row: the most useful keys for where the user is, from the key table.

import { footerBindings, type FooterContext } from '../keys/bindings.js';
import { displayKey } from '../keys/key-name.js';
import { displayWidth } from '../text.js';
import { Line, type Seg } from './Line.js';

export function footerSegments(ctx: FooterContext, width: number): Seg[] {
  const segs: Seg[] = [];
  let used = 0;
  for (const b of footerBindings(ctx)) {
    const key = displayKey(b.keys[0]!);
    const w = displayWidth(key) + 1 + displayWidth(b.label) + 2;
    // Whole entries only: a half-shown hint is worse than none.
    if (used + w > width) break;
    segs.push({ text: ` ${key}`, bold: true, color: 'accent' }, { text: ` ${b.label} ` });
    used += w;
  }
  return segs;
}

export function Footer({ ctx, width }: { ctx: FooterContext; width: number }) {
  return <Line spec={footerSegments(ctx, width)} width={width} />;
}
