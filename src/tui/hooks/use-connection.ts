// Connection state for the status line: pushed by the client (onStatus) and
// refreshed by a periodic ping that also measures latency.

import { useEffect, useState } from 'react';
import type { ConnectionStatus, FerryApi } from '../../client/types.js';
import { errorText } from '../errors.js';

export const PING_INTERVAL_MS = 5000;

export function useConnection(api: FerryApi, pingIntervalMs = PING_INTERVAL_MS): ConnectionStatus {
  const [status, setStatus] = useState<ConnectionStatus>({ state: 'connected' });
  useEffect(() => {
    let alive = true;
    const off = api.onStatus((s) => {
      if (alive) setStatus((prev) => ({ ...s, latencyMs: s.latencyMs ?? prev.latencyMs }));
    });
    const ping = () => {
      api.ping().then(
        (ms) => {
          if (alive) setStatus((prev) => (prev.state === 'closed' ? prev : { state: 'connected', latencyMs: ms }));
        },
        (err: unknown) => {
          if (alive) setStatus((prev) => ({ ...prev, state: prev.state === 'closed' ? 'closed' : 'reconnecting', error: errorText(err) }));
        },
      );
    };
    ping();
    const timer = setInterval(ping, pingIntervalMs);
    return () => {
      alive = false;
      clearInterval(timer);
      off();
    };
  }, [api, pingIntervalMs]);
  return status;
}
