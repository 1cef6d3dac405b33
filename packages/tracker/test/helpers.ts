import type { Message } from '@lazo/protocol/types';
import type { Send, SendResult } from '../src/types.js';

/** A Storage whose keys are own enumerable properties, as with localStorage (Object.keys lists them). */
export function memoryStorage(): Storage {
  const s = Object.create({
    getItem(this: Record<string, string>, k: string) {
      return Object.hasOwn(this, k) ? this[k]! : null;
    },
    setItem(this: Record<string, string>, k: string, v: string) {
      this[k] = String(v);
    },
    removeItem(this: Record<string, string>, k: string) {
      delete this[k];
    },
  });
  return s as Storage;
}

export interface SentBatch {
  batch: (Message & { messageId: string })[];
  sentAt: string;
  writeKey: string;
}

/** A transport that records bodies and answers from a script of results (then 200). */
/** A response with a Retry-After header, as the transport passes it on. */
export const retryAfter = (status: number, seconds: number): SendResult => ({ status, headers: new Headers({ 'Retry-After': String(seconds) }) });

export function fakeSend(script: (SendResult | 'reject')[] = []) {
  const bodies: SentBatch[] = [];
  const send: Send = (body) => {
    bodies.push(JSON.parse(body));
    const next = script.shift() ?? { status: 200 };
    return next === 'reject' ? Promise.reject(new TypeError('Failed to fetch')) : Promise.resolve(next);
  };
  return { send, bodies, ids: () => bodies.flatMap((b) => b.batch.map((m) => m.messageId)) };
}

/** Sequential ids: predictable in assertions. */
export const counter = (prefix = 'id') => {
  let n = 0;
  return () => `${prefix}${++n}`;
};
