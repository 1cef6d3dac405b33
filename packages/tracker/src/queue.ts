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
   * this many messages wait. `flushInterval`: send at the latest this many ms after a message was queued. */
  settings: { key: string; flushAt: number; flushInterval: number };
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
  const key = QUEUE_PREFIX + d.tabKey;
  const inflight = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let due = 0;
  let attempt = 0;
  let notBefore = 0;

  const load = (k: string): Stored | undefined => parseJSON(d.kv.get(k)) ?? undefined;
  const items = () => load(key)?.q ?? [];
  const save = (q: Queued[]) => (q.length ? d.kv.set(key, JSON.stringify({ t: d.clock(), q })) : d.kv.del(key));

  function schedule(ms: number) {
    const at = d.clock() + ms;
    if (timer !== undefined && due <= at) return;
    clearTimeout(timer);
    due = at;
    timer = setTimeout(() => {
      timer = undefined;
      flush();
    }, ms);
  }

  /**
   * Take over the queues of tabs that are gone; the lock keeps two tabs from taking the same one. Runs
   * on every flush, so an orphan is picked up by the next flush of any tab (at the latest when one hides).
   */
  function adopt() {
    for (const k of d.kv.keys()) {
      if (!k.startsWith(QUEUE_PREFIX) || k === key) continue;
      if (d.clock() - (load(k)?.t ?? 0) <= LEASE_MS) continue;
      d.withLock(() => {
        const orphan = load(k);
        if (orphan && d.clock() - orphan.t <= LEASE_MS) return;
        d.kv.del(k);
        save(items().concat(orphan?.q ?? []));
        flush();
      });
    }
  }

  function flush(now = false) {
    if (!canSend()) return;
    adopt();
    if (!now && inflight.size) return;
    if (!now && d.clock() < notBefore) return schedule(notBefore - d.clock());
    const all = items();
    const batch: Queued[] = [];
    let size = 0;
    for (const m of all) {
      if (inflight.has(m.messageId)) continue;
      size += bytes(m);
      if (size > MAX_BATCH_BYTES) break;
      batch.push(m);
    }
    if (!batch.length) return;
    save(all); // heartbeat: this tab is alive and owns these
    const ids = batch.map((m) => m.messageId);
    for (const id of ids) inflight.add(id);
    d.post(JSON.stringify({ batch, sentAt: iso(d.clock()), writeKey: d.settings.key }))
      .catch(() => ({ status: 0 }))
      .then(({ status, headers }: SendResult) => {
        for (const id of ids) inflight.delete(id);
        if (shouldRetry(status)) {
          notBefore = d.clock() + retryDelay(attempt++, +(headers?.get('Retry-After') || 0), d.rand);
          return schedule(notBefore - d.clock());
        }
        // Delivered, or refused for good (4xx): either way these are done.
        attempt = notBefore = 0;
        const rest = items().filter((m) => !ids.includes(m.messageId));
        save(rest);
        if (rest.length) flush();
      });
  }

  return {
    push(message) {
      const q = items();
      if (q.length < MAX_QUEUED && bytes(message) <= MAX_MESSAGE_BYTES) save([...q, message]);
      if (q.length + 1 >= d.settings.flushAt) flush();
      else schedule(d.settings.flushInterval);
    },
    flush,
  };
}
