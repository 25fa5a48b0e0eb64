// The file operations' questions, in the transfer area's place: a name for a
// new folder, a destination for a copy or a move (Tab switches the side), and
// the delete confirmation that says what and how much.

import type { FileOpsControl } from '../hooks/use-file-ops.js';
import { useLineInput } from '../hooks/use-line-input.js';
import { Priority } from '../hooks/use-keypress.js';
import { deleteQuestion, describeEntries, type FileOpDialog as Dialog, folderText, otherSide, type PaneId } from '../state/file-ops.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { Frame } from './Frame.js';
import { promptSegments } from './PromptLine.js';

export const FILE_OP_ROWS = 4;

const SIDE_NAME: Record<PaneId, string> = { local: 'local', remote: 'server' };

function Field({
  width,
  title,
  label,
  initial,
  hint,
  onSubmit,
  onCancel,
  onOtherKey,
}: {
  width: number;
  title: string;
  label: string;
  initial: string;
  hint: string;
  onSubmit(text: string): void;
  onCancel(): void;
  onOtherKey?(name: string): boolean;
}) {
  // Above the panes' keys and every dialog: typing 'q' or 'd' here is text.
  const line = useLineInput({ initial, onSubmit, onCancel, ...(onOtherKey ? { onOtherKey } : {}), priority: Priority.Input });
  const rows = [{ spec: promptSegments(` ${label}`, line, width - 2) }, { spec: [{ text: ` ${hint}`, dim: true }] }];
  return <Frame width={width} height={FILE_OP_ROWS} title={title} focused rows={rows} />;
}

export function FileOpDialog({ width, dialog, ops }: { width: number; dialog: Dialog; ops: FileOpsControl }) {
  if (dialog.kind === 'mkdir') {
    return (
      <Field
        width={width}
        title={`make folder in ${SIDE_NAME[dialog.side]} ${folderText(dialog.folder)}`}
        label="name: "
        initial=""
        hint="Enter make (a/b makes both) · Esc cancel"
        onSubmit={ops.makeFolder}
        onCancel={ops.close}
      />
    );
  }
  if (dialog.kind === 'delete') {
    return (
      <ConfirmDialog
        width={width}
        title={`delete from ${SIDE_NAME[dialog.side]}`}
        question={deleteQuestion(dialog.entries, dialog.size)}
        yes="delete"
        no="keep"
        onConfirm={ops.confirmDelete}
        onCancel={ops.close}
      />
    );
  }
  const { kind, from, to, entries } = dialog;
  const what = entries.length === 1 ? entries[0]!.name : describeEntries(entries);
  const same = from === to;
  // On the same side one entry starts from its own name (a rename); otherwise from the folder shown there.
  const initial = same && entries.length === 1 ? entries[0]!.name : folderText(dialog.folder);
  const verb = kind === 'copy' ? 'copy' : same ? 'rename/move' : 'move';
  const how = same ? '' : kind === 'copy' ? ' (through the transfer queue)' : ' (transfer, then delete once verified)';
  return (
    <Field
      // A new field when the side changes: its text starts again from that side's folder.
      key={to}
      width={width}
      title={`${verb} ${what}${how}`}
      label={`to ${SIDE_NAME[to]}: `}
      initial={initial}
      hint={`Enter ${kind} · Tab to ${same ? 'the other side' : `this side (${SIDE_NAME[from]})`} · Esc cancel`}
      onSubmit={(text) => ops.transfer(to, text)}
      onCancel={ops.close}
      onOtherKey={(name) => {
        if (name !== 'tab' && name !== 'S-tab') return false;
        ops.retarget(otherSide(to));
        return true;
      }}
    />
  );
}
