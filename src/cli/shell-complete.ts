// Tab completion for the interactive shell: the classic completer
// (client/classic-complete.ts, which the app's ':' line uses too) in the
// callback form readline asks for.

import { classicCompleter } from '../client/classic-complete.js';
import type { FerryApi } from '../client/types.js';

export type Completer = (line: string, callback: (err: null, result: [string[], string]) => void) => void;

export function shellCompleter(api: Pick<FerryApi, 'list'>, now: () => number = Date.now): Completer {
  const complete = classicCompleter(api, now);
  return (line, callback) => {
    void complete(line).then((c) => callback(null, [c.hits, c.partial]));
  };
}
