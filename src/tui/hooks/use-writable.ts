// What the server lets this client do, as of the connection in use now: read
// again whenever the client is back from a reconnection, so a server restarted
// with (or without) --allow-write is treated as it is, not as it was at start.

import { useEffect, useState } from 'react';
import type { FerryApi } from '../../client/types.js';

export interface Permissions {
  /** Uploads are accepted (the 'upload' feature). */
  upload: boolean;
  /** mkdir, move, remove and copy are accepted (the 'write' feature). */
  write: boolean;
}

function read(api: FerryApi): Permissions {
  return { upload: api.info.features.includes('upload'), write: api.writable };
}

/** `initial`: what the caller already knows about uploads (else it is read from the client). */
export function useWritable(api: FerryApi, initial?: boolean): Permissions {
  const [now, setNow] = useState<Permissions>(() => ({ ...read(api), ...(initial !== undefined ? { upload: initial } : {}) }));
  useEffect(
    () =>
      api.onStatus((s) => {
        if (s.state !== 'connected') return;
        const fresh = read(api);
        setNow((prev) => (prev.upload === fresh.upload && prev.write === fresh.write ? prev : fresh));
      }),
    [api],
  );
  return now;
}
