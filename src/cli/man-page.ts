// The manual page, made from the same yargs definitions as --help: every
// command's help text, found by following the "Commands:" lists from the top,
// set in roff. `npm run build` writes it to man/ferry.1 (npm installs it with
// the package); `ferry man | man -l -` shows the one for the running version.

/** Help text for `ferry ARGV --help`. */
export type HelpFor = (argv: string[]) => Promise<string>;

/** Roff-safe text for a no-fill block: backslashes, leading dots and quotes, hyphens. */
export function roffLines(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

/** The sub-command paths a help text lists, e.g. `ferry cache rm <file>` → ['cache', 'rm']. */
export function listedCommands(help: string): string[][] {
  const section = /^Commands:\n((?:[ \t]+.*\n?)+)/m.exec(help)?.[1] ?? '';
  const out: string[][] = [];
  for (const line of section.split('\n')) {
    // The command column ends where two spaces start its description.
    const words = (line.trim().split(/\s{2,}/)[0] ?? '').split(' ');
    if (words[0] !== 'ferry') continue;
    const path: string[] = [];
    for (const w of words.slice(1)) {
      if (!/^[a-z][a-z-]*$/.test(w)) break;
      path.push(w);
    }
    if (path.length > 0) out.push(path);
  }
  return out;
}

export async function renderManPage(helpFor: HelpFor, version: string): Promise<string> {
  const top = await helpFor([]);
  const sections: string[] = [];
  const seen = new Set<string>();
  const visit = async (path: string[]): Promise<void> => {
    const key = path.join(' ');
    if (seen.has(key)) return;
    seen.add(key);
    const help = await helpFor(path);
    sections.push(`.SS ferry ${key}\n.nf\n${roffLines(help.trimEnd())}\n.fi`);
    for (const sub of listedCommands(help)) if (sub.length > path.length) await visit(sub);
  };
  for (const path of listedCommands(top)) await visit(path);
  return [
    `.TH FERRY 1 "" "ferry ${version}" "User Commands"`,
    '.SH NAME',
    'ferry \\- share a folder between machines: a verified, resumable file server and a two\\-pane terminal client',
    '.SH SYNOPSIS',
    '.B ferry',
    '[\\fICOMMAND\\fR] [\\fIOPTIONS\\fR]',
    '.SH DESCRIPTION',
    '.nf',
    roffLines(top.trimEnd()),
    '.fi',
    '.SH COMMANDS',
    ...sections,
    '.SH SEE ALSO',
    'The README and docs/ (protocol.md, protocol\\-udp.md, security.md, bench.md) shipped with ferry.',
    '',
  ].join('\n');
}
