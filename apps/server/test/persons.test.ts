import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from './helpers/engines.js';
import { createTestApp, type TestApp } from './helpers/test-server.js';
import { at, identify, page, personsApi, track } from './helpers/persons-api.js';
import type { CreatedSite } from '../src/store/sites.js';

const DAY = 24 * 60;

describe.each(engines)('persons API on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t?.close());

  /** A site whose settings are in place before its keys are first used (the key cache holds the site). */
  const newSite = async (settings?: Record<string, unknown>) => {
    const site = await t.newSite();
    if (settings) await t.query('update sites set settings = $2::jsonb where site_id = $1', [site.siteId, JSON.stringify(settings)]);
    return { site, api: personsApi(t, site) };
  };
  const conversion = (site: CreatedSite, id: string, c: { userId?: string; email?: string; type: string; value?: number; minutes: number }) =>
    t.query(
      `insert into conversions (site_id, conversion_id, user_id, email, type, value, currency, occurred_at, received_at)
       values ($1, $2, $3, $4, $5, $6, 'EUR', $7, now())`,
      [site.siteId, id, c.userId ?? null, c.email ?? null, c.type, c.value ?? 0, at(c.minutes)],
    );

  it('assembles the lead profile: identities, traits, stage, touches, journey, counts, products, abandoned forms, score', async () => {
    const { site, api } = await newSite({
      channelRules: [{ channel: 'Newsletter', when: { medium: 'email' } }],
      productPathPattern: '^/products/',
      scoreWeights: { pricingPage: 50 },
    });
    const spring = { source: 'google', medium: 'cpc', name: 'spring' };
    await api.send(
      [
        page('anon-1', 0, { session: 's1', path: '/landing', campaign: spring }),
        page('anon-1', 2, { session: 's1', path: '/pricing' }),
        page('anon-1', 3, { session: 's1', path: '/products/shoe-1' }),
        page('anon-1', 4, { session: 's1', path: '/widget', properties: { product: { name: 'Widget', sku: 'W-1' } } }),
        track('anon-1', 5, 'Form Started', { formId: 'quote' }, 's1'),
        page('anon-1', 2 * DAY, { session: 's2', path: '/blog', campaign: { source: 'newsletter', medium: 'email', name: 'may' } }),
        track('anon-1', 2 * DAY + 1, 'Form Started', { formId: 'contact' }, 's2'),
        track('anon-1', 2 * DAY + 2, 'Form Submitted', { formId: 'contact', formName: 'Contact us' }, 's2'),
        identify('anon-1', null, { email: 'lead@x.com', name: 'Lee Lead' }, 2 * DAY + 3, 's2'),
      ],
      site.publicKey,
    );
    await api.send([page('anon-2', 5 * DAY, { session: 's3', path: '/products/shoe-2' }), identify('anon-2', 'crm-1', { email: 'lead@x.com' }, 5 * DAY + 1, 's3')]);
    await conversion(site, 'order-1', { userId: 'crm-1', type: 'purchase', value: 120, minutes: 5 * DAY + 10 });

    const p = await api.profile({ email: 'LEAD@x.com' });
    expect(p.stage).toBe('customer');
    expect(p.identities).toMatchObject({ userId: 'crm-1', userIdVerified: true, emails: ['lead@x.com'], mergedPersons: [] });
    expect(p.identities.anonymousIds.map((a: { anonymousId: string }) => a.anonymousId)).toEqual(['anon-1', 'anon-2']);
    expect(p.traits).toEqual({ email: 'lead@x.com', name: 'Lee Lead' });
    expect(p.createdAt).toBe(at(2 * DAY + 3));
    expect(p.firstTouch).toEqual({ sessionId: 's1', at: at(0), channel: 'Paid Search', source: 'google', medium: 'cpc', campaign: 'spring', landingPage: 'https://shop.example/landing', referrer: null });
    expect(p.leadTouch).toMatchObject({ sessionId: 's2', channel: 'Newsletter', source: 'newsletter', medium: 'email' });
    expect(p.lastTouch).toMatchObject({ sessionId: 's3', channel: 'Direct' });
    expect(p.counts).toEqual({ visits: 3, pageviews: 6, forms: 1, conversions: 1 });
    expect(p.productsViewed.map((x: { product: string }) => x.product).sort()).toEqual(['/products/shoe-1', '/products/shoe-2', 'Widget']);
    expect(p.formsAbandoned).toEqual([{ formId: 'quote', sessionId: 's1', startedAt: at(5) }]);

    expect(p.journey.map((s: { sessionId: string }) => s.sessionId)).toEqual(['s1', 's2', 's3']);
    const [s1, s2, s3] = p.journey;
    expect(s1.pages.map((x: { path: string }) => x.path)).toEqual(['/landing', '/pricing', '/products/shoe-1', '/widget']);
    expect(s1.pages[3]).toMatchObject({ product: 'Widget' });
    expect(s1).toMatchObject({ channel: 'Paid Search', anonymousId: 'anon-1', startedAt: at(0), landingPage: 'https://shop.example/landing', forms: [] });
    expect(s2.forms).toEqual([{ formId: 'contact', at: at(2 * DAY + 2) }]);
    expect(s3).toMatchObject({ anonymousId: 'anon-2', conversions: [expect.objectContaining({ conversionId: 'order-1', type: 'purchase', value: 120, currency: 'EUR' })] });
    expect(p.conversions).toHaveLength(1);

    expect(p.score.reasons).toEqual([
      { signal: 'visits', points: 30, detail: '3 visits × 10' },
      { signal: 'pageviews', points: 25, detail: '6 pageviews × 5 (capped at 25)' },
      { signal: 'forms', points: 20, detail: '1 form submitted × 20' },
      { signal: 'pricing_page', points: 50, detail: 'viewed a pricing page (1 time)' },
      { signal: 'return_visit', points: 30, detail: 'came back within 7 days' },
      { signal: 'products_viewed', points: 15, detail: '3 products viewed × 5' },
      { signal: 'form_abandoned', points: 5, detail: 'started 1 form without submitting' },
    ]);
    expect(p.score.total).toBe(175);

    // The same person by id, userId and either browser.
    for (const q of [p.personId, { userId: 'crm-1' }, { anonymousId: 'anon-1' }, { anonymousId: 'anon-2' }]) expect((await api.profile(q)).personId).toBe(p.personId);
  });

  it('answers a visitor profile for a browser nobody was identified on, and 404 for one never seen', async () => {
    const { site, api } = await newSite();
    await api.send([page('anon-v', 0, { session: 'v1', path: '/pricing' })], site.publicKey);
    const v = await api.profile({ anonymousId: 'anon-v' });
    expect(v).toMatchObject({ personId: null, stage: 'visitor', counts: { visits: 1, pageviews: 1, forms: 0, conversions: 0 } });
    expect(v.identities.anonymousIds).toEqual([{ anonymousId: 'anon-v', linkedFrom: null, linkedUntil: null, verified: false }]);
    expect(await api.personId({ anonymousId: 'anon-never' })).toBeNull();
  });

  it('lists persons: search over email, userId and names, stage filter, sort by score or recency, cursor paging', async () => {
    const { site, api } = await newSite();
    await api.send([
      page('a', 0, { session: 'a1' }),
      page('a', DAY, { session: 'a2' }),
      page('a', 2 * DAY, { session: 'a3' }),
      identify('a', 'u-1', { email: 'alice@x.com', firstName: 'Alice', lastName: 'Smith' }, 2 * DAY + 1),
      page('b', 10, { session: 'b1' }),
      identify('b', 'u-2', { email: 'bob@x.com', name: 'Bob Jones' }, 11),
      identify(null, 'u-3', { email: 'carol@x.com', name: 'Carol' }, 3 * DAY),
    ]);
    await conversion(site, 'deal-1', { email: 'carol@x.com', type: 'customer', value: 900, minutes: 3 * DAY + 5 });
    const list = async (query: Record<string, string>) => {
      const res = await api.request('GET', `/v1/persons?${new URLSearchParams(query)}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { persons: { userId: string; name: string; stage: string; score: number }[]; nextCursor: string | null };
    };
    const ids = (r: { persons: { userId: string }[] }) => r.persons.map((p) => p.userId);

    expect(ids(await list({ q: 'alice' }))).toEqual(['u-1']);
    expect(ids(await list({ q: 'BOB@X' }))).toEqual(['u-2']);
    expect(ids(await list({ q: 'u-3' }))).toEqual(['u-3']);
    expect(ids(await list({ q: 'smith' }))).toEqual(['u-1']);
    expect(ids(await list({ q: '%' }))).toEqual([]);
    expect(ids(await list({ stage: 'customer' }))).toEqual(['u-3']);
    expect(ids(await list({ stage: 'lead', sort: 'score' }))).toEqual(['u-1', 'u-2']);

    const byScore = await list({ sort: 'score' });
    // 3 visits × 10 + 3 pageviews × 5 + a return within 7 days (30); the list scores as the profile does.
    expect(byScore.persons[0]).toMatchObject({ userId: 'u-1', name: 'Alice Smith', stage: 'lead', score: 75 });
    expect(byScore.persons[0]).toMatchObject({ firstTouch: { at: at(0), channel: 'Direct', source: '(direct)', medium: '(none)' } });
    expect(byScore.persons.find((p) => p.userId === 'u-3')).toMatchObject({ firstTouch: null, stage: 'customer' });
    for (const p of byScore.persons) expect((await api.profile({ userId: p.userId })).score.total).toBe(p.score);
    expect(byScore.persons.map((p) => p.score)).toEqual([...byScore.persons.map((p) => p.score)].sort((x, y) => y - x));
    expect(byScore.nextCursor).toBeNull();
    // Recency: Carol's conversion (day 3) is the latest activity, then Alice's visit (day 2), then Bob.
    expect(ids(await list({ sort: 'recent' }))).toEqual(['u-3', 'u-1', 'u-2']);

    for (const sort of ['score', 'recent']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const pageOf: Awaited<ReturnType<typeof list>> = await list({ sort, limit: '1', ...(cursor ? { cursor } : {}) });
        expect(pageOf.persons).toHaveLength(1);
        seen.push(...ids(pageOf));
        cursor = pageOf.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual(['u-1', 'u-2', 'u-3']);
    }
  });

  it('answers 401, 403, 404 and 400 as the contract says', async () => {
    const { site, api } = await newSite();
    await api.send([identify('a', 'u-1', { email: 'a@x.com' }, 0)]);
    const personId = await api.personId({ userId: 'u-1' });
    const other = await t.newSite();
    const expectError = async (method: 'GET' | 'DELETE', url: string, key: string | null, status: number, code: string, message?: RegExp) => {
      const res = await api.request(method, url, key);
      expect(res.statusCode, `${method} ${url}`).toBe(status);
      expect(res.json().error.code).toBe(code);
      if (message) expect(res.json().error.message).toMatch(message);
    };
    await expectError('GET', `/v1/persons/${personId}`, null, 401, 'LAZO_ERR_AUTH_MISSING');
    await expectError('GET', `/v1/persons/${personId}`, 'sk_' + 'x'.repeat(32), 401, 'LAZO_ERR_AUTH_INVALID');
    await expectError('GET', `/v1/persons/${personId}`, site.publicKey, 403, 'LAZO_ERR_AUTH_SECRET_REQUIRED');
    await expectError('GET', '/v1/persons?email=a@x.com', site.publicKey, 403, 'LAZO_ERR_AUTH_SECRET_REQUIRED');
    await expectError('DELETE', `/v1/persons/${personId}`, site.publicKey, 403, 'LAZO_ERR_AUTH_SECRET_REQUIRED');
    await expectError('GET', '/v1/persons/p_nobody', site.secretKey, 404, 'LAZO_ERR_PERSON_NOT_FOUND');
    await expectError('DELETE', '/v1/persons/p_nobody', site.secretKey, 404, 'LAZO_ERR_PERSON_NOT_FOUND');
    await expectError('GET', '/v1/persons?email=nobody@x.com', site.secretKey, 404, 'LAZO_ERR_PERSON_NOT_FOUND');
    await expectError('GET', '/v1/persons?userId=nobody', site.secretKey, 404, 'LAZO_ERR_PERSON_NOT_FOUND');
    // Another site's secret key does not see this site's persons.
    await expectError('GET', `/v1/persons/${personId}`, other.secretKey, 404, 'LAZO_ERR_PERSON_NOT_FOUND');
    await expectError('GET', '/v1/persons?userId=u-1', other.secretKey, 404, 'LAZO_ERR_PERSON_NOT_FOUND');

    const bad: [string, RegExp][] = [
      ['email=not-an-email', /not an email/],
      ['email=a@x.com&userId=u-1', /one identity at a time/],
      ['userId=u-1&sort=score', /cannot be combined/],
      ['colour=red', /Unknown parameter "colour"/],
      ['q=a&q=b', /once/],
      ['limit=0', /limit/],
      ['limit=abc', /limit/],
      ['limit=201', /limit/],
      ['limit=1.5', /limit/],
      ['sort=best', /sort/],
      ['stage=visitor', /lead or customer/],
      ['stage=vip', /lead or customer/],
      ['cursor=garbage', /cursor/],
      ['userId=', /empty/],
      [`q=${'x'.repeat(201)}`, /longer than 200/],
    ];
    for (const [query, message] of bad) await expectError('GET', `/v1/persons?${query}`, site.secretKey, 400, 'LAZO_ERR_QUERY_INVALID', message);

    // A cursor only pages the sort it came from.
    await api.send([identify('b', 'u-2', {}, 1)]);
    const first = (await api.request('GET', '/v1/persons?sort=score&limit=1')).json();
    expect(first.nextCursor).toEqual(expect.any(String));
    await expectError('GET', `/v1/persons?sort=recent&cursor=${first.nextCursor}`, site.secretKey, 400, 'LAZO_ERR_QUERY_INVALID', /same sort/);
  });
});
