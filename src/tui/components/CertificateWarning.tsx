// A server's TLS certificate is not the one remembered for it. It may be an
// impostor between here and the server, or the server's identity was replaced:
// only the user can tell, so nothing goes on until they choose. Accepting takes
// a deliberate 'a' (not Enter, not y: keys typed by habit must not say yes);
// anything that refuses is the default.

import { Priority, useKeypress } from '../hooks/use-keypress.js';
import { Frame } from './Frame.js';

export interface CertificateWarningProps {
  address: string;
  expected: string;
  seen: string;
  width: number;
  onAccept(): void;
  onRefuse(): void;
}

export const WARNING_ROWS = 10;

/** A fingerprint on two rows (sha256: and 16 bytes, then 16), whole at 80 columns. */
export function halves(fp: string): [string, string] {
  const bytes = fp.replace(/^sha256:/, '').split(':');
  if (bytes.length !== 32) return [fp, ''];
  return [`sha256:${bytes.slice(0, 16).join(':')}`, `       ${bytes.slice(16).join(':')}`];
}

export function CertificateWarning({ address, expected, seen, width, onAccept, onRefuse }: CertificateWarningProps) {
  useKeypress((key) => {
    if (key.name === 'a') onAccept();
    else if (['escape', 'n', 'N', 'q'].includes(key.name)) onRefuse();
    // Anything else (Enter and y included) is swallowed: the question stays.
    else return key.name !== 'C-c';
    return true;
  }, Priority.Dialog);
  const [was1, was2] = halves(expected);
  const [now1, now2] = halves(seen);
  const rows = [
    { spec: [{ text: ` The certificate of ${address} has changed.`, bold: true, color: 'error' as const }] },
    { spec: [{ text: `   remembered  ${was1}`, dim: true }] },
    { spec: [{ text: `               ${was2}`, dim: true }] },
    { spec: [{ text: `   now         ${now1}`, bold: true }] },
    { spec: [{ text: `               ${now2}`, bold: true }] },
    { spec: ' Someone may be between you and the server, or its identity was replaced on purpose.' },
    { spec: ' Compare the new fingerprint with what `ferry serve --tls` prints on the server.' },
    { spec: [{ text: ' a accept the new certificate and connect · Esc refuse', dim: true }] },
  ];
  return <Frame width={width} height={WARNING_ROWS} title="warning: certificate changed" focused rows={rows} />;
}
