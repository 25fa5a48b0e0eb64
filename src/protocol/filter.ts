// What a listing's filters mean, in one place for the server's walk and the
// client's local folder, so both panes of the app (and `ferry index`) keep the
// same files for the same filters. Pure: callers do the reading and feed the
// bytes in.
//
// The rules:
// - name (find as you type, find in tree): a substring of the name; smart
//   case, as in vim and ripgrep: case-insensitive unless the query has a
//   capital letter.
// - ext: '.txt', 'txt', '*.txt' and 'TXT' all mean names ending in '.txt', in
//   any case; 'txt,md' (a comma list) means either.
// - after / before: modified strictly after / strictly before (ms).
// - keyword: text files whose contents hold the keyword as one literal string
//   (a comma in it is just a comma), smart case like names. A file whose first
//   8 KiB hold a NUL byte is binary and never matches. Every file is searched
//   to its end, whatever its size, in bounded memory (keywordScan).
// - With any of ext, after, before or keyword set, only files are kept, never
//   folders: the result is the files of the whole tree that match. A name
//   filter alone keeps matching folders too. Folders are walked whatever their
//   names.

/** A NUL byte within this many leading bytes marks a file as binary (the heuristic git and grep use). */
export const BINARY_SNIFF_BYTES = 8 * 1024;

/** The filters of a listing request. */
export interface ListFilters {
  /** Names holding this (nameMatcher); folders too, unless another filter keeps only files. */
  name?: string;
  ext?: string;
  keyword?: string;
  after?: number;
  before?: number;
}

/** True when a query is to be matched exactly: it has a capital letter. */
export function caseSensitive(query: string): boolean {
  return /\p{Lu}/u.test(query);
}

/** A name filter: substring, smart case. An empty query keeps everything. */
export function nameMatcher(query: string): (name: string) => boolean {
  if (query === '') return () => true;
  if (caseSensitive(query)) return (name) => name.includes(query);
  const q = query.toLowerCase();
  return (name) => name.toLowerCase().includes(q);
}

/** '.txt', 'txt', '*.txt' and 'TXT' all mean files ending in '.txt'; 'txt,md' means either. */
export function extMatcher(ext: string | undefined): ((name: string) => boolean) | undefined {
  if (ext === undefined) return undefined;
  const wanted = ext
    .split(',')
    .map((e) => e.trim().replace(/^\*/, '').replace(/^\.?/, '.').toLowerCase())
    .filter((e) => e !== '.');
  if (wanted.length === 0) return undefined;
  // The name must be longer than the suffix: '.txt' alone is a hidden file, not a text file.
  return (name) => {
    const lower = name.toLowerCase();
    return wanted.some((e) => lower.length > e.length && lower.endsWith(e));
  };
}

/** A filter that keeps only files (ext, time or keyword; an empty keyword or ext is none). */
export function filesOnly(f: ListFilters): boolean {
  return extMatcher(f.ext) !== undefined || f.after !== undefined || f.before !== undefined || (f.keyword ?? '') !== '';
}

/** Any filter that narrows a listing (a name too). */
export function isFiltering(f: ListFilters): boolean {
  return filesOnly(f) || (f.name ?? '') !== '';
}

/**
 * The filters that need no reading (ext and time) as one predicate on a file,
 * or undefined when there are none.
 */
export function cheapMatcher(f: ListFilters): ((file: { name: string; mtimeMs: number }) => boolean) | undefined {
  const ext = extMatcher(f.ext);
  const { after, before } = f;
  if (!ext && after === undefined && before === undefined) return undefined;
  return (c) => (!ext || ext(c.name)) && (after === undefined || c.mtimeMs > after) && (before === undefined || c.mtimeMs < before);
}

/** The running answer of a content search over one file's bytes, fed in order. */
export interface KeywordScan {
  /**
   * The next bytes of the file. 'match' and 'binary' are final (stop reading);
   * 'more' asks for the next bytes.
   */
  push(chunk: Uint8Array): 'match' | 'binary' | 'more';
  /** The file ended: was the keyword found (in a file not found binary)? */
  end(): boolean;
}

/**
 * A content search for `keyword` (rules above). Memory stays bounded: only
 * the last (keyword length - 1) bytes or characters are carried from one
 * chunk to the next, so a match across a chunk boundary is still found.
 * Case-insensitive search decodes UTF-8 as it goes (a character split between
 * chunks is joined again) and compares lower case.
 */
export function keywordScan(keyword: string): KeywordScan {
  let seen = 0; // bytes pushed so far
  let found = keyword === '';
  const sniff = (chunk: Uint8Array): boolean => {
    if (seen >= BINARY_SNIFF_BYTES) return false;
    const end = Math.min(chunk.length, BINARY_SNIFF_BYTES - seen);
    return chunk.subarray(0, end).includes(0);
  };
  let search: (chunk: Uint8Array) => boolean;
  if (caseSensitive(keyword)) {
    const needle = Buffer.from(keyword, 'utf8');
    let carry: Buffer = Buffer.alloc(0);
    search = (chunk) => {
      const window = carry.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length) : Buffer.concat([carry, chunk]);
      const hit = window.includes(needle);
      carry = Buffer.from(window.subarray(Math.max(0, window.length - (needle.length - 1))));
      return hit;
    };
  } else {
    const needle = keyword.toLowerCase();
    const decoder = new TextDecoder('utf-8');
    let carry = '';
    search = (chunk) => {
      const window = carry + decoder.decode(chunk, { stream: true }).toLowerCase();
      const hit = window.includes(needle);
      carry = window.slice(Math.max(0, window.length - (needle.length - 1)));
      return hit;
    };
  }
  return {
    push(chunk) {
      if (sniff(chunk)) return 'binary';
      seen += chunk.length;
      if (!found) found = search(chunk);
      // A match is final only once the whole sniff window has been seen.
      return found && seen >= BINARY_SNIFF_BYTES ? 'match' : 'more';
    },
    end() {
      return found;
    },
  };
}
