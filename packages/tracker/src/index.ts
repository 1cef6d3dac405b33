import { guard } from './guard.js';
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

/** Start the tracker for this page. Call it once. Where there is no DOM (SSR) it returns methods that do nothing. */
export function init(options: LazoOptions): Lazo {
  let tracker: Tracker | undefined;
  // Until (or unless) the tracker is up, every method is a guarded call on nothing: a no-op.
  const api = {} as Record<(typeof METHODS)[number], (...args: unknown[]) => unknown>;
  for (const m of METHODS) api[m] = guard((...args: unknown[]) => (tracker![m] as (...a: unknown[]) => unknown)(...args));
  // no DOM, or a browser without what we need: the no-op methods stay
  guard(() => {
    const nav = navigator as Navigator & { globalPrivacyControl?: boolean; locks?: LockManager };
    // Defaults are applied where each option is read (an options object literal costs more bytes).
    const o = { ...options, gpc: (options.gpc ?? true) && nav.globalPrivacyControl };
    const t = (tracker = createTracker({
      settings: o,
      kv: createConsentStore(() => localStorage),
      idCookie: cookieJar(COOKIE_NAME, o.cookieDays ?? 390, o.cookieDomain),
      post: createTransport((o.host ?? location.origin).replace(/\/$/, '') + '/v1/batch'),
      clock: Date.now,
      rand: Math.random,
      newId: randomId,
      tabKey: randomId(),
      withLock: (fn) => nav.locks?.request('lazo', guard(fn)).catch(guard) ?? fn(),
      loc: location,
      doc: document,
    }));
    const on = (target: EventTarget, type: string, fn: (e: any) => unknown) => target.addEventListener(type, guard(fn));

    // Deliver before the page goes away or into the bfcache: visibilitychange is the last event mobile browsers reliably fire.
    const flushNow = () => t.flush(true);
    on(document, 'visibilitychange', () => document.hidden && flushNow());
    on(window, 'pagehide', flushNow);
    on(window, 'online', flushNow);
    // Consent withdrawn in another tab: its wipe deleted the state key (nothing else deletes it).
    on(window, 'storage', (e: StorageEvent) => e.key == STATE_KEY && !e.newValue && t.consent('denied'));
    if (o.pageviews ?? true) {
      watchRoutes(api.page, o.hash);
      on(window, 'pageshow', (e: PageTransitionEvent) => e.persisted && api.page());
      api.page();
    }
    if (o.forms ?? true) watchForms(t, o.decorate);
  })();
  return api as unknown as Lazo;
}
