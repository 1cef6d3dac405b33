import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createConsentStore } from '../src/store.js';
import { createTracker, STATE_KEY, type TrackerDeps } from '../src/tracker.js';
import type { SendResult } from '../src/types.js';
import { counter, fakeSend, memoryStorage } from './helpers.js';

function setup(o: { consent?: 'required' | 'granted'; gpc?: boolean; cookie?: string; device?: Storage; href?: string; referrer?: string; script?: (SendResult | 'reject')[]; tab?: string } = {}) {
  const device = o.device ?? memoryStorage();
  let cookie: string | undefined = o.cookie;
  const net = fakeSend(o.script);
  const url = new URL(o.href ?? 'https://shop.example/');
  const loc = { href: url.href, pathname: url.pathname, search: url.search, host: url.host };
  const doc = { referrer: o.referrer ?? '', title: 'Shop' };
  const deps: TrackerDeps = {
    settings: { key: 'pk_test', consent: o.consent ?? 'required', gpc: !!o.gpc, flushAt: 10, flushInterval: 1000 },
    kv: createConsentStore(() => device),
    idCookie: { get: () => cookie, set: (v) => void (cookie = v), del: () => void (cookie = undefined) },
    post: net.send,
    clock: Date.now,
    rand: () => 0.5,
    newId: counter(o.tab ?? 'id'),
    tabKey: o.tab ?? 'tab',
    withLock: (fn) => fn(),
    loc,
    doc,
  };
  const tracker = createTracker(deps);
  const go = (href: string) => {
    const u = new URL(href);
    Object.assign(loc, { href: u.href, pathname: u.pathname, search: u.search, host: u.host });
  };
  const setCookie = (v: string) => void (cookie = v);
  return { tracker, net, device, cookie: () => cookie, setCookie, go, doc, messages: () => net.bodies.flatMap((b) => b.batch) };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.UTC(2026, 0, 1));
});
afterEach(() => vi.useRealTimers());
const settle = () => vi.advanceTimersByTimeAsync(2000);

describe('consent', () => {
  it('required: nothing stored, nothing sent until granted; then the buffered events go under the new id', async () => {
    const t = setup();
    t.tracker.page();
    t.tracker.track('Clicked');
    await settle();
    expect(t.cookie()).toBeUndefined();
    expect(Object.keys(t.device)).toEqual([]);
    expect(t.net.bodies).toHaveLength(0);
    expect(t.tracker.consent('granted')).toBe('granted');
    await settle();
    const ms = t.messages();
    expect(ms.map((m) => m.type)).toEqual(['page', 'track']);
    expect(new Set(ms.map((m) => m.anonymousId))).toEqual(new Set([t.cookie()]));
    expect(t.device.getItem(STATE_KEY)).toBeTruthy();
  });

  it.each([
    ['denied', 'denied' as const],
    ['Consent Mode denial', { analytics_storage: 'denied' as const }],
  ])('deny (%s) drops what was buffered and records nothing more', async (_name, input) => {
    const t = setup();
    t.tracker.page();
    t.tracker.consent(input);
    t.tracker.track('After');
    await settle();
    expect(t.net.bodies).toHaveLength(0);
    expect(t.cookie()).toBeUndefined();
    expect(Object.keys(t.device)).toEqual([]);
  });

  it('Consent Mode v2 grant works like granted', async () => {
    const t = setup();
    t.tracker.page();
    t.tracker.consent({ analytics_storage: 'granted' });
    await settle();
    expect(t.messages()).toHaveLength(1);
  });

  it('withdrawing deletes the cookie and the stored queue and state', async () => {
    const t = setup({ consent: 'granted', script: ['reject'] });
    t.tracker.page();
    await vi.advanceTimersByTimeAsync(1000);
    expect(Object.keys(t.device).length).toBeGreaterThan(0);
    t.tracker.consent('denied');
    expect(t.cookie()).toBeUndefined();
    expect(Object.keys(t.device)).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.net.bodies).toHaveLength(1); // the failed attempt; no retry after the withdrawal
  });

  it('a granted consent is remembered by the cookie on the next page', () => {
    const t = setup({ cookie: 'abc' });
    expect(t.tracker.consent()).toBe('granted');
  });

  it('GPC: nothing, even after a grant, and leftovers are wiped', async () => {
    const device = memoryStorage();
    device.setItem('lazo', '{"u":"x"}');
    const t = setup({ consent: 'granted', gpc: true, cookie: 'old', device });
    expect(t.cookie()).toBeUndefined();
    expect(Object.keys(device)).toEqual([]);
    t.tracker.page();
    expect(t.tracker.consent('granted')).toBe('denied');
    t.tracker.track('X');
    await settle();
    expect(t.net.bodies).toHaveLength(0);
  });
});

describe('messages', () => {
  it('follow the Segment spec with page, campaign and session context', async () => {
    const t = setup({ consent: 'granted', href: 'https://shop.example/lp?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=G', referrer: 'https://www.google.com/' });
    t.tracker.page({ variant: 'b' });
    await settle();
    const [m] = t.messages();
    expect(m).toEqual({
      type: 'page',
      messageId: expect.any(String),
      anonymousId: t.cookie(),
      timestamp: '2026-01-01T00:00:00.000Z',
      properties: { variant: 'b' },
      context: {
        page: { url: 'https://shop.example/lp?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=G', path: '/lp', search: '?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=G', referrer: 'https://www.google.com/', title: 'Shop' },
        campaign: { source: 'google', medium: 'cpc', name: 'spring', gclid: 'G' },
        lazo: { sessionId: expect.any(String) },
      },
    });
  });

  it('every event of the session carries the landing campaign; a new campaign starts a new session', async () => {
    const t = setup({ consent: 'granted', href: 'https://shop.example/?utm_source=a' });
    t.tracker.page();
    t.go('https://shop.example/pricing');
    t.tracker.page();
    t.tracker.track('Viewed Plans');
    t.go('https://shop.example/?utm_source=b');
    t.tracker.page();
    vi.advanceTimersByTime(31 * 60 * 1000);
    t.go('https://shop.example/pricing');
    t.tracker.page();
    await settle();
    const ms = t.messages();
    expect(ms.map((m) => m.context?.campaign?.source)).toEqual(['a', 'a', 'a', 'b', undefined]);
    const sessions = ms.map((m) => m.context?.lazo?.sessionId);
    expect(new Set(sessions.slice(0, 3)).size).toBe(1);
    expect(new Set(sessions).size).toBe(3);
  });

  it('identify carries the first touch, stored once and never overwritten', async () => {
    const t = setup({ consent: 'granted', href: 'https://shop.example/?utm_source=first', referrer: 'https://news.example/' });
    t.tracker.page();
    vi.advanceTimersByTime(40 * 60 * 1000);
    t.go('https://shop.example/?utm_source=second');
    t.tracker.page();
    t.tracker.identify('u1', { email: 'a@b.example' });
    await settle();
    const identify = t.messages().find((m) => m.type === 'identify')!;
    expect(identify).toMatchObject({ userId: 'u1', traits: { email: 'a@b.example' } });
    expect(identify.context?.lazo?.firstTouch).toEqual({
      id: expect.any(String),
      campaign: { source: 'first' },
      referrer: 'https://news.example/',
      landingUrl: 'https://shop.example/?utm_source=first',
      at: '2026-01-01T00:00:00.000Z',
    });
    expect(identify.context?.campaign).toEqual({ source: 'second' });
  });

  it('after identify, events carry the userId; another userId gets a new anonymous id and session; reset forgets', async () => {
    const t = setup({ consent: 'granted' });
    t.tracker.page();
    const first = t.cookie();
    t.tracker.identify('alice');
    t.tracker.track('A');
    t.tracker.identify(null, { plan: 'pro' });
    t.tracker.identify('bob');
    t.tracker.track('B');
    t.tracker.reset();
    t.tracker.track('C');
    await settle();
    const ms = t.messages();
    const by = (i: number) => ({ anonymousId: ms[i]!.anonymousId, userId: ms[i]!.userId, session: ms[i]!.context?.lazo?.sessionId });
    expect(by(1)).toMatchObject({ anonymousId: first, userId: 'alice' });
    expect(by(2)).toMatchObject({ anonymousId: first, userId: 'alice' });
    expect(by(3)).toMatchObject({ anonymousId: first, userId: 'alice' }); // traits only
    expect(by(4).anonymousId).not.toBe(first);
    expect(by(4).userId).toBe('bob');
    expect(by(4).session).not.toBe(by(1).session);
    expect(by(5)).toEqual(by(4));
    expect(by(6).anonymousId).not.toBe(by(4).anonymousId);
    expect(by(6).userId).toBeUndefined();
    expect(t.cookie()).toBe(by(6).anonymousId);
  });

  it('adopts an anonymous id another tab changed (reset, another person)', async () => {
    const device = memoryStorage();
    const a = setup({ consent: 'granted', device, tab: 'a' });
    const b = setup({ consent: 'granted', device, tab: 'b' });
    a.tracker.page();
    b.tracker.page();
    b.tracker.reset();
    a.tracker.track('X');
    await settle();
    const [first, second] = a.messages();
    expect(first!.anonymousId).not.toBe(second!.anonymousId);
    expect(second!.anonymousId).toBe(b.cookie());
  });

  it('formFields: anonymous id, UTMs and click ids, only with consent', () => {
    const t = setup({ href: 'https://shop.example/?utm_source=google&utm_campaign=spring&gclid=G' });
    t.tracker.page();
    expect(t.tracker.formFields()).toEqual({});
    t.tracker.consent('granted');
    expect(t.tracker.formFields()).toEqual({ lazo_anonymous_id: t.cookie(), utm_source: 'google', utm_campaign: 'spring', gclid: 'G' });
  });
});
