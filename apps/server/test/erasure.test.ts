import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from './helpers/engines.js';
import { createTestApp, type TestApp } from './helpers/test-server.js';
import { at, identify, journeySessions, page, personsApi, track } from './helpers/persons-api.js';

describe.each(engines)('erasure on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t?.close());

  const counts = async (siteId: string) =>
    (
      await t.query<Record<string, number>>(
        `select (select count(*)::int from persons where site_id = $1) as persons,
                (select count(*)::int from identity_links where site_id = $1) as links,
                (select count(*)::int from person_merges where site_id = $1) as merges,
                (select count(*)::int from sessions where site_id = $1) as sessions,
                (select count(*)::int from events where site_id = $1) as events,
                (select count(*)::int from conversions where site_id = $1) as conversions`,
        [siteId],
      )
    )[0]!;

  it('removes exactly the person\'s data and leaves the other person of a shared device intact', async () => {
    const site = await t.newSite();
    const api = personsApi(t, site);
    await api.send(
      [
        // A on the family computer, then on a phone of their own.
        page('family-pc', 0, { session: 'a1', path: '/landing' }),
        identify('family-pc', 'u-a', { email: 'a@x.com' }, 5, 'a1'),
        page('phone-a', 60, { session: 'a2' }),
        identify('phone-a', 'u-a', {}, 61, 'a2'),
        // B takes over the family computer.
        identify('family-pc', 'u-b', { email: 'b@x.com' }, 120, 'b1'),
        page('family-pc', 121, { session: 'b1', path: '/pricing' }),
        track('family-pc', 122, 'Form Submitted', { formId: 'contact' }, 'b1'),
      ],
      site.publicKey,
    );
    // A backend offline touch and a conversion of A's, and a conversion of B's.
    await api.send([{ ...track(null, 200, 'Call', {}, undefined, 'u-a'), context: { campaign: { source: 'callcenter', medium: 'phone' } } }]);
    await t.query(
      `insert into conversions (site_id, conversion_id, user_id, email, type, value, occurred_at, received_at)
       values ($1, 'deal-a', 'u-a', null, 'customer', 500, $2, now()), ($1, 'deal-b', null, 'b@x.com', 'customer', 80, $2, now())`,
      [site.siteId, at(300)],
    );
    const a = await api.personId({ userId: 'u-a' });
    const bBefore = await api.profile({ userId: 'u-b' });
    const before = await counts(site.siteId);

    const res = await api.request('DELETE', `/v1/persons/${a}`);
    expect(res.statusCode, res.body).toBe(200);
    // A's: sessions a1, a2 and the call; events: page+identify (a1), page+identify (a2), the call; links: 2.
    expect(res.json()).toEqual({ personId: a, removed: { persons: 1, identityLinks: 2, personMerges: 0, sessions: 3, events: 5, conversions: 1 } });

    const after = await counts(site.siteId);
    expect(after).toEqual({ persons: before.persons! - 1, links: before.links! - 2, merges: 0, sessions: before.sessions! - 3, events: before.events! - 5, conversions: before.conversions! - 1 });
    expect(await api.personId({ userId: 'u-a' })).toBeNull();
    expect(await api.personId({ email: 'a@x.com' })).toBeNull();
    expect(await api.personId({ anonymousId: 'phone-a' })).toBeNull();
    expect((await api.request('GET', `/v1/persons/${a}`)).statusCode).toBe(404);

    // B is untouched: same journey, forms, conversion, and the shared computer is theirs.
    const b = await api.profile({ userId: 'u-b' });
    expect(journeySessions(b)).toEqual(journeySessions(bBefore));
    expect(b.counts).toEqual(bBefore.counts);
    expect(b.conversions.map((c: { conversionId: string }) => c.conversionId)).toEqual(['deal-b']);
    expect(await api.personId({ anonymousId: 'family-pc' })).toBe(b.personId);
    // Nothing of A's is left on the shared computer to be stitched to B retroactively.
    const left = await t.query<{ ts: Date }>('select ts from events where site_id = $1 and anonymous_id = $2 order by ts', [site.siteId, 'family-pc']);
    expect(left.every((e) => e.ts.toISOString() >= at(120))).toBe(true);

    // Erasing again finds nobody.
    expect((await api.request('DELETE', `/v1/persons/${a}`)).statusCode).toBe(404);
  });

  it('erases the persons merged into it with their browsers, whichever of its ids is given', async () => {
    const site = await t.newSite();
    const api = personsApi(t, site);
    await api.send([page('browser-lead', 0, { session: 'l1' }), identify('browser-lead', null, { email: 'lead@x.com' }, 1, 'l1')], site.publicKey);
    await api.send([page('browser-crm', 10, { session: 'c1' }), identify('browser-crm', 'crm-1', {}, 11, 'c1')], site.publicKey);
    const lead = await api.personId({ email: 'lead@x.com' });
    await api.send([identify(null, 'crm-1', { email: 'lead@x.com' }, 20)]);
    const root = await api.personId({ userId: 'crm-1' });
    expect(root).not.toBe(lead);

    // The merged person's id names the whole person.
    const res = await api.request('DELETE', `/v1/persons/${lead}`);
    expect(res.json()).toEqual({ personId: root, removed: { persons: 2, identityLinks: 2, personMerges: 1, sessions: 2, events: 5, conversions: 0 } });
    expect(await counts(site.siteId)).toEqual({ persons: 0, links: 0, merges: 0, sessions: 0, events: 0, conversions: 0 });
  });

  it('leaves other sites alone', async () => {
    const one = await t.newSite();
    const two = await t.newSite();
    for (const site of [one, two]) await personsApi(t, site).send([page('same-anon', 0, { session: 'same' }), identify('same-anon', 'same-user', {}, 1, 'same')]);
    const api = personsApi(t, one);
    const res = await api.request('DELETE', `/v1/persons/${await api.personId({ userId: 'same-user' })}`);
    expect(res.statusCode).toBe(200);
    expect(await counts(one.siteId)).toMatchObject({ persons: 0, sessions: 0, events: 0 });
    expect(await counts(two.siteId)).toMatchObject({ persons: 1, links: 1, sessions: 1, events: 2 });
  });
});
