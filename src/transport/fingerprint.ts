// Certificate fingerprints as ferry prints and reads them:
//   sha256:AB:CD:…:EF   (SHA-256 of the certificate's DER, 32 colon-separated bytes)
// the same hex as `openssl x509 -noout -fingerprint -sha256 -in cert.pem`, so a
// person can check it with a tool they already trust. Input is lenient about
// case, colons and the `sha256:` prefix, since people paste it from anywhere.

import { X509Certificate } from 'node:crypto';

/** The fingerprint of a PEM certificate. */
export function fingerprintOf(certPem: string | Buffer): string {
  return `sha256:${new X509Certificate(certPem).fingerprint256}`;
}

/** The canonical form of a fingerprint typed by a person, or null if it is not one. */
export function normaliseFingerprint(text: string): string | null {
  const hex = text
    .trim()
    .replace(/^sha256:/i, '')
    .replace(/:/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return `sha256:${hex.match(/../g)!.join(':')}`;
}
