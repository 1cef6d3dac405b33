import type { Message, MessageContext } from '@lazo/protocol/types';
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
  consent: 'required' | 'granted';
  /** The browser sends Global Privacy Control and the site honours it. */
  gpc: boolean;
  flushAt: number;
  flushInterval: number;
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
  const o = d.settings;
  const cookie = d.idCookie;
  // The cookie is read once: every document.cookie access is a synchronous round trip to the browser process.
  let written = cookie.get();
  let consent = initialConsent(o.consent, o.gpc, !!written);
  let anonymousId = written || d.newId();

  const queue = createQueue(d, () => consent === 'granted');

  const read = (): State => parseJSON(d.kv.get(STATE_KEY)) || {};
  const write = (state: State) => d.kv.set(STATE_KEY, JSON.stringify(state));

  /**
   * The cookie gets the id when consent allows and the id is new to it; it is not re-written on later
   * visits, so it expires `cookieDays` after it was set. Between tabs the id travels in the state (`a`).
   */
  const syncCookie = () => {
    if (consent === 'granted' && written !== anonymousId) cookie.set((written = anonymousId));
  };
  const newAnonymousId = () => {
    anonymousId = d.newId();
    syncCookie();
  };

  const grant = () => {
    d.kv.keepOnDevice();
    syncCookie();
  };
  const wipe = () => {
    d.kv.wipe();
    cookie.del();
    anonymousId = d.newId();
    written = undefined;
  };
  if (consent === 'granted') grant();
  else if (consent === 'denied') wipe();

  /** Build a message and queue it; `update` may change the state (identify) before the session is resolved. */
  function enqueue(type: Message['type'], fields: object, update?: (state: State) => void) {
    if (consent === 'denied') return;
    const { loc, doc } = d;
    const now = d.clock();
    const state = read();
    anonymousId = state.a ||= anonymousId; // another tab may have changed it (reset, another person)
    update?.(state);
    state.a = anonymousId;
    syncCookie();
    const session = (state.s = nextSession(
      state.s,
      now,
      { campaign: parseCampaign(loc.search), referrer: externalReferrer(doc.referrer, loc.host) },
      d.newId,
    ));
    state.f ||= firstTouchOf(session, loc.href);
    write(state);
    const context: MessageContext = {
      page: { url: loc.href, path: loc.pathname, search: loc.search, referrer: doc.referrer, title: doc.title },
      campaign: session.campaign,
      lazo: { sessionId: session.id, firstTouch: type === 'identify' ? state.f : undefined },
    };
    queue.push({
      type,
      messageId: d.newId(),
      anonymousId,
      userId: state.u,
      timestamp: iso(now),
      context,
      ...fields,
    } as Message & { messageId: string });
  }

  return {
    track: (event, properties) => enqueue('track', { event, properties }),
    page: (properties) => enqueue('page', { properties }),
    identify: (userId, traits) =>
      enqueue('identify', { traits }, (state) => {
        if (switchesPerson(state.u, userId)) {
          newAnonymousId();
          state.s = state.f = undefined;
        }
        if (userId != null) state.u = String(userId);
      }),
    consent(input?: ConsentInput) {
      const next = consentReducer(consent, input, o.gpc);
      if (next !== consent) {
        consent = next;
        if (next === 'denied') wipe();
        else {
          grant();
          queue.flush();
        }
      }
      return consent;
    },
    reset() {
      newAnonymousId();
      write({ a: anonymousId });
    },
    flush: queue.flush,
    formFields() {
      const fields: Record<string, string> = {};
      if (consent !== 'granted') return fields;
      const state = read();
      fields.lazo_anonymous_id = state.a || anonymousId;
      const campaign: Record<string, string | undefined> = state.s?.campaign ?? {};
      for (const [param, field] of CAMPAIGN_PARAMS) if (campaign[field]) fields[param] = campaign[field];
      return fields;
    },
  };
}
