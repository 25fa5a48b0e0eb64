// A single-line text field with a cursor and an optional history, used by the
// command line, the extension and keyword prompts and the shortlist form.

export interface LineState {
  text: string;
  cursor: number;
  history: readonly string[];
  /** Position in history while browsing with ↑/↓; history.length means "the new line". */
  historyIndex: number;
  draft: string;
}

export type LineAction =
  | { type: 'insert'; text: string }
  | { type: 'backspace' }
  | { type: 'left' }
  | { type: 'right' }
  | { type: 'home' }
  | { type: 'end' }
  | { type: 'clear' }
  | { type: 'historyUp' }
  | { type: 'historyDown' }
  | { type: 'set'; text: string }
  | { type: 'commit' };

export function initialLine(text = '', history: readonly string[] = []): LineState {
  return { text, cursor: [...text].length, history, historyIndex: history.length, draft: '' };
}

function chars(t: string): string[] {
  return [...t];
}

export function lineReducer(s: LineState, a: LineAction): LineState {
  const cs = chars(s.text);
  switch (a.type) {
    case 'insert': {
      // Pasted text may carry newlines or control bytes; a line holds neither.
      const clean = chars(a.text.replace(/[\u0000-\u001f\u007f]/g, ''));
      cs.splice(s.cursor, 0, ...clean);
      return { ...s, text: cs.join(''), cursor: s.cursor + clean.length };
    }
    case 'backspace':
      if (s.cursor === 0) return s;
      cs.splice(s.cursor - 1, 1);
      return { ...s, text: cs.join(''), cursor: s.cursor - 1 };
    case 'left':
      return { ...s, cursor: Math.max(0, s.cursor - 1) };
    case 'right':
      return { ...s, cursor: Math.min(cs.length, s.cursor + 1) };
    case 'home':
      return { ...s, cursor: 0 };
    case 'end':
      return { ...s, cursor: cs.length };
    case 'clear':
      return { ...s, text: '', cursor: 0 };
    case 'set':
      return { ...s, text: a.text, cursor: chars(a.text).length };
    case 'historyUp': {
      if (s.historyIndex === 0) return s;
      const draft = s.historyIndex === s.history.length ? s.text : s.draft;
      const text = s.history[s.historyIndex - 1] ?? '';
      return { ...s, historyIndex: s.historyIndex - 1, text, cursor: chars(text).length, draft };
    }
    case 'historyDown': {
      if (s.historyIndex >= s.history.length) return s;
      const i = s.historyIndex + 1;
      const text = i === s.history.length ? s.draft : (s.history[i] ?? '');
      return { ...s, historyIndex: i, text, cursor: chars(text).length };
    }
    case 'commit': {
      const t = s.text.trim();
      // Repeating the last command does not fill the history with copies.
      const history = t === '' || s.history[s.history.length - 1] === t ? s.history : [...s.history, t].slice(-100);
      return { text: '', cursor: 0, history, historyIndex: history.length, draft: '' };
    }
  }
}

/** Map an editing key to an action; undefined when the key is not for the editor. */
export function lineActionFor(name: string, text: string, withHistory: boolean): LineAction | undefined {
  switch (name) {
    case 'backspace':
      return { type: 'backspace' };
    case 'left':
      return { type: 'left' };
    case 'right':
      return { type: 'right' };
    case 'home':
    case 'C-a':
      return { type: 'home' };
    case 'end':
    case 'C-e':
      return { type: 'end' };
    case 'C-u':
      return { type: 'clear' };
    case 'up':
      return withHistory ? { type: 'historyUp' } : undefined;
    case 'down':
      return withHistory ? { type: 'historyDown' } : undefined;
  }
  return text !== '' ? { type: 'insert', text } : undefined;
}
