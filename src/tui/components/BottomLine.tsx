// The last row: the footer of useful keys, or the text field that is open there
// (the ':' command line, the extension or keyword prompt).

import type { ClassicCompleter } from '../../client/classic-complete.js';
import type { FooterContext } from '../keys/bindings.js';
import type { Overlay } from '../commands/dispatch.js';
import type { KeyHint } from '../state/dialog-keys.js';
import { normalizeExt, type Filters } from '../state/filters.js';
import { CommandLine } from './CommandLine.js';
import { Footer } from './Footer.js';
import { Line } from './Line.js';
import { NameFilterPrompt } from './NameFilterPrompt.js';
import { Prompt } from './Prompt.js';

const DIALOGS: ReadonlySet<Overlay['kind']> = new Set(['shortlist', 'quit', 'cancelAll', 'goto']);

export interface BottomLineProps {
  width: number;
  overlay: Overlay;
  /** The focused pane's filters (what the prompts edit). */
  filters: Filters;
  history: readonly string[];
  footer: FooterContext;
  /** The keys of a question or preview that owns the keyboard (file operation, conflict, sync preview): shown instead of the pane keys. */
  dialogKeys?: readonly KeyHint[] | undefined;
  onClose(): void;
  onFilters(filters: Filters): void;
  /** A non-empty command line to run. */
  onRunLine(text: string): void;
  /** Tab completion for the command line. */
  complete?: ClassicCompleter;
  /** The name filter as it is typed ('/'). */
  onNameFilter?(name: string | undefined): void;
}

const PROMPTS = {
  ext: ' extension: ',
  keyword: ' search text files below for: ',
  find: ' find names in the tree below: ',
} as const;

export function BottomLine({ width, overlay, filters, history, footer, dialogKeys, onClose, onFilters, onRunLine, complete, onNameFilter }: BottomLineProps) {
  if (overlay.kind === 'nameFilter') {
    return <NameFilterPrompt width={width} initial={filters.name} onChange={(name) => onNameFilter?.(name)} onDone={onClose} />;
  }
  if (overlay.kind === 'command') {
    return (
      <CommandLine
        width={width}
        history={history}
        {...(complete ? { complete } : {})}
        onCancel={onClose}
        onRun={(line) => {
          onClose();
          const text = line.trim();
          if (text !== '') onRunLine(text);
        }}
      />
    );
  }
  if (overlay.kind === 'prompt') {
    const field = overlay.field;
    return (
      <Prompt
        width={width}
        label={PROMPTS[field]}
        initial={filters[field] ?? ''}
        onCancel={onClose}
        onSubmit={(text) => {
          onClose();
          const value = field === 'ext' ? normalizeExt(text) : text.trim() || undefined;
          // A search starts afresh: the name typed to narrow the folder was about that folder.
          onFilters({ ...filters, name: undefined, [field]: value });
        }}
      />
    );
  }
  // A question or form is open and owns the keys; it lists its own. The pane keys
  // would do nothing now.
  if (DIALOGS.has(overlay.kind)) return <Line spec="" width={width} />;
  return <Footer width={width} ctx={footer} dialog={dialogKeys} />;
}
