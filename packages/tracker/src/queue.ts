import { MAX_MESSAGE_BYTES } from '@lazo/protocol/limits';
import type { Message } from '@lazo/protocol/types';
import { retryDelay, shouldRetry } from './retry.js';
import { iso } from './session.js';
import { parseJSON } from './store.js';
import type { KV, Send, SendResult } from './types.js';

/** Every tab keeps its own queue under `lazo_q.<tab id>`: a tab only ever sends its own entries. */
export const QUEUE_PREFIX = 'lazo_q.';
/** A queue untouched for this long belongs to a tab that is gone (closed, navigated, frozen): another tab adopts it. */
export const LEASE_MS = 5000;
/** Most messages kept waiting (before consent, or offline); newer ones are dropped, the landing pageview is kept. */
export const MAX_QUEUED = 100;
/** Largest request body: keepalive requests may carry 64 KiB in flight per page (Fetch standard, "keepalive"). */
export const MAX_BATCH_BYTES = 60_000;

type Queued = Message & { messageId: string };
interface Stored {
  /** Last write, ms: the owner's heartbeat. */
  t: number;
  q: Queued[];
}

export interface QueueDeps {
  kv: KV;
  post: Send;
  clock(): number;
  rand(): number;
  /** This tab's id (one per page load). */
  tabKey: string;
  /** Runs `fn` under a lock shared by all tabs of the origin (Web Locks), or directly where there is none. */
  withLock(fn: () => void): void;
  /** `key`: the public write key, sent in the body (sendBeacon cannot set headers). `flushAt`: send as soon as
   * this many messages wait (default 10). `flushInterval`: send at the latest this many ms after a message was
   * queued (default 1000). */
  settings: { key: string; flushAt?: number | undefined; flushInterval?: number | undefined };
}

export interface Queue {
  push(message: Queued): void;
  /** Send what is waiting; `now` skips the wait for a response or a backoff (page hidden, back online). */
  flush(now?: boolean): void;
}

/** UTF-8 length. TextEncoder, not Blob: a Blob is registered with the browser process, a round trip each. */
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

/** `canSend()` is false while consent is pending: messages are kept, not sent. */
export function createQueue(d: QueueDeps, canSend: () => boolean): Queue {
  const { kv, clock, settings } = d;
  const key = QUEUE_PREFIX + d.tabKey;
  /** messageIds of the requests still out */
  const inflight = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** When the pending timer fires (0: none). */
  let due = 0;
  let attempt = 0;
  /** End of the current backoff. */
  let notBefore = 0;

  const load = (k: string): Stored | undefined => parseJSON(kv.get(k));
  const items = (): Queued[] => load(key)?.q ?? [];
  const save = (q: Queued[]) => (q[0] ? kv.set(key, JSON.stringify({ t: clock(), q })) : kv.del(key));
  /** Another tab's queue whose owner has not written it for longer than the lease. */
  const orphan = (k: string) => k.startsWith(QUEUE_PREFIX) && k != key && !(clock() - load(k)?.t! <= LEASE_MS);

  /** Flush at `at` (ms since the epoch), or earlier if a flush is due earlier already. */
  function schedule(at: number) {
    if (due && due <= at) return;
    clearTimeout(timer);
    due = at;
    timer = setTimeout(() => {
      due = 0;
      flush();
    }, at - clock());
  }

  function flush(now?: boolean) {
    if (!canSend()) return;
    // Take over the queues of tabs that are gone, under the lock, so that two tabs never take the same one.
    // Runs on every flush: an orphan is picked up by the next flush of any tab (at the latest when one hides).
    const orphans = kv.keys().filter(orphan);
    if (orphans[0])
      d.withLock(() => {
        for (const k of orphans)
          if (orphan(k)) {
            save(items().concat(load(k)?.q ?? []));
            kv.del(k);
          }
        flush();
      });
    if (!now && inflight.size) return;
    if (!now && clock() < notBefore) return schedule(notBefore);
    const all = items();
    let size = 0;
    const batch = all.filter((m) => !inflight.has(m.messageId) && (size += bytes(m)) <= MAX_BATCH_BYTES);
    if (!batch[0]) return;
    save(all); // heartbeat: this tab is alive and owns these
    const ids = batch.map((m) => m.messageId);
    for (const id of ids) inflight.add(id);
    /** The answer, or the network error (no status: retried like a 5xx). */
    const done = ({ status, headers }: Partial<SendResult>) => {
      for (const id of ids) inflight.delete(id);
      if (shouldRetry(status!))
        return schedule((notBefore = clock() + retryDelay(attempt++, +headers?.get('Retry-After')!, d.rand)));
      // Delivered, or refused for good (4xx): either way these are done.
      attempt = notBefore = 0;
      const rest = items().filter((m) => !ids.includes(m.messageId));
      save(rest);
      if (rest[0]) flush();
    };
    d.post(JSON.stringify({ batch, sentAt: iso(clock()), writeKey: settings.key })).then(done, done);
  }

  return {
    push(message) {
      const q = items();
      if (q.push(message) <= MAX_QUEUED && bytes(message) <= MAX_MESSAGE_BYTES) save(q);
      if (q.length < (settings.flushAt ?? 10)) schedule(clock() + (settings.flushInterval ?? 1000));
      else flush();
    },
    flush,
  };
}
