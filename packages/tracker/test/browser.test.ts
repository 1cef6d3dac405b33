import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../apps/server/test/helpers/test-server.js';
import { CHROMIUM, CHROMIUM_ARGS, recordBatches, sleep, startPageServer, waitFor, type Scenario, type Variant } from './e2e/harness.js';

/**
 * The tracker in real Chromium against the real Lazo server (PGlite), for the script-tag bundle and for
 * the npm build. Assertions read what the server stored (`events`, `sessions`) and what the browser sent.
 */
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') {
  describe('chromium', () => {
    it(`is installed at ${CHROMIUM} (CI must not skip the browser suite)`, () => {
      expect.fail(`${CHROMIUM} is missing: apt-get install -y chromium`);
    });
  });
}

interface EventRow {
  message_id: string;
  type: string;
  event: string | null;
  anonymous_id: string;
  user_id: string | null;
  session_id: string;
  traits: Record<string, unknown> | null;
  context: { campaign?: Record<string, string>; page?: { path?: string } } | null;
}
interface SessionRow {
  session_id: string;
  anonymous_id: string;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
}

describe.skipIf(!haveChromium)('tracker in Chromium, against the server', () => {
  let browser: Browser;
  let pages: Awaited<ReturnType<typeof startPageServer>>;
  let server: TestServer;

  beforeAll(async () => {
    pages = await startPageServer();
    server = await startTestServer({ engine: 'pglite', origins: [pages.origin] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await pages?.close();
  });

  /** A fresh site (isolates the rows), a fresh browser context (isolates cookies and storage), a page base URL. */
  async function setup(variant: Variant, s: Omit<Scenario, 'variant' | 'key' | 'host'> = {}, contextInit?: (c: BrowserContext) => Promise<unknown>) {
    const site = await server.newSite([pages.origin]);
    const base = pages.add({ variant, key: site.publicKey, host: server.url, ...s });
    const context = await browser.newContext();
    await contextInit?.(context);
    const batches = recordBatches(context);
    const events = () =>
      server.query<EventRow>(
        'select message_id, type, event, anonymous_id, user_id, session_id, traits, context from events where site_id = $1 order by ts, message_id',
        [site.siteId],
      );
    const sessions = () =>
      server.query<SessionRow>('select session_id, anonymous_id, utm_source, utm_medium, utm_campaign from sessions where site_id = $1', [site.siteId]);
    const eventsWhen = (ok: (rows: EventRow[]) => boolean, ms?: number) => waitFor(events, ok, ms);
    const open = async (path = '/') => {
      const page = await context.newPage();
      await page.goto(base + path);
      await page.waitForFunction(() => typeof (window as unknown as { lazo?: { q?: unknown } }).lazo === 'function' && !(window as unknown as { lazo: { q?: unknown } }).lazo.q);
      return page;
    };
    const idCookie = async () => (await context.cookies()).find((c) => c.name === 'lazo_id')?.value;
    const storageKeys = (page: Page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('lazo')));
    return { site, base, context, batches, events, sessions, eventsWhen, open, idCookie, storageKeys };
  }
  const call = (page: Page, ...args: unknown[]) =>
    page.evaluate((a) => (window as unknown as { lazo: (...x: unknown[]) => unknown }).lazo(...a), args);

  for (const variant of ['iife', 'esm'] as const) {
    describe(variant, () => {
      it('consent required: no cookie, no storage, no request before the grant; then the buffered events arrive under the new id', async () => {
        const t = await setup(variant, { options: { consent: 'required' } });
        const page = await t.open('/pricing');
        await call(page, 'track', 'Viewed Pricing', { plan: 'pro' });
        await sleep(1500);
        expect(await t.idCookie()).toBeUndefined();
        expect(await t.storageKeys(page)).toEqual([]);
        expect(await page.evaluate(() => document.cookie)).toBe('');
        expect(t.batches.requests).toHaveLength(0);

        await call(page, 'consent', 'granted');
        const rows = await t.eventsWhen((r) => r.length >= 2);
        const id = await t.idCookie();
        expect(id).toMatch(/^[0-9a-z]{20}$/);
        expect(rows.map((r) => [r.type, r.event])).toEqual([
          ['page', null],
          ['track', 'Viewed Pricing'],
        ]);
        expect(new Set(rows.map((r) => r.anonymous_id))).toEqual(new Set([id]));
        await t.context.close();
      });

      it('deny: nothing is stored or sent', async () => {
        const t = await setup(variant, { options: { consent: 'required' } });
        const page = await t.open();
        await call(page, 'track', 'Before');
        await call(page, 'consent', 'denied');
        await call(page, 'track', 'After');
        await page.evaluate(() => history.pushState(null, '', 'next'));
        await sleep(2000);
        expect(t.batches.requests).toHaveLength(0);
        expect(await t.idCookie()).toBeUndefined();
        expect(await t.storageKeys(page)).toEqual([]);
        expect(await t.events()).toEqual([]);
        await t.context.close();
      });

      it('withdraw: the cookie and the stored queue are gone, and what was queued is never sent — in every tab', async () => {
        const t = await setup(variant, { options: { consent: 'granted' } });
        await t.context.route('**/v1/batch', (route) => route.abort('internetdisconnected'));
        const page = await t.open();
        const other = await t.open('/other');
        await call(page, 'track', 'Queued');
        await call(other, 'track', 'Queued elsewhere');
        await sleep(1500);
        expect(await t.idCookie()).toBeTruthy();
        expect((await t.storageKeys(page)).some((k) => k.startsWith('lazo_q.'))).toBe(true);
        await call(page, 'consent', 'denied');
        expect(await t.idCookie()).toBeUndefined();
        expect(await t.storageKeys(page)).toEqual([]);
        expect(await call(other, 'consent')).toBe('denied'); // told through the storage event
        await call(other, 'track', 'After withdrawal');
        await t.context.unroute('**/v1/batch');
        for (const p of [page, other]) await p.evaluate(() => window.dispatchEvent(new Event('online')));
        await sleep(1500);
        expect(await t.idCookie()).toBeUndefined();
        expect(await t.storageKeys(other)).toEqual([]);
        expect(await t.events()).toEqual([]);
        await t.context.close();
      });

      it('Global Privacy Control: nothing, even when the site grants', async () => {
        const t = await setup(variant, { options: { consent: 'granted' } }, (c) =>
          c.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })),
        );
        const page = await t.open();
        expect(await call(page, 'consent', 'granted')).toBe('denied');
        await call(page, 'track', 'X');
        await sleep(2000);
        expect(t.batches.requests).toHaveLength(0);
        expect(await t.idCookie()).toBeUndefined();
        expect(await t.storageKeys(page)).toEqual([]);
        await t.context.close();
      });

      it('UTM landing: the campaign is on every event of the visit and on the session row', async () => {
        const t = await setup(variant, { options: { consent: 'granted' }, body: '<a id="next" href="pricing">pricing</a>' });
        const page = await t.open('/landing?utm_source=newsletter&utm_medium=email&utm_campaign=spring&gclid=G1');
        await call(page, 'track', 'Clicked CTA');
        await page.click('#next'); // a full page load without UTMs: same visit, same campaign
        await page.waitForFunction(() => typeof (window as unknown as { lazo?: unknown }).lazo === 'function');
        const rows = await t.eventsWhen((r) => r.length >= 3);
        expect(rows).toHaveLength(3);
        for (const r of rows) expect(r.context?.campaign).toEqual({ source: 'newsletter', medium: 'email', name: 'spring', gclid: 'G1' });
        expect(new Set(rows.map((r) => r.session_id)).size).toBe(1);
        const sessions = await waitFor(t.sessions, (s) => s.length > 0);
        expect(sessions).toEqual([
          { session_id: rows[0]!.session_id, anonymous_id: rows[0]!.anonymous_id, utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring' },
        ]);
        await t.context.close();
      });

      it('SPA navigation: one pageview per route change', async () => {
        const t = await setup(variant, { options: { consent: 'granted' } });
        const page = await t.open('/app?utm_source=x');
        // Navigations a few ms apart, as a person makes them: rows are read in timestamp order, and two
        // pageviews within one millisecond would fall back to the random messageId order (a flaky test).
        await page.evaluate(async () => {
          const tick = () => new Promise((r) => setTimeout(r, 5));
          history.replaceState(null, '', location.pathname); // strips the query: not a route change
          await tick();
          history.pushState(null, '', 'app/settings'); // relative to /s/<id>/
          await tick();
          history.pushState(null, '', location.pathname); // the same path again: nothing
          await tick();
          history.pushState(null, '', 'billing');
        });
        await page.goBack(); // popstate → settings
        await page.waitForURL(/settings$/);
        const rows = await t.eventsWhen((r) => r.length >= 4);
        await sleep(1200);
        const pages = (await t.events()).filter((r) => r.type === 'page').map((r) => r.context?.page?.path?.replace(/^\/s\/[^/]+/, ''));
        expect(pages).toEqual(['/app', '/app/settings', '/app/billing', '/app/settings']);
        expect(rows.length).toBe(4);
        await t.context.close();
      });

      it('a form submit that navigates away: the event and the identify arrive', async () => {
        const t = await setup(variant, {
          options: { consent: 'granted' },
          body: `<form id="lead" action="thanks" method="post">
            <input name="email" type="email" value="ada@example.com"><input name="password" type="password" value="hunter2">
            <button id="go">Send</button></form>`,
        });
        const page = await t.open('/contact');
        await Promise.all([page.waitForURL(/thanks$/), page.click('#go')]);
        const rows = await t.eventsWhen((r) => r.some((x) => x.type === 'identify') && r.some((x) => x.event === 'Form Submitted'));
        const submitted = rows.find((r) => r.event === 'Form Submitted')!;
        const identify = rows.find((r) => r.type === 'identify')!;
        expect(identify.traits).toEqual({ email: 'ada@example.com' });
        expect(identify.anonymous_id).toBe(submitted.anonymous_id);
        const sent = t.batches.messages().find((m) => m.type === 'track')!;
        expect(sent).toMatchObject({ event: 'Form Submitted', properties: { formId: 'lead', formAction: 'thanks', fields: ['email'] } });
        expect(JSON.stringify(t.batches.messages())).not.toContain('hunter2');
        await t.context.close();
      });

      it('the server answering 503 then recovering: each event stored once', async () => {
        const t = await setup(variant, { options: { consent: 'granted', flushAt: 3 } });
        let failures = 2;
        await t.context.route('**/v1/batch', (route) =>
          failures-- > 0
            ? route.fulfill({
                status: 503,
                headers: { 'retry-after': '1', 'access-control-allow-origin': '*', 'access-control-expose-headers': 'retry-after' },
                body: '{"error":{"code":"LAZO_ERR_UNAVAILABLE","message":"overloaded"}}',
              })
            : route.continue(),
        );
        const page = await t.open();
        for (let i = 0; i < 5; i++) await call(page, 'track', `E${i}`);
        const rows = await t.eventsWhen((r) => r.length >= 6, 20_000);
        expect(rows).toHaveLength(6);
        expect(new Set(rows.map((r) => r.message_id)).size).toBe(6);
        expect(t.batches.requests.filter((r) => r.status === 503).length).toBe(2);
        await t.context.close();
      });

      it('offline, then online: delivered', async () => {
        const t = await setup(variant, { options: { consent: 'granted', flushInterval: 300 } });
        const page = await t.open();
        await t.context.setOffline(true);
        await call(page, 'track', 'Offline 1');
        await call(page, 'track', 'Offline 2');
        await sleep(2500);
        expect(t.batches.delivered().length).toBeLessThanOrEqual(1); // at most the pageview, sent before going offline
        await t.context.setOffline(false);
        const rows = await t.eventsWhen((r) => r.length >= 3);
        expect(rows.map((r) => r.event ?? r.type).sort()).toEqual(['Offline 1', 'Offline 2', 'page']);
        await t.context.close();
      });

      it('two tabs: no event is sent twice, none is lost, including those a closed tab left behind', async () => {
        const t = await setup(variant, { options: { consent: 'granted' } });
        const [a, b] = [await t.open('/a'), await t.open('/b')];
        await Promise.all(
          [a, b].map(async (p, i) => {
            for (let n = 0; n < 12; n++) await call(p, 'track', `Tab${i} ${n}`);
          }),
        );
        await t.eventsWhen((r) => r.length >= 26);
        // A third tab loses its network (say, to a captive portal) with events queued, and is closed.
        const c = await t.open('/c');
        await c.route('**/v1/batch', (route) => route.abort('internetdisconnected'));
        await call(c, 'track', 'Left behind');
        await sleep(1500);
        await c.close({ runBeforeUnload: false });
        await sleep(5500); // the closed tab's lease runs out
        await call(a, 'track', 'Later'); // a's next flush adopts the orphan
        const rows = await t.eventsWhen((r) => r.length >= 29, 20_000);
        expect(rows.map((r) => r.event).filter(Boolean)).toContain('Left behind');
        expect(rows).toHaveLength(29);
        const delivered = t.batches.delivered();
        expect(delivered.length).toBe(new Set(delivered).size); // never sent twice
        await t.context.close();
      });
    });
  }
});
