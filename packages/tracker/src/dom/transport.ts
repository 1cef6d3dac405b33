import type { Send } from '../types.js';

/**
 * POST a batch as `text/plain` (a CORS-safelisted type: no preflight, and what sendBeacon sends) with
 * `keepalive`, so that a request started while the page unloads still completes. Batches stay under
 * 60 KB, inside the 64 KiB keepalive budget. Where fetch is missing or refuses at once, sendBeacon.
 */
export function createTransport(url: string): Send {
  return (body) => {
    try {
      // A rejection (network error) is handled by the queue as status 0.
      return fetch(url, { method: 'POST', body, keepalive: true });
    } catch {
      return Promise.resolve({ status: navigator.sendBeacon(url, body) ? 202 : 0 });
    }
  };
}
