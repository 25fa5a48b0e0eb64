// Keys → line editor, for every text field. It takes the keys at Input priority, so
// typing 'q' into a prompt never quits the app.

import { useStore } from './use-store.js';
import { initialLine, lineActionFor, lineReducer, type LineState } from '../state/line-editor.js';
import { Priority, useKeypress } from './use-keypress.js';

export interface LineInputOptions {
  initial?: string;
  history?: readonly string[];
  onSubmit(text: string, state: LineState): void;
  onCancel(): void;
  /** Keys the field does not edit with (e.g. Tab in a form) go here first. */
  onOtherKey?(name: string): boolean;
  active?: boolean;
  priority?: number;
  /** Tab: the completed line for this one (or undefined for no change). */
  complete?(text: string): Promise<string | undefined>;
}

export function useLineInput(o: LineInputOptions): LineState {
  // The latest text, not the drawn one: a pasted line and its Enter arrive together.
  const [state, dispatch, latest] = useStore(lineReducer, () => initialLine(o.initial ?? '', o.history ?? []));
  useKeypress(
    (key) => {
      if (key.name === 'C-c') return false; // let the app quit
      if (key.name === 'escape') {
        o.onCancel();
        return true;
      }
      if (key.name === 'enter') {
        o.onSubmit(latest.current.text, latest.current);
        // Only a field with history starts afresh; a form keeps what was typed.
        if (o.history !== undefined) dispatch({ type: 'commit' });
        return true;
      }
      if (o.onOtherKey?.(key.name)) return true;
      if (key.name === 'tab' && o.complete) {
        const asked = latest.current.text;
        void o.complete(asked).then((text) => {
          // Typing went on while the listing came: the answer is for a line that is gone.
          if (text !== undefined && latest.current.text === asked) dispatch({ type: 'set', text });
        });
        return true;
      }
      const action = lineActionFor(key.name, key.text, o.history !== undefined);
      if (action) dispatch(action);
      // A text field swallows every other key: nothing below may act on typing.
      return true;
    },
    o.priority ?? Priority.Input,
    o.active ?? true,
  );
  return state;
}
