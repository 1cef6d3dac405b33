import { expect } from 'vitest';
import type { CreatedSite } from '../src/store/sites.js';
import { T0, identify, page, track } from './helpers/persons-api.js';
import { basic, type TestApp } from './helpers/test-server.js';

/** Minutes from T0 (Monday 2025-06-02 09:00 UTC) at `day` days and `minutes` minutes. */
export const m = (day: number, minutes = 0) => day * 1440 + minutes;
export const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
export const RANGE = 'from=2025-06-01&to=2025-06-30';

const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

/**
 * A small site whose report figures are derived by hand in reports.test.ts:
 * - A: two browsers (a1 Paid Search → identify u-a; a2 Paid Social → identify u-a; a2 Direct), buys for 300.
 * - B: Organic Search, leaves an email; the CRM gives it userId u-b; a sales call (callcenter / phone, an
 *   offline touch → the site rule "Offline"); buys for 100 after the call.
 * - C: an email-only lead on c1 (Email), a userId lead u-c on c2 (Paid Search); the CRM's verified identify
 *   merges them; buys for 200.
 * - D: an anonymous visitor, Paid Social then Direct; never converts.
 * - a bot from a Google Ads link, excluded everywhere.
 * Spend: google/cpc/brand 50, facebook/cpc/retarget 30, google/cpc/generic 20, google/cpc (no campaign) 10;
 * and 999 on 2025-05-31, outside the range. NPS: A answers 10, B answers 3.
 */
export async function buildScenario(t: TestApp, site: CreatedSite): Promise<void> {
  const send = async (batch: unknown[], key: string) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic(key) }, payload: { batch } });
    expect(res.statusCode).toBe(200);
    expect(res.json().rejected).toEqual([]);
  };
  const secret = site.secretKey;
  const pub = site.publicKey;
  const rules = await t.app.inject({
    method: 'PATCH',
    url: '/v1/site',
    headers: { authorization: basic(secret) },
    payload: { settings: { channelRules: [{ channel: 'Offline', when: { medium: 'phone' } }] } },
  });
  expect(rules.statusCode).toBe(200);

  await send([page('a1', m(0), { session: 's1', campaign: { source: 'google', medium: 'cpc', name: 'brand' } }), identify('a1', 'u-a', { email: 'a@example.com' }, m(0, 5), 's1')], pub);
  await send([page('a2', m(3), { session: 's2', campaign: { source: 'facebook', medium: 'cpc', name: 'retarget' } }), identify('a2', 'u-a', {}, m(3, 1), 's2')], pub);
  await send([page('a2', m(6), { session: 's3' })], pub);

  await send([page('b1', m(8), { session: 's4', referrer: 'https://www.google.com/' }), identify('b1', null, { email: 'b@example.com' }, m(8, 5), 's4')], pub);
  await send([identify(null, 'u-b', { email: 'b@example.com' }, m(9))], secret);
  await send([{ ...track(null, m(10), 'Sales Call', {}, undefined, 'u-b'), context: { campaign: { source: 'callcenter', medium: 'phone' } } }], secret);

  await send([page('c1', m(13), { session: 's5', campaign: { source: 'newsletter', medium: 'email', name: 'weekly' } }), identify('c1', null, { email: 'c@example.com' }, m(13, 5), 's5')], pub);
  await send([page('c2', m(14), { session: 's6', campaign: { source: 'google', medium: 'cpc', name: 'generic' } }), identify('c2', 'u-c', {}, m(14, 5), 's6')], pub);
  await send([identify(null, 'u-c', { email: 'c@example.com' }, m(15))], secret);

  await send([page('d1', m(18), { session: 's7', campaign: { source: 'facebook', medium: 'cpc', name: 'retarget' } }), page('d1', m(19), { session: 's8' })], pub);
  const bot = page('e1', m(18), { session: 's9', campaign: { source: 'google', medium: 'cpc', name: 'brand' } });
  await send([{ ...bot, context: { ...bot.context, userAgent: GOOGLEBOT } }], pub);

  await send([track(null, m(18, 60), 'NPS Submitted', { score: 10 }, undefined, 'u-a'), track(null, m(18, 90), 'NPS Submitted', { score: 3 }, undefined, 'u-b')], secret);

  const conversions = await t.app.inject({
    method: 'POST',
    url: '/v1/conversions',
    headers: { authorization: basic(secret) },
    payload: [
      { conversionId: 'buy-a', userId: 'u-a', type: 'customer', value: 300, currency: 'EUR', occurredAt: iso(m(6, 30)) },
      { conversionId: 'buy-b', userId: 'u-b', type: 'customer', value: 100, currency: 'EUR', occurredAt: iso(m(10, 60)) },
      { conversionId: 'buy-c', userId: 'u-c', type: 'customer', value: 200, currency: 'EUR', occurredAt: iso(m(16)) },
    ],
  });
  expect(conversions.statusCode).toBe(200);

  const spend = await t.app.inject({
    method: 'PUT',
    url: '/v1/spend',
    headers: { authorization: basic(secret) },
    payload: [
      { date: '2025-06-02', source: 'google', medium: 'cpc', campaign: 'brand', amount: 50, currency: 'EUR' },
      { date: '2025-06-05', source: 'facebook', medium: 'cpc', campaign: 'retarget', amount: 30, currency: 'EUR' },
      { date: '2025-06-16', source: 'google', medium: 'cpc', campaign: 'generic', amount: 20, currency: 'EUR' },
      { date: '2025-06-03', source: 'google', medium: 'cpc', amount: 10, currency: 'EUR' },
      { date: '2025-05-31', source: 'google', medium: 'cpc', campaign: 'brand', amount: 999, currency: 'EUR' },
    ],
  });
  expect(spend.statusCode).toBe(200);
}
