import { describe, expect, it } from 'vitest';
import { deleteQuestion, describeEntries, destinationOf, fileOpErrorText, folderText } from '../../../src/tui/state/file-ops.js';
import { makeEntry } from '../../helpers/fake-client.js';

const file = (p: string, size: number) => makeEntry(p, 'file', size);
const dir = (p: string) => makeEntry(p, 'dir');

describe('the delete question', () => {
  it('names one entry, counts several, and says how much', () => {
    expect(deleteQuestion([file('a.txt', 198)], null)).toBe('Delete a.txt (198 B)?');
    const many = [file('a', 4 * 1024 * 1024), file('b', 4 * 1024 * 1024), file('c', 4 * 1024 * 1024), dir('d')];
    expect(deleteQuestion(many, null)).toBe('Delete 3 files and 1 folder (counting…)?');
    expect(deleteQuestion(many, { bytes: 0, inside: 0, partial: false })).toBe('Delete 3 files and 1 folder (12.0 MiB)?');
    expect(deleteQuestion(many, { bytes: 1024, inside: 40, partial: false })).toBe('Delete 3 files and 1 folder (12.0 MiB, 40 entries inside)?');
    expect(deleteQuestion([dir('big')], { bytes: 5, inside: 100001, partial: true })).toBe(
      'Delete the folder big (at least 5 B, at least 100001 entries inside)?',
    );
    expect(deleteQuestion([dir('big')], { bytes: 5, inside: 12000, partial: false, counting: true })).toBe('Delete the folder big (counting… 12,000 entries)?');
    expect(deleteQuestion([dir('big')], { bytes: 0, inside: 1, partial: false, counting: true })).toBe('Delete the folder big (counting… 1 entry)?');
    expect(describeEntries([dir('x'), dir('y')])).toBe('2 folders');
  });
});

describe('destinations', () => {
  it('count from the root with a leading /, else from the source folder; a trailing / means into', () => {
    expect(destinationOf('/', 'docs')).toEqual({ path: '', into: true });
    expect(destinationOf('/drafts/', 'docs')).toEqual({ path: 'drafts', into: true });
    expect(destinationOf('new.txt', 'docs')).toEqual({ path: 'docs/new.txt', into: false });
    expect(destinationOf('  sub/ ', '')).toEqual({ path: 'sub', into: true });
    expect(folderText('')).toBe('/');
    expect(folderText('a/b')).toBe('/a/b/');
  });
});

describe('refusals', () => {
  it('read by their reason code, not their words', () => {
    expect(fileOpErrorText(Object.assign(new Error('whatever the server said'), { code: 'READ_ONLY' }))).toBe(
      'the server is read-only (start it with --allow-write to allow changes)',
    );
    expect(fileOpErrorText(Object.assign(new Error("'x' already exists"), { code: 'EXISTS' }))).toBe("'x' already exists (EXISTS)");
  });
});
