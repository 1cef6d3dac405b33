import type { LazoContext, Message, MessageContext } from '@lazo/protocol/types';
import { CAMPAIGN_PARAMS, externalReferrer, parseCampaign } from './campaign.js';
import { consentReducer, initialConsent } from './consent.js';
import { switchesPerson } from './identity.js';
import { createQueue } from './queue.js';
import { firstTouchOf, iso, nextSession, type FirstTouch } from './session.js';
import { parseJSON, type ConsentStore } from './store.js';
import type { ConsentInput, Lazo, Send, Session } from './types.js';

/** Key of the visit state on the device: `{u: userId, s: session, f: first touch}`. */
export const STATE_KEY = 'lazo';

/** `context.lazo` plus the visit's external referrer, so that any event of a visit tells where it came from. */
type LazoCtx = LazoContext & { referrer?: string | undefined };

interface State {
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
  let consent = initialConsent(o.consent, o.gpc, !!cookie.get());
  let anonymousId = cookie.get() || d.newId();

  const queue = createQueue(d, () => consent === 'granted');

  const read = (): State => parseJSON(d.kv.get(STATE_KEY)) || {};
  const write = (state: State) => d.kv.set(STATE_KEY, JSON.stringify(state));

  /** With consent the cookie is the truth (another tab may have reset it); it is written once, not extended. */
  const syncCookie = () => {
    if (consent !== 'granted') return;
    const stored = cookie.get();
    if (stored) anonymousId = stored;
    else cookie.set(anonymousId);
  };
  const newAnonymousId = () => {
    anonymousId = d.newId();
    if (consent === 'granted') cookie.set(anonymousId);
  };

  const grant = () => {
    d.kv.keepOnDevice();
    syncCookie();
  };
  const wipe = () => {
    d.kv.wipe();
    cookie.del();
    anonymousId = d.newId();
  };
  if (consent === 'granted') grant();
  else if (consent === 'denied') wipe();

  /** Build a message and queue it; `update` may change the state (identify) before the session is resolved. */
  function enqueue(type: Message['type'], fields: object, update?: (state: State) => void) {
    if (consent === 'denied') return;
    syncCookie();
    const { loc, doc } = d;
    const now = d.clock();
    const state = read();
    update?.(state);
    const session = (state.s = nextSession(
      state.s,
      now,
      { campaign: parseCampaign(loc.search), referrer: externalReferrer(doc.referrer, loc.host) },
      d.newId,
    ));
    state.f ||= firstTouchOf(session, loc.href);
    write(state);
    const context: MessageContext & { lazo: LazoCtx } = {
      page: { url: loc.href, path: loc.pathname, search: loc.search, referrer: doc.referrer, title: doc.title },
      campaign: session.campaign,
      lazo: { sessionId: session.id, referrer: session.referrer, firstTouch: type === 'identify' ? state.f : undefined },
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
      write({});
    },
    flush: queue.flush,
    formFields() {
      const fields: Record<string, string> = {};
      if (consent !== 'granted') return fields;
      syncCookie();
      fields.lazo_anonymous_id = anonymousId;
      const campaign: Record<string, string | undefined> = read().s?.campaign ?? {};
      for (const [param, field] of CAMPAIGN_PARAMS) if (campaign[field]) fields[param] = campaign[field];
      return fields;
    },
  };
}
