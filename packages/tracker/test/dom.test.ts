// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cookieJar } from '../src/dom/cookie.js';
import { watchForms } from '../src/dom/forms.js';
import { randomId } from '../src/dom/random.js';
import { watchRoutes } from '../src/dom/routes.js';
import { createTransport } from '../src/dom/transport.js';
import { init } from '../src/index.js';

describe('cookieJar', () => {
  const fakeDoc = () => {
    const writes: string[] = [];
    let jar = 'other=1';
    return {
      writes,
      doc: {
        get cookie() {
          return jar;
        },
        set cookie(v: string) {
          writes.push(v);
          const [pair] = v.split(';');
          const [name] = pair!.split('=');
          jar = [...jar.split('; ').filter((c) => c && !c.startsWith(name + '=')), ...(v.includes('Max-Age=0') ? [] : [pair])].join('; ');
        },
      },
    };
  };

  it.each([
    ['http, no domain', false, undefined, 'lazo_id=abc;Path=/;Max-Age=33696000;SameSite=Lax'],
    ['https', true, undefined, 'lazo_id=abc;Path=/;Max-Age=33696000;SameSite=Lax;Secure'],
    ['https with a cookie domain', true, 'example.com', 'lazo_id=abc;Path=/;Max-Age=33696000;SameSite=Lax;Domain=example.com;Secure'],
  ])('%s', (_name, secure, domain, expected) => {
    const { doc, writes } = fakeDoc();
    const jar = cookieJar('lazo_id', 390, domain, doc, secure);
    expect(jar.get()).toBeUndefined();
    jar.set('abc');
    expect(writes).toEqual([expected]);
    expect(jar.get()).toBe('abc');
    jar.del();
    expect(writes[1]).toContain('Max-Age=0');
    expect(jar.get()).toBeUndefined();
  });

  it('works with the real document.cookie', () => {
    const jar = cookieJar('lazo_id', 1, undefined);
    jar.set('xyz');
    expect(document.cookie).toContain('lazo_id=xyz');
    expect(jar.get()).toBe('xyz');
    jar.del();
    expect(document.cookie).not.toContain('lazo_id');
  });
});

describe('randomId', () => {
  it('is 20 chars of [0-9a-z], different each time', () => {
    const ids = new Set(Array.from({ length: 1000 }, randomId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-z]{20}$/);
  });
});

describe('watchRoutes', () => {
  beforeEach(() => history.replaceState(null, '', '/'));
  /** A window whose history is a wrappable copy of the real one (the real one is shared by every test). */
  const fakeWindow = () =>
    ({
      location,
      history: { pushState: history.pushState.bind(history), replaceState: history.replaceState.bind(history) },
      addEventListener: window.addEventListener.bind(window),
    }) as unknown as Window;

  it.each([
    ['pushState to a new path', (h: History) => h.pushState(null, '', '/pricing'), 1],
    ['pushState to the same path', (h: History) => h.pushState(null, '', '/'), 0],
    ['replaceState that only strips the query (no phantom pageview)', (h: History) => h.replaceState(null, '', '/?x=1'), 0],
    ['replaceState to a new path (a redirect)', (h: History) => h.replaceState(null, '', '/login'), 1],
    ['two route changes', (h: History) => (h.pushState(null, '', '/a'), h.pushState(null, '', '/b')), 2],
    ['a hash change, not asked for', (h: History) => h.pushState(null, '', '/#/x'), 0],
  ])('%s', (_name, act, expected) => {
    const w = fakeWindow();
    const onRoute = vi.fn();
    watchRoutes(onRoute, false, w);
    act(w.history);
    expect(onRoute).toHaveBeenCalledTimes(expected);
  });

  it('popstate and, when asked, hash changes', () => {
    const onRoute = vi.fn();
    watchRoutes(onRoute, true, fakeWindow());
    history.pushState(null, '', '/#/settings'); // the real, unwrapped one: no call
    expect(onRoute).not.toHaveBeenCalled();
    window.dispatchEvent(new PopStateEvent('popstate'));
    window.dispatchEvent(new HashChangeEvent('hashchange')); // same key: counted once
    expect(onRoute).toHaveBeenCalledTimes(1);
  });
});

describe('watchForms', () => {
  const hooks = (granted = true, fields: Record<string, string> = { lazo_anonymous_id: 'anon', utm_source: 'google' }) => ({
    track: vi.fn(),
    identify: vi.fn(),
    consent: () => (granted ? 'granted' : 'pending') as 'granted' | 'pending',
    formFields: vi.fn(() => fields),
    flush: vi.fn(),
  });
  const FORM = `
    <form id="lead" name="signup" action="/crm/lead">
      <input name="email" type="email" value="ada@example.com">
      <input name="name" value="Ada">
      <input name="password" type="password" value="secret">
      <input name="token" type="hidden" value="t">
      <input name="card" autocomplete="cc-number" value="4111">
      <input name="notes" data-lazo-ignore value="private">
      <div data-lazo-ignore><input name="inside" value="x"></div>
      <select name="plan"><option>pro</option></select>
      <textarea name="message">hi</textarea>
      <button type="submit">Go</button>
    </form>`;

  // One listener on the document per test (jsdom keeps them): remove it by using a fresh document each time.
  let doc: Document;
  beforeEach(() => {
    doc = document.implementation.createHTMLDocument('t');
  });
  const submitIn = (html: string) => {
    doc.body.innerHTML = html;
    const form = doc.querySelector('form')!;
    form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    return form;
  };

  it('tracks the form with field names only, then identifies by email and flushes', () => {
    const h = hooks();
    watchForms(h, false, doc);
    submitIn(FORM);
    expect(h.track).toHaveBeenCalledWith('Form Submitted', {
      formId: 'lead',
      formName: 'signup',
      formAction: '/crm/lead',
      fields: ['email', 'name', 'plan', 'message'],
    });
    expect(h.identify).toHaveBeenCalledWith(null, { email: 'ada@example.com' });
    expect(h.flush).toHaveBeenCalledWith(true);
    expect(h.formFields).not.toHaveBeenCalled();
  });

  it('never reads the values of password, hidden, payment or ignored fields', () => {
    const h = hooks();
    watchForms(h, false, doc);
    doc.body.innerHTML = FORM;
    const read: string[] = [];
    for (const el of doc.querySelectorAll('input')) {
      Object.defineProperty(el, 'value', { get: () => (read.push(el.name), 'x@y') });
    }
    doc.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true }));
    expect(new Set(read)).toEqual(new Set(['email']));
  });

  it.each([
    ['no identify without consent', FORM, false, 0],
    ['an email found by name', '<form><input name="work_email" value="a@b.example"></form>', true, 1],
    ['an email found by autocomplete', '<form><input name="x" autocomplete="email" value="a@b.example"></form>', true, 1],
    ['no @, no identify', '<form><input name="email" value="nope"></form>', true, 0],
    ['a payment token after a section or hint is not read', '<form><input name="email" autocomplete="billing cc-number" value="a@b.example"></form>', true, 0],
    ['an ignored form is not tracked at all', '<form data-lazo-ignore><input name="email" value="a@b.example"></form>', true, 0],
  ])('%s', (_name, html, granted, identifies) => {
    const h = hooks(granted);
    watchForms(h, false, doc);
    submitIn(html);
    expect(h.identify).toHaveBeenCalledTimes(identifies);
  });

  it('decorates the form with hidden inputs, updating rather than duplicating them', () => {
    const h = hooks();
    watchForms(h, true, doc);
    const form = submitIn('<form><input name="utm_source" type="hidden" value="old"></form>');
    form.dispatchEvent(new Event('submit', { bubbles: true }));
    const data = Object.fromEntries(new FormData(form) as unknown as Iterable<[string, string]>);
    expect(data).toEqual({ utm_source: 'google', lazo_anonymous_id: 'anon' });
    expect(form.querySelectorAll('input')).toHaveLength(2);
  });

  it('never throws into the page', () => {
    const h = { ...hooks(), track: () => { throw new Error('boom'); } };
    watchForms(h, false, doc);
    expect(() => submitIn(FORM)).not.toThrow();
  });
});

describe('createTransport', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('POSTs text/plain with keepalive and reads Retry-After', async () => {
    const fetch = vi.fn(async () => new Response('{}', { status: 503, headers: { 'Retry-After': '7' } }));
    vi.stubGlobal('fetch', fetch);
    const send = createTransport('https://lazo.example/v1/batch');
    const r = await send('{"batch":[]}');
    expect([r.status, r.headers?.get('Retry-After')]).toEqual([503, '7']);
    expect(fetch).toHaveBeenCalledWith('https://lazo.example/v1/batch', { method: 'POST', body: '{"batch":[]}', keepalive: true });
    // a string body is sent as text/plain;charset=UTF-8: a CORS-safelisted type, no preflight
    expect(new Request('https://x.example', { method: 'POST', body: 'x' }).headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('a network error rejects (the queue counts it as status 0)', async () => {
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    await expect(createTransport('/v1/batch')('{}')).rejects.toThrow();
  });

  it.each([
    [true, 202],
    [false, 0],
  ])('falls back to sendBeacon where fetch is missing (beacon queued: %s → %s)', async (queued, status) => {
    vi.stubGlobal('fetch', undefined);
    const beacon = vi.fn(() => queued);
    Object.defineProperty(navigator, 'sendBeacon', { value: beacon, configurable: true });
    expect(await createTransport('/v1/batch')('{"a":1}')).toEqual({ status });
    expect(beacon).toHaveBeenCalledWith('/v1/batch', '{"a":1}');
  });
});

describe('init (jsdom)', () => {
  const bodies: { batch: { type: string; event?: string; anonymousId: string }[]; writeKey: string }[] = [];
  beforeEach(() => {
    bodies.length = 0;
    vi.useFakeTimers();
    vi.stubGlobal('fetch', vi.fn(async (_url: string, init: RequestInit) => (bodies.push(JSON.parse(String(init.body))), new Response('{}'))));
    // trackers of earlier tests still watch history (a page has one tracker; these tests make several)
    history.replaceState(null, '', '/');
    localStorage.clear();
    for (const c of document.cookie.split('; ')) document.cookie = c.split('=')[0] + '=;Max-Age=0;Path=/';
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('returns the six methods, sends a pageview on load and after pushState, and flushes on pagehide', async () => {
    const lazo = init({ key: 'pk_test', consent: 'granted', host: 'https://lazo.example/' });
    expect(Object.keys(lazo).sort()).toEqual(['consent', 'flush', 'identify', 'page', 'reset', 'track']);
    history.pushState(null, '', '/pricing');
    lazo.track('Clicked');
    window.dispatchEvent(new Event('pagehide'));
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch).toHaveBeenCalledWith('https://lazo.example/v1/batch', expect.objectContaining({ keepalive: true }));
    expect(bodies.flatMap((b) => b.batch.map((m) => m.type))).toEqual(['page', 'page', 'track']);
    expect(bodies[0]!.writeKey).toBe('pk_test');
    expect(document.cookie).toMatch(/lazo_id=[0-9a-z]{20}/);
  });

  it('with consent required, writes nothing before the grant', async () => {
    const lazo = init({ key: 'pk_test' });
    lazo.track('Before');
    await vi.advanceTimersByTimeAsync(5000);
    expect(document.cookie).not.toContain('lazo_id');
    expect(localStorage.length).toBe(0);
    expect(bodies).toHaveLength(0);
    expect(lazo.consent()).toBe('pending');
    lazo.consent('granted');
    await vi.advanceTimersByTimeAsync(0);
    expect(bodies.flatMap((b) => b.batch.map((m) => m.type))).toEqual(['page', 'track']);
  });

  it('never throws into the page, even when storage and the network explode', async () => {
    vi.stubGlobal('fetch', () => {
      throw new Error('boom');
    });
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('full', 'QuotaExceededError');
    });
    const lazo = init({ key: 'pk_test', consent: 'granted' });
    expect(() => {
      lazo.track('X', { a: 1 });
      lazo.identify('u', { email: 'e@x.example' });
      lazo.page();
      lazo.consent({ analytics_storage: 'denied' });
      lazo.reset();
      lazo.flush();
      (lazo.track as (...a: unknown[]) => void)();
    }).not.toThrow();
    await vi.advanceTimersByTimeAsync(5000);
    vi.restoreAllMocks();
  });

  it('does nothing where there is no DOM (SSR)', () => {
    vi.stubGlobal('location', undefined);
    const lazo = init({ key: 'pk_test' });
    expect(() => lazo.track('X')).not.toThrow();
    expect(lazo.consent('granted')).toBeUndefined();
  });
});
