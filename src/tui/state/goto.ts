// Go to a typed path: where it leads (relative to the side's root) and what Tab
// makes of it. Pure: listing folders is the caller's. The remote side is the
// share (a path cannot climb out of it; the server would refuse anyway), the
// local side the whole disk (absolute paths, '~' for home, '..' stops at '/').

export interface GoToContext {
  side: 'local' | 'remote';
  /** The pane's folder, relative to the side's root. */
  current: string;
  /** Local only: the home folder, relative to the side's root (for '~'). */
  home?: string;
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/** The folder a typed path names, relative to the side's root, or why it names none. */
export function targetOf(typed: string, ctx: GoToContext): { path: string } | { error: string } {
  let t = typed.trim();
  if (t === '') return { error: 'type a folder to go to' };
  let base: string[];
  if (ctx.side === 'local' && ctx.home !== undefined && (t === '~' || t.startsWith('~/'))) {
    base = segments(ctx.home);
    t = t.slice(1);
  } else base = t.startsWith('/') ? [] : segments(ctx.current);
  for (const s of t.split('/')) {
    if (s === '' || s === '.') continue;
    if (s !== '..') base.push(s);
    else if (base.length > 0) base.pop();
    // Above the top of the disk is the top, as in a shell; above the share is nowhere.
    else if (ctx.side === 'remote') return { error: `${typed.trim()} is outside the share` };
  }
  return { path: base.join('/') };
}

/** How a path is shown to the user: absolute, from the side's root. */
export function shownPath(path: string): string {
  return `/${path}`;
}

/** A typed path split where Tab completes: the folder part as typed (with its '/') and the name begun. */
export function completionParts(typed: string): { folder: string; prefix: string } {
  const i = typed.lastIndexOf('/');
  return i < 0 ? { folder: '', prefix: typed } : { folder: typed.slice(0, i + 1), prefix: typed.slice(i + 1) };
}

/**
 * Complete `prefix` among folder names: the names it begins (case-sensitive,
 * else ignoring case when none match exactly), and the longest text they all
 * begin with. Hidden folders only when the prefix asks for them.
 */
export function completeName(prefix: string, names: readonly string[]): { common: string; matches: string[] } {
  const visible = names.filter((n) => prefix.startsWith('.') || !n.startsWith('.'));
  let matches = visible.filter((n) => n.startsWith(prefix));
  if (matches.length === 0) {
    const lower = prefix.toLowerCase();
    matches = visible.filter((n) => n.toLowerCase().startsWith(lower));
  }
  matches.sort();
  if (matches.length === 0) return { common: prefix, matches };
  let common = matches[0]!;
  for (const m of matches) {
    let i = 0;
    while (i < common.length && i < m.length && common[i] === m[i]) i++;
    common = common.slice(0, i);
  }
  // Ignoring case, the names may share less than what was typed: keep the typing.
  return { common: common.length >= prefix.length ? common : prefix, matches };
}

/** The line after Tab: one match completes with its '/', several complete what they share. */
export function applyCompletion(typed: string, names: readonly string[]): { text: string; matches: string[] } {
  const { folder, prefix } = completionParts(typed);
  const { common, matches } = completeName(prefix, names);
  if (matches.length === 1) return { text: `${folder}${matches[0]}/`, matches };
  return { text: `${folder}${common}`, matches };
}
