import { cookieJar } from './dom/cookie.js';
import { watchForms } from './dom/forms.js';
import { randomId } from './dom/random.js';
import { watchRoutes } from './dom/routes.js';
import { createTransport } from './dom/transport.js';
import { createConsentStore } from './store.js';
import { createTracker, STATE_KEY, type Tracker } from './tracker.js';
import type { Lazo, LazoOptions } from './types.js';

export type { ConsentInput, ConsentState, Lazo, LazoOptions } from './types.js';

/** Name of the first-party cookie holding the anonymous id (a site's backend may read it too). */
export const COOKIE_NAME = 'lazo_id';

const METHODS = ['track', 'page', 'identify', 'consent', 'reset', 'flush'] as const;

/** Never throw into the page: a failing call is a lost event, not a broken site. */
const guard =
  <A extends unknown[], R>(fn: (...args: A) => R) =>
  (...args: A): R | undefined => {
    try {
      return fn(...args);
    } catch {
      return undefined;
    }
  };

/** Start the tracker for this page. Call it once. Where there is no DOM (SSR) it returns methods that do nothing. */
export function init(options: LazoOptions): Lazo {
  let tracker: Tracker | undefined;
  // Until (or unless) the tracker is up, every method is a guarded call on nothing: a no-op.
  const api = {} as Record<(typeof METHODS)[number], (...args: unknown[]) => unknown>;
  for (const m of METHODS) api[m] = guard((...args: unknown[]) => (tracker![m] as (...a: unknown[]) => unknown)(...args));
  try {
    const nav = navigator as Navigator & { globalPrivacyControl?: boolean; locks?: LockManager };
    const o = {
      consent: 'required',
      gpc: true,
      cookieDays: 390,
      pageviews: true,
      forms: true,
      flushAt: 10,
      flushInterval: 1000,
      host: location.origin,
      ...options,
    } as Required<LazoOptions>;
    o.gpc &&= !!nav.globalPrivacyControl;
    const t = (tracker = createTracker({
      settings: o,
      kv: createConsentStore(() => localStorage),
      idCookie: cookieJar(COOKIE_NAME, o.cookieDays, o.cookieDomain),
      post: createTransport(o.host.replace(/\/$/, '') + '/v1/batch'),
      clock: Date.now,
      rand: Math.random,
      newId: randomId,
      tabKey: randomId(),
      withLock: (fn) => (nav.locks ? void nav.locks.request('lazo', guard(fn)).catch(guard) : fn()),
      loc: location,
      doc: document,
    }));
    const on = (target: EventTarget, type: string, fn: (e: Event) => unknown) => target.addEventListener(type, guard(fn));

    // Deliver before the page goes away or into the bfcache: visibilitychange is the last event mobile browsers reliably fire.
    const flushNow = () => t.flush(true);
    on(document, 'visibilitychange', () => document.visibilityState === 'hidden' && flushNow());
    on(window, 'pagehide', flushNow);
    on(window, 'online', flushNow);
    // Consent withdrawn in another tab: its wipe deleted the state key (nothing else deletes it).
    on(window, 'storage', (e) => (e as StorageEvent).key === STATE_KEY && !(e as StorageEvent).newValue && t.consent('denied'));
    if (o.pageviews) {
      watchRoutes(api.page, !!o.hash);
      on(window, 'pageshow', (e) => (e as PageTransitionEvent).persisted && api.page());
      api.page();
    }
    if (o.forms) watchForms(t, !!o.decorate);
  } catch {
    // no DOM, or a browser without what we need: the no-op methods stay
  }
  return api as unknown as Lazo;
}
