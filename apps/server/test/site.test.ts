import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedSite } from '../src/store/sites.js';
import { engines } from './helpers/engines.js';
import { createTestApp, type TestApp } from './helpers/test-server.js';

describe.each(engines)('GET and PATCH /v1/site on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t?.close());

  const get = (site: CreatedSite, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url: '/v1/site', headers: { authorization: `Bearer ${site.secretKey}`, ...headers } });
  const patch = (site: CreatedSite, payload: unknown) =>
    t.app.inject({ method: 'PATCH', url: '/v1/site', headers: { authorization: `Bearer ${site.secretKey}` }, payload: payload as object });
  const track = (site: CreatedSite, origin: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { origin, 'content-type': 'text/plain' },
      payload: JSON.stringify({ writeKey: site.publicKey, batch: [{ type: 'track', event: 'Signup', anonymousId: 'a-1', messageId: 'm-' + Math.random() }] }),
    });

  it('shows the site, its defaults and a ready snippet for this server — never the secret key', async () => {
    const site = await t.newSite();
    const res = await get(site, { host: 'lazo.example.com', 'x-forwarded-proto': 'https' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      siteId: site.siteId,
      name: 'Test site',
      publicKey: site.publicKey,
      secretKeyHint: site.secretKey.slice(0, 7) + '…',
      allowedOrigins: ['https://shop.example'],
      settings: { channelRules: [], scoreWeights: {}, productPathPattern: null, honorGlobalPrivacyControl: true, currency: 'EUR' },
      snippet: `<script defer src="https://lazo.example.com/lazo.js" data-key="${site.publicKey}" data-consent="required"></script>`,
      createdAt: expect.any(String),
    });
    expect(res.body).not.toContain(site.secretKey);
  });

  it('does not echo a forged Host header into the snippet', async () => {
    const site = await t.newSite();
    const res = await get(site, { host: 'evil.example"><img src=x onerror=alert(1)>' });
    expect(res.json().snippet).toContain('src="https://YOUR-LAZO-HOST/lazo.js"');
  });

  it('saves name, origins and settings, and applies new origins at once', async () => {
    const site = await t.newSite();
    expect((await track(site, 'https://blog.shop.example')).statusCode).toBe(403);
    const settings = {
      channelRules: [{ channel: 'Offline', when: { source: 'callcenter', medium: '/^(phone|fax)$/' } }],
      scoreWeights: { pricingPageView: 10, formSubmit: 25.5, unsubscribe: -20 },
      productPathPattern: '^/products/[^/]+$',
      honorGlobalPrivacyControl: false,
      currency: 'usd',
    };
    const res = await patch(site, { name: '  Shop  ', allowedOrigins: ['https://Shop.Example/', 'https://*.shop.example', 'http://localhost:3000'], settings });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      name: 'Shop',
      allowedOrigins: ['https://shop.example', 'https://*.shop.example', 'http://localhost:3000'],
      settings: { ...settings, currency: 'USD' },
      snippet: expect.stringContaining('data-gpc="false"'),
    });
    expect((await get(site)).json()).toEqual(res.json());
    // The authenticator's cache was dropped: the new origin works now, not in ten seconds.
    expect((await track(site, 'https://blog.shop.example')).statusCode).toBe(200);
    await patch(site, { allowedOrigins: ['https://shop.example'] });
    expect((await track(site, 'https://blog.shop.example')).statusCode).toBe(403);
  });

  it('merges settings, and null puts a setting back to its default', async () => {
    const site = await t.newSite();
    await patch(site, { settings: { productPathPattern: '^/p/', honorGlobalPrivacyControl: false } });
    await patch(site, { settings: { scoreWeights: { visit: 1 } } });
    expect((await get(site)).json().settings).toMatchObject({ productPathPattern: '^/p/', honorGlobalPrivacyControl: false, scoreWeights: { visit: 1 } });
    const reset = await patch(site, { settings: { productPathPattern: null, honorGlobalPrivacyControl: null } });
    expect(reset.json().settings).toEqual({ channelRules: [], scoreWeights: { visit: 1 }, productPathPattern: null, honorGlobalPrivacyControl: true, currency: 'EUR' });
    const [row] = await t.query<{ settings: Record<string, unknown> }>('select settings from sites where site_id = $1', [site.siteId]);
    expect(row!.settings).toEqual({ scoreWeights: { visit: 1 } });
  });

  it.each([
    ['an unknown setting', { settings: { colour: 'red' } }, ['settings.colour is not a setting']],
    ['channel rules that do not compile', { settings: { channelRules: [{ channel: 'X', when: { source: '/[/' } }, { channel: '', when: {} }] } }, [
      'settings.channelRules[0].when.source invalid regular expression',
      'settings.channelRules[1].channel must be a non-empty string',
      'settings.channelRules[1].when needs at least one of source, medium, campaign',
    ]],
    ['score weights that are not numbers', { settings: { scoreWeights: { visit: '5' } } }, ['settings.scoreWeights.visit must be a number']],
    ['a product pattern that is not a regex', { settings: { productPathPattern: '(' } }, ['settings.productPathPattern is not a valid regular expression']],
    ['a GPC setting that is not a boolean', { settings: { honorGlobalPrivacyControl: 'yes' } }, ['settings.honorGlobalPrivacyControl must be true or false']],
    ['a currency that is not a code', { settings: { currency: 'euro' } }, ['settings.currency must be a three-letter ISO 4217 code']],
    ['an origin with a path', { allowedOrigins: ['https://shop.example/landing'] }, ['allowedOrigins[0] "https://shop.example/landing" must be only scheme://host[:port]']],
    ['origins that are not http(s) origins', { allowedOrigins: ['shop.example', 'ftp://shop.example', 'https://a.*.example'] }, [
      'allowedOrigins[0] "shop.example" is not an origin',
      'allowedOrigins[1] "ftp://shop.example" must start with https:// or http://',
      'allowedOrigins[2] "https://a.*.example": a wildcard may only be the first label',
    ]],
    ['a key', { publicKey: 'pk_x' }, ['publicKey cannot be changed here: keys change only by rotation']],
    ['an unknown field and an empty name', { colour: 'red', name: ' ' }, ['colour is not a field of the site', 'name must be a non-empty string']],
  ])('refuses %s with 400 naming each field, and saves nothing', async (_name, body, problems) => {
    const site = await t.newSite();
    const res = await patch(site, { name: 'Renamed', ...body });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('LAZO_ERR_SITE_INVALID');
    for (const problem of problems) expect(error.message).toContain(problem);
    expect((await get(site)).json()).toMatchObject({ name: 'Test site', allowedOrigins: ['https://shop.example'], settings: { channelRules: [] } });
  });

  it('refuses a body that is not an object', async () => {
    const site = await t.newSite();
    const res = await patch(site, [1]);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('LAZO_ERR_BODY_INVALID');
  });

  it('is for the secret key only, and shows each key its own site', async () => {
    const [a, b] = [await t.newSite(), await t.newSite()];
    expect((await get(b)).json().siteId).toBe(b.siteId);
    for (const method of ['GET', 'PATCH'] as const) {
      const res = await t.app.inject({ method, url: '/v1/site', headers: { authorization: `Bearer ${a.publicKey}` }, ...(method === 'PATCH' ? { payload: { name: 'x' } } : {}) });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('LAZO_ERR_AUTH_SECRET_REQUIRED');
    }
  });
});
