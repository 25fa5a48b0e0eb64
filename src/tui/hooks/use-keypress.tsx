// One stdin listener for the whole app; handlers subscribe with a priority and the
// highest one that returns true owns the key. Dialogs sit above the panes this way
// without each component having to know which others are open.

import { createContext, useContext, useLayoutEffect, useMemo, useRef, type ReactNode } from 'react';
import { useInput, useStdin } from 'ink';
import { keyName } from '../keys/key-name.js';
import { MouseReader, type MouseEvent } from '../keys/mouse.js';

export interface Keypress {
  /** Canonical name: 'j', 'G', 'down', 'enter', 'C-c', 'space'. */
  name: string;
  /** Printable text typed (for line editors); '' for special keys. */
  text: string;
  /** With the names 'mouse' (a button press), 'wheel-up' and 'wheel-down': the report (see keys/mouse.ts). */
  mouse?: MouseEvent;
}

/** Return true when the key was handled and lower handlers must not see it. */
export type KeyHandler = (key: Keypress) => boolean | void;

export const Priority = {
  Panes: 0,
  View: 10,
  Dialog: 20,
  Input: 30,
  Global: 100,
} as const;

interface Registry {
  add(handler: { current: KeyHandler }, priority: number): () => void;
}

const KeypressContext = createContext<Registry | null>(null);

/** One character of a multi-key chunk, named as keyName would name it alone. */
export function charPress(ch: string): Keypress {
  if (ch === '\r' || ch === '\n') return { name: 'enter', text: '' };
  if (ch === '\t') return { name: 'tab', text: '' };
  if (ch === '\u007f' || ch === '\b') return { name: 'backspace', text: '' };
  if (ch === ' ') return { name: 'space', text: ' ' };
  const code = ch.charCodeAt(0);
  if (code < 0x20) return { name: `C-${String.fromCharCode(code + 96)}`, text: '' };
  return { name: ch, text: ch };
}

export function KeypressProvider({ children }: { children: ReactNode }) {
  const handlers = useRef<Array<{ ref: { current: KeyHandler }; priority: number; seq: number }>>([]);
  const seq = useRef(0);
  const registry = useMemo<Registry>(
    () => ({
      add(ref, priority) {
        const entry = { ref, priority, seq: seq.current++ };
        handlers.current = [...handlers.current, entry].sort(
          // Higher priority first; among equals the newest (the one opened last) first.
          (a, b) => b.priority - a.priority || b.seq - a.seq,
        );
        return () => {
          handlers.current = handlers.current.filter((h) => h !== entry);
        };
      },
    }),
    [],
  );
  const deliver = (press: Keypress) => {
    for (const h of handlers.current) {
      if (h.ref.current(press) === true) return;
    }
  };
  // Keys typed faster than they are read arrive together ('jj', or a paste):
  // they are separate keypresses. The first is handled now, each next one a turn
  // later, once the previous one's render (and any dialog it opened) is committed,
  // so every key meets the screen it was typed at. Keys read meanwhile (the Enter
  // after a paste often comes in its own chunk) queue behind them, never ahead.
  const queue = useRef<Keypress[]>([]);
  const waiting = useRef(false);
  const drain = () => {
    waiting.current = false;
    const press = queue.current.shift();
    if (press === undefined) return;
    try {
      deliver(press);
    } finally {
      // Scheduled after the delivery: the render the key caused (React schedules
      // it with setImmediate too, for input from outside React) runs first.
      if (queue.current.length > 0) {
        waiting.current = true;
        setImmediate(drain);
      }
    }
  };
  const enqueue = (presses: Keypress[]) => {
    queue.current.push(...presses);
    if (!waiting.current) drain();
  };
  // The bytes of the keypress being handled: Ink's key flags cannot tell F5 from
  // F8 or Delete from Backspace (keyName). This listener is added once, in a
  // layout effect, so it runs before useInput's, which Ink re-adds every render.
  const { internal_eventEmitter: events } = useStdin();
  const rawBytes = useRef<string | undefined>(undefined);
  useLayoutEffect(() => {
    const see = (data: string) => void (rawBytes.current = typeof data === 'string' ? data : undefined);
    events?.on('input', see);
    return () => void events?.removeListener('input', see);
  }, [events]);
  // Mouse reports are sorted out before anything reads keys: a report is never
  // typed text, whichever handler is listening.
  const mouse = useRef<MouseReader | null>(null);
  mouse.current ??= new MouseReader();
  useInput((raw, key) => {
    const bytes = rawBytes.current;
    rawBytes.current = undefined;
    const read = mouse.current!.read(raw);
    if ('swallow' in read) return;
    if ('mouse' in read) {
      // Releases carry nothing a click has not said already.
      // The wheel goes by a key name of its own, so the key table can bind it.
      const name = read.mouse.kind === 'wheel' ? `wheel-${read.mouse.wheel}` : 'mouse';
      if (read.mouse.kind !== 'release') enqueue([{ name, text: '', mouse: read.mouse }]);
      return;
    }
    const input = read.pass;
    if (input !== raw) return enqueue([...input].map(charPress));
    const name = keyName(input, key, bytes);
    const plain = !key.ctrl && !key.meta && name === input;
    if (plain && [...input].length > 1) enqueue([...input].map(charPress));
    else enqueue([{ name, text: name === 'space' ? ' ' : plain ? input : '' }]);
  });
  return <KeypressContext.Provider value={registry}>{children}</KeypressContext.Provider>;
}

/** Subscribe to keys while `active`; the latest handler closure is always used. */
export function useKeypress(handler: KeyHandler, priority: number, active = true): void {
  const registry = useContext(KeypressContext);
  const ref = useRef(handler);
  ref.current = handler;
  // A layout effect runs in the commit itself: a dialog owns the very next key
  // after it appears, even when the user types faster than passive effects flush.
  useLayoutEffect(() => {
    if (!registry || !active) return;
    return registry.add(ref, priority);
  }, [registry, priority, active]);
}
