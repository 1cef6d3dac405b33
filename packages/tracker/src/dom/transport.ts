import type { Send } from '../types.js';

/**
 * POST a batch as `text/plain` (a CORS-safelisted type: no preflight, and what sendBeacon sends) with
 * `keepalive`, so that a request started while the page unloads still completes. Batches stay under
 * 60 KB, inside the 64 KiB keepalive budget. Where fetch is missing or refuses at once, sendBeacon.
 */
export const createTransport =
  (url: string): Send =>
  async (body) => {
    try {
      // Returned, not awaited: a rejection (network error) is the queue's to handle, as status 0.
      return fetch(url, { method: 'POST', body, keepalive: true });
    } catch {
      return { status: navigator.sendBeacon(url, body) ? 202 : 0 };
    }
  };
