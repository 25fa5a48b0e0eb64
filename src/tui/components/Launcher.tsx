// What runs before the app when it starts with no server named: the recent
// servers to pick from, the connection being made, and a changed certificate
// put to the user. The caller connects (it owns the clients and the built-in
// server); this only asks and shows. Once connected it is the app.

import { Box } from 'ink';
import { useState } from 'react';
import { CertificateChanged, recentAddress, type RecentServer } from '../../client/recent-servers.js';
import { errorText } from '../errors.js';
import { Priority, useKeypress } from '../hooks/use-keypress.js';
import { useTerminalSize } from '../hooks/use-terminal-size.js';
import { App, type AppProps } from './App.js';
import { CertificateWarning } from './CertificateWarning.js';
import type { Message } from './MessageLine.js';
import { ServerPicker } from './ServerPicker.js';

/** The app's props, less what the launcher supplies. */
export type OpenedApp = Omit<AppProps, 'onExit'>;

export interface LaunchProps {
  recent: readonly RecentServer[];
  /**
   * Connect to `server` (null: the built-in one). `acceptFingerprint` is a
   * changed certificate the user accepted: pin it, and trust it from now on.
   * Rejects with CertificateChanged when the certificate is not the one remembered.
   */
  open(server: RecentServer | null, acceptFingerprint?: string): Promise<OpenedApp>;
}

type Stage =
  | { kind: 'pick'; message?: Message }
  | { kind: 'connecting'; text: string }
  | { kind: 'changed'; server: RecentServer; address: string; expected: string; seen: string }
  | { kind: 'app'; props: OpenedApp };

export function Launcher({ recent, open, onExit }: LaunchProps & { onExit(): void }) {
  const { columns, rows } = useTerminalSize();
  const [stage, setStage] = useState<Stage>({ kind: 'pick' });
  const connect = (server: RecentServer | null, accept?: string) => {
    setStage({ kind: 'connecting', text: `connecting to ${server ? recentAddress(server) : 'the built-in server'}…` });
    open(server, accept).then(
      (props) => setStage({ kind: 'app', props }),
      (err: unknown) => {
        if (server && err instanceof CertificateChanged) setStage({ kind: 'changed', server, address: err.address, expected: err.expected, seen: err.seen });
        else setStage({ kind: 'pick', message: { level: 'error', text: errorText(err) } });
      },
    );
  };
  // Ctrl-C leaves from every stage before the app (which has its own).
  useKeypress((key) => {
    if (key.name !== 'C-c' || stage.kind === 'app') return false;
    onExit();
    return true;
  }, Priority.Global);
  if (stage.kind === 'app') return <App {...stage.props} onExit={onExit} />;
  const width = Math.max(40, columns);
  const picker = (
    <ServerPicker
      recent={recent}
      width={width}
      height={Math.max(6, Math.min(rows - 1, recent.length + 4))}
      busy={stage.kind === 'connecting' ? stage.text : undefined}
      message={stage.kind === 'pick' ? stage.message : null}
      onPick={(s) => connect(s)}
      onDefault={() => connect(null)}
      onQuit={onExit}
    />
  );
  if (stage.kind !== 'changed') return picker;
  return (
    <Box flexDirection="column">
      {picker}
      <CertificateWarning
        address={stage.address}
        expected={stage.expected}
        seen={stage.seen}
        width={width}
        onAccept={() => connect(stage.server, stage.seen)}
        onRefuse={() => setStage({ kind: 'pick', message: { level: 'error', text: `refused ${stage.address}: its certificate is not the one remembered` } })}
      />
    </Box>
  );
}
