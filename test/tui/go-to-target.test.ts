import { describe, expect, it } from 'vitest';
import { checkTarget, withCdCompletion } from '../../src/tui/hooks/go-to-target.js';

const tree: Record<string, string[]> = { '': ['docs', 'Downloads', 'pics'], docs: ['2024', '2025'], 'docs/2024': [] };
const folders = async (dir: string) => {
  const names = tree[dir];
  if (!names) throw new Error(`cannot read ${dir}`);
  return names;
};
const side = () => ({ context: { side: 'remote' as const, current: 'docs' }, folders });

describe('checkTarget', () => {
  it('finds a folder in its parent listing, and says why not otherwise', async () => {
    expect(await checkTarget('2024', side().context, folders)).toEqual({ path: 'docs/2024' });
    expect(await checkTarget('/', side().context, folders)).toEqual({ path: '' });
    expect(await checkTarget('/pics', side().context, folders)).toEqual({ path: 'pics' });
    expect(await checkTarget('2023', side().context, folders)).toEqual({ error: 'no such folder: /docs/2023' });
    expect(await checkTarget('/x/y', side().context, folders)).toEqual({ error: 'cannot go to /x/y: cannot read x' });
    expect(await checkTarget('../..', side().context, folders)).toEqual({ error: '../.. is outside the share' });
  });
});

describe("Tab on the ':' line", () => {
  const classic = async (line: string) => ({ hits: line.startsWith('F') ? ['FileHash verify '] : [], partial: line.trimStart() });
  const complete = withCdCompletion(classic, side);
  it("completes folders after 'cd ', from the pane's folder or a typed one", async () => {
    expect(await complete('cd 20')).toEqual({ hits: ['2024/', '2025/'], partial: '20' });
    expect(await complete('cd /D')).toEqual({ hits: ['/Downloads/'], partial: '/D' });
    expect(await complete('cd /nowhere/x')).toEqual({ hits: [], partial: '/nowhere/x' });
  });
  it("passes other lines on, offering 'cd' among the words", async () => {
    expect(await complete('F')).toEqual({ hits: ['FileHash verify '], partial: 'F' });
    expect(await complete('c')).toEqual({ hits: ['cd '], partial: 'c' });
    expect(await complete('')).toEqual({ hits: [], partial: '' });
  });
});
