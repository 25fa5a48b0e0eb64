// The first screen when the app starts with no server named and some were used
// before: the recent ones, newest first. Enter connects to the one selected, Esc
// goes on to the built-in server over the sample share (what a first run does),
// q quits.

import { useState } from 'react';
import { recentAddress, type RecentServer } from '../../client/recent-servers.js';
import { formatTime } from '../../format.js';
import { Priority, useKeypress } from '../hooks/use-keypress.js';
import { fit } from '../text.js';
import { Frame } from './Frame.js';
import type { LineSpec } from './Line.js';
import type { Message } from './MessageLine.js';

export interface ServerPickerProps {
  recent: readonly RecentServer[];
  width: number;
  height: number;
  /** Connecting to the one picked: keys wait. */
  busy?: string;
  message?: Message | null;
  onPick(server: RecentServer): void;
  onDefault(): void;
  onQuit(): void;
}

/** A fingerprint cut to what a person tells apart at a glance: the first and last three bytes. */
export function shortFingerprint(fp: string): string {
  const hex = fp.replace(/^sha256:/, '');
  return hex.length > 17 ? `${hex.slice(0, 8)}…${hex.slice(-8)}` : hex;
}

export function ServerPicker({ recent, width, height, busy, message, onPick, onDefault, onQuit }: ServerPickerProps) {
  const [cursor, setCursor] = useState(0);
  useKeypress((key) => {
    if (key.name === 'C-c' || key.name === 'q') {
      onQuit();
      return true;
    }
    if (busy) return true;
    if (key.name === 'up' || key.name === 'k') setCursor((c) => Math.max(0, c - 1));
    else if (key.name === 'down' || key.name === 'j') setCursor((c) => Math.min(recent.length - 1, c + 1));
    else if (key.name === 'enter' && recent[cursor]) onPick(recent[cursor]);
    else if (key.name === 'escape') onDefault();
    return true;
  }, Priority.View);
  const inner = Math.max(1, width - 2);
  const rows: Array<{ spec: LineSpec; inverse?: boolean; key?: string }> = recent.map((r, i) => {
    const tls = r.tls ? `TLS ${r.fingerprint ? shortFingerprint(r.fingerprint) : ''}` : 'no TLS';
    const text = `${i === cursor ? '▌' : ' '}${fit(recentAddress(r), 28)}  ${fit(tls, 22)}  last used ${formatTime(r.lastUsed).slice(0, 16)}`;
    return { key: `s${i}`, spec: [{ text: fit(text, inner), bold: i === cursor }], inverse: i === cursor };
  });
  const foot: LineSpec = busy
    ? [{ text: ` ${busy}`, color: 'accent' }]
    : message
      ? [{ text: ` ${message.level === 'error' ? '✗' : '›'} ${message.text}`, color: message.level === 'error' ? 'error' : 'accent' }]
      : [{ text: ' Enter connect · Esc the built-in server · q quit', dim: true }];
  const body = Math.max(1, height - 2);
  const shown = rows.slice(Math.max(0, cursor - (body - 3)), Math.max(0, cursor - (body - 3)) + body - 2);
  return <Frame width={width} height={height} title="ferry  recent servers" focused rows={[...shown, { key: 'gap', spec: '' }, { key: 'foot', spec: foot }]} />;
}
