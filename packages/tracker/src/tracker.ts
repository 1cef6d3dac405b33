import type { Message } from '@lazo/protocol/types';
import { CAMPAIGN_PARAMS, externalReferrer, parseCampaign } from './campaign.js';
import { consentReducer, initialConsent } from './consent.js';
import { switchesPerson } from './identity.js';
import { createQueue } from './queue.js';
import { firstTouchOf, iso, nextSession, type FirstTouch } from './session.js';
import { parseJSON, type ConsentStore } from './store.js';
import type { ConsentInput, Lazo, Send, Session } from './types.js';

/** Key of the visit state on the device: `{a: anonymousId, u: userId, s: session, f: first touch}`. */
export const STATE_KEY = 'lazo';

interface State {
  a?: string | undefined;
  u?: string | undefined;
  s?: Session | undefined;
  f?: FirstTouch | undefined;
}

export interface TrackerOptions {
  key: string;
  /** Any value but `granted` is `required`. */
  consent?: 'required' | 'granted' | undefined;
  /** The browser sends Global Privacy Control and the site honours it. */
  gpc: unknown;
  flushAt?: number | undefined;
  flushInterval?: number | undefined;
}

export interface TrackerDeps {
  settings: TrackerOptions;
  kv: ConsentStore;
  idCookie: { get(): string | undefined; set(value: string): void; del(): void };
  post: Send;
  clock(): number;
  rand(): number;
  newId(): string;
  tabKey: string;
  withLock(fn: () => void): void;
  loc: { href: string; pathname: string; search: string; host: string };
  doc: { referrer: string; title: string };
}

export interface Tracker extends Lazo {
  /** `flush(true)` sends without waiting for an answer or a backoff: the page is being hidden or came back online. */
  flush(now?: boolean): void;
  /** Hidden form fields for the site's own form handler (anonymous id, UTMs, click ids); empty without consent. */
  formFields(): Record<string, string>;
}

/** The tracker's core: consent, identity, session and queue, with every bit of I/O passed in. */
export function createTracker(d: TrackerDeps): Tracker {
  const { settings: o, idCookie: cookie, kv, newId } = d;
  // The cookie is read once: every document.cookie access is a synchronous round trip to the browser process.
  let written = cookie.get();
  let consent = initialConsent(o.consent, o.gpc, !!written);
  let anonymousId = written || newId();

  const queue = createQueue(d, () => consent == 'granted');

  const read = (): State => parseJSON(kv.get(STATE_KEY)) || {};
  /** Store the state; the cookie follows the id (`syncCookie`). */
  const write = (state: State) => {
    kv.set(STATE_KEY, JSON.stringify(state));
    syncCookie();
  };

  /**
   * The cookie gets the id when consent allows and the id is new to it; it is not re-written on later
   * visits, so it expires `cookieDays` after it was set. Between tabs the id travels in the state (`a`).
   */
  const syncCookie = () => {
    if (consent == 'granted' && written != anonymousId) cookie.set((written = anonymousId));
  };

  /** Apply the current consent: granted moves the state to the device, denied deletes everything. */
  const apply = () => {
    if (consent == 'granted') {
      kv.keepOnDevice();
      syncCookie();
    } else if (consent == 'denied') {
      kv.wipe();
      cookie.del();
      anonymousId = newId();
      written = undefined;
    }
  };
  apply();

  /**
   * Build a message and queue it. `userId` (identify only): a userId other than the stored one is another
   * person (a new anonymous id and session); null or undefined keeps the stored one.
   */
  function enqueue(type: Message['type'], fields: object, userId?: string | null) {
    if (consent == 'denied') return;
    const { loc, doc } = d;
    const now = d.clock();
    const state = read();
    anonymousId = state.a || anonymousId; // another tab may have changed it (reset, another person)
    if (switchesPerson(state.u, userId)) {
      anonymousId = newId();
      state.s = state.f = undefined;
    }
    if (userId != null) state.u = String(userId);
    state.a = anonymousId;
    const session = (state.s = nextSession(
      state.s,
      now,
      { campaign: parseCampaign(loc.search), referrer: externalReferrer(doc.referrer, loc.host) },
      newId,
    ));
    state.f ||= firstTouchOf(session, loc.href);
    write(state);
    queue.push({
      type,
      messageId: newId(),
      anonymousId,
      userId: state.u,
      timestamp: iso(now),
      context: {
        page: { url: loc.href, path: loc.pathname, search: loc.search, referrer: doc.referrer, title: doc.title },
        campaign: session.campaign,
        lazo: { sessionId: session.id, firstTouch: type == 'identify' ? state.f : undefined },
      },
      ...fields,
    } as Message & { messageId: string });
  }

  return {
    track: (event, properties) => enqueue('track', { event, properties }),
    page: (properties) => enqueue('page', { properties }),
    identify: (userId, traits) => enqueue('identify', { traits }, userId),
    consent(input?: ConsentInput) {
      const next = consentReducer(consent, input, o.gpc);
      if (next != consent) {
        consent = next;
        apply();
        queue.flush();
      }
      return consent;
    },
    reset() {
      anonymousId = newId();
      write({ a: anonymousId });
    },
    flush: queue.flush,
    formFields() {
      const fields: Record<string, string> = {};
      if (consent == 'granted') {
        const state = read();
        fields.lazo_anonymous_id = state.a || anonymousId;
        const campaign: Record<string, string | undefined> = state.s?.campaign ?? {};
        for (const [param, field] of CAMPAIGN_PARAMS) if (campaign[field]) fields[param] = campaign[field];
      }
      return fields;
    },
  };
}
