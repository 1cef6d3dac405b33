import { expect } from 'vitest';
import type { CreatedSite } from '../../src/store/sites.js';
import { basic, type TestApp } from './test-server.js';

/** A fixed past instant: timestamps without sentAt are trusted as given (backends importing history). */
export const T0 = Date.parse('2025-06-02T09:00:00.000Z');
/** T0 plus `minutes`, as an ISO timestamp. */
export const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

let seq = 0;
const messageId = () => `m-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

export interface PageOptions {
  session?: string;
  path?: string;
  campaign?: Record<string, string>;
  referrer?: string;
  properties?: Record<string, unknown>;
}

export const page = (anonymousId: string, minutes: number, o: PageOptions = {}) => ({
  type: 'page',
  messageId: messageId(),
  anonymousId,
  timestamp: at(minutes),
  ...(o.properties ? { properties: o.properties } : {}),
  context: {
    page: { url: `https://shop.example${o.path ?? '/'}`, path: o.path ?? '/', ...(o.referrer ? { referrer: o.referrer } : {}) },
    ...(o.campaign ? { campaign: o.campaign } : {}),
    ...(o.session ? { lazo: { sessionId: o.session } } : {}),
  },
});

export const track = (anonymousId: string | null, minutes: number, event: string, properties: Record<string, unknown> = {}, session?: string, userId?: string) => ({
  type: 'track',
  messageId: messageId(),
  anonymousId,
  ...(userId ? { userId } : {}),
  event,
  properties,
  timestamp: at(minutes),
  ...(session ? { context: { lazo: { sessionId: session } } } : {}),
});

export const identify = (anonymousId: string | null, userId: string | null, traits: Record<string, unknown>, minutes: number, session?: string) => ({
  type: 'identify',
  messageId: messageId(),
  anonymousId,
  userId,
  traits,
  timestamp: at(minutes),
  ...(session ? { context: { lazo: { sessionId: session } } } : {}),
});

export const alias = (previousId: string, userId: string, minutes: number) => ({ type: 'alias', messageId: messageId(), previousId, userId, timestamp: at(minutes) });

/** The persons API of one site, with its secret key unless told otherwise. */
export function personsApi(t: TestApp, site: CreatedSite) {
  const request = (method: 'GET' | 'DELETE' | 'POST', url: string, key: string | null = site.secretKey, payload?: unknown) =>
    t.app.inject({ method, url, ...(key ? { headers: { authorization: basic(key) } } : {}), ...(payload ? { payload } : {}) });
  return {
    request,
    /** Sends a batch and expects every message accepted. */
    async send(batch: unknown[], key: string = site.secretKey) {
      const res = await request('POST', '/v1/batch', key, { batch });
      expect(res.statusCode).toBe(200);
      expect(res.json().rejected).toEqual([]);
      return res.json() as { accepted: number };
    },
    /** GET /v1/persons?… or /v1/persons/:id, expecting 200. */
    async profile(query: Record<string, string> | string) {
      const url = typeof query === 'string' ? `/v1/persons/${encodeURIComponent(query)}` : `/v1/persons?${new URLSearchParams(query)}`;
      const res = await request('GET', url);
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    },
    /** The person id a lookup finds, or null on 404. */
    async personId(query: Record<string, string>): Promise<string | null> {
      const res = await request('GET', `/v1/persons?${new URLSearchParams(query)}`);
      if (res.statusCode === 404) return null;
      expect(res.statusCode, res.body).toBe(200);
      return res.json().personId;
    },
  };
}

/** The session ids of a profile's journey, in order. */
export const journeySessions = (profile: { journey: { sessionId: string }[] }) => profile.journey.map((s) => s.sessionId);
