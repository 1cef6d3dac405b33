import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, openTestDb } from './helpers/engines.js';
import { createTestApp, type TestApp } from './helpers/test-server.js';
import { alias, identify, journeySessions, page, personsApi, track } from './helpers/persons-api.js';

describe.each(engines)('identity rules through the API on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t?.close());

  const setup = async () => {
    const site = await t.newSite();
    return { site, api: personsApi(t, site) };
  };

  it('stitches retroactively: what a browser did before its identify belongs to the lead, no event rewritten', async () => {
    const { site, api } = await setup();
    await api.send([page('anon-1', 0, { session: 's1', path: '/landing' }), page('anon-1', 60 * 24, { session: 's2', path: '/pricing' })], site.publicKey);
    await api.send([identify('anon-1', null, { email: 'Ann@Example.com' }, 60 * 24 + 5, 's2')], site.publicKey);

    const profile = await api.profile({ email: 'ann@example.com' });
    expect(profile.stage).toBe('lead');
    expect(journeySessions(profile)).toEqual(['s1', 's2']);
    expect(profile.counts).toMatchObject({ visits: 2, pageviews: 2 });
    expect(profile.identities.emails).toEqual(['ann@example.com']);
    expect(profile.identities.anonymousIds).toEqual([{ anonymousId: 'anon-1', linkedFrom: expect.any(String), linkedUntil: null, verified: false }]);
    expect(await api.personId({ anonymousId: 'anon-1' })).toBe(profile.personId);
    const events = await t.query<{ anonymous_id: string; user_id: string | null }>('select anonymous_id, user_id from events where site_id = $1 and type = $2', [site.siteId, 'page']);
    expect(events).toEqual([
      { anonymous_id: 'anon-1', user_id: null },
      { anonymous_id: 'anon-1', user_id: null },
    ]);
  });

  it('stitches regardless of arrival order: pageviews delivered after the identify still belong to the lead', async () => {
    const { site, api } = await setup();
    await api.send([identify('anon-1', 'u-1', {}, 30)], site.publicKey);
    await api.send([page('anon-1', 0, { session: 's-early' })], site.publicKey);
    expect(journeySessions(await api.profile({ userId: 'u-1' }))).toEqual(['s-early']);
  });

  it('links every device a person identifies on (cross-device)', async () => {
    const { site, api } = await setup();
    await api.send([page('phone', 0, { session: 'p1' }), identify('phone', 'u-1', {}, 1, 'p1')], site.publicKey);
    await api.send([page('laptop', 120, { session: 'l1' }), identify('laptop', 'u-1', { name: 'Ann' }, 121, 'l1')], site.publicKey);

    const profile = await api.profile({ userId: 'u-1' });
    expect(journeySessions(profile)).toEqual(['p1', 'l1']);
    expect(profile.identities.anonymousIds.map((a: { anonymousId: string }) => a.anonymousId).sort()).toEqual(['laptop', 'phone']);
    expect(profile.traits).toEqual({ name: 'Ann' });
    expect(await api.personId({ anonymousId: 'phone' })).toBe(profile.personId);
    expect(await api.personId({ anonymousId: 'laptop' })).toBe(profile.personId);
  });

  it('splits a shared device: a later identify as someone else takes the events from then on, earlier ones stay', async () => {
    const { site, api } = await setup();
    await api.send(
      [
        page('family-pc', 0, { session: 's1' }),
        identify('family-pc', 'u-a', {}, 5, 's1'),
        page('family-pc', 60, { session: 's2' }),
        identify('family-pc', 'u-b', {}, 120, 's3'),
        page('family-pc', 121, { session: 's3' }),
        page('family-pc', 300, { session: 's4' }),
      ],
      site.publicKey,
    );
    const a = await api.profile({ userId: 'u-a' });
    const b = await api.profile({ userId: 'u-b' });
    expect(a.personId).not.toBe(b.personId);
    expect(journeySessions(a)).toEqual(['s1', 's2']);
    expect(journeySessions(b)).toEqual(['s3', 's4']);
    expect(a.identities.anonymousIds).toEqual([expect.objectContaining({ anonymousId: 'family-pc', linkedUntil: b.identities.anonymousIds[0].linkedFrom })]);
    // The browser is B's now.
    expect(await api.personId({ anonymousId: 'family-pc' })).toBe(b.personId);
  });

  it('switches back and forth on a shared device, and a late identify of the first user keeps its own span', async () => {
    const { site, api } = await setup();
    await api.send([identify('pc', 'u-a', {}, 0), page('pc', 10, { session: 'a1' }), identify('pc', 'u-b', {}, 20), page('pc', 30, { session: 'b1' }), identify('pc', 'u-a', {}, 40), page('pc', 50, { session: 'a2' })], site.publicKey);
    expect(journeySessions(await api.profile({ userId: 'u-a' }))).toEqual(['a1', 'a2']);
    expect(journeySessions(await api.profile({ userId: 'u-b' }))).toEqual(['b1']);
  });

  it('treats userId as authoritative: same userId = same person whatever the email; an email never moves a userId', async () => {
    const { site, api } = await setup();
    await api.send([identify(null, 'u-1', { email: 'a@x.com' }, 0)]);
    await api.send([identify('anon-9', 'u-1', { email: 'other@x.com' }, 10)], site.publicKey);
    await api.send([identify(null, 'u-2', { email: 'a@x.com' }, 20)]);

    const one = await api.profile({ userId: 'u-1' });
    const two = await api.profile({ userId: 'u-2' });
    expect(two.personId).not.toBe(one.personId);
    expect(await api.personId({ email: 'a@x.com' })).toBe(one.personId);
    expect(await api.personId({ anonymousId: 'anon-9' })).toBe(one.personId);
    // Different userIds are never merged by an email match, and the second does not take the email.
    expect(two.identities.emails).toEqual([]);
    expect(two.identities.mergedPersons).toEqual([]);
    const [n] = await t.query<{ n: number }>('select count(*)::int as n from persons where site_id = $1 and merged_into is null', [site.siteId]);
    expect(n!.n).toBe(2);
  });

  it('gives an email-only lead the userId the CRM later assigns', async () => {
    const { site, api } = await setup();
    await api.send([page('anon-1', 0, { session: 's1' }), identify('anon-1', null, { email: 'lead@x.com' }, 1, 's1')], site.publicKey);
    const lead = await api.personId({ email: 'lead@x.com' });
    await api.send([identify(null, 'crm-1', { email: 'LEAD@x.com', plan: 'gold' }, 60)]);

    const profile = await api.profile({ userId: 'crm-1' });
    expect(profile.personId).toBe(lead);
    expect(profile.identities).toMatchObject({ userId: 'crm-1', userIdVerified: true, emails: ['lead@x.com'] });
    expect(profile.traits).toMatchObject({ plan: 'gold' });
    expect(journeySessions(profile)).toEqual(['s1']);
  });

  it('merges an email-only lead into the existing userId person on a verified identify', async () => {
    const { site, api } = await setup();
    await api.send([page('browser-a', 0, { session: 'sa' }), identify('browser-a', null, { email: 'lead@x.com', name: 'Lee' }, 1, 'sa')], site.publicKey);
    await api.send([page('browser-b', 30, { session: 'sb' }), identify('browser-b', 'crm-7', {}, 31, 'sb')], site.publicKey);
    const lead = await api.personId({ email: 'lead@x.com' });
    const customer = await api.personId({ userId: 'crm-7' });
    expect(lead).not.toBe(customer);

    await api.send([identify(null, 'crm-7', { email: 'lead@x.com' }, 90)]);
    const profile = await api.profile({ userId: 'crm-7' });
    expect(profile.personId).toBe(customer);
    expect(await api.personId({ email: 'lead@x.com' })).toBe(customer);
    expect(await api.personId({ anonymousId: 'browser-a' })).toBe(customer);
    expect(journeySessions(profile)).toEqual(['sa', 'sb']);
    expect(profile.identities.mergedPersons).toEqual([expect.objectContaining({ personId: lead, email: 'lead@x.com', reason: 'email' })]);
    expect(profile.traits).toMatchObject({ name: 'Lee', email: 'lead@x.com' });
    // The merged person's id still finds the person it became.
    expect((await api.profile(lead!)).personId).toBe(customer);
  });

  it('merges two persons with different userIds on an explicit alias with the secret key, keeping chains flat', async () => {
    const { site, api } = await setup();
    await api.send([page('a', 0, { session: 'sa' }), identify('a', 'u-a', {}, 1, 'sa'), page('b', 10, { session: 'sb' }), identify('b', 'u-b', {}, 11, 'sb'), page('c', 20, { session: 'sc' }), identify('c', 'u-c', {}, 21, 'sc')]);
    const [pa, pb, pc] = [await api.personId({ userId: 'u-a' }), await api.personId({ userId: 'u-b' }), await api.personId({ userId: 'u-c' })];

    // A public key cannot alias.
    const refused = await api.request('POST', '/v1/batch', site.publicKey, { batch: [alias('u-a', 'u-b', 30)] });
    expect(refused.json().rejected).toEqual([expect.objectContaining({ error: expect.stringContaining('secret key') })]);
    expect(await api.personId({ userId: 'u-a' })).toBe(pa);

    await api.send([alias('u-a', 'u-b', 30)]);
    await api.send([alias('u-b', 'u-c', 40)]);
    const profile = await api.profile({ userId: 'u-a' });
    expect(profile.personId).toBe(pc);
    expect(journeySessions(profile)).toEqual(['sa', 'sb', 'sc']);
    expect(profile.identities.mergedPersons.map((p: { personId: string }) => p.personId).sort()).toEqual([pa, pb].sort());
    const rows = await t.query<{ person_id: string; merged_into: string | null }>('select person_id, merged_into from persons where site_id = $1 order by person_id', [site.siteId]);
    expect(rows.filter((r) => r.merged_into !== null).every((r) => r.merged_into === pc)).toBe(true);
    const merges = await t.query<{ into_person_id: string }>('select into_person_id from person_merges where site_id = $1', [site.siteId]);
    expect(merges.map((m) => m.into_person_id)).toEqual([pc, pc]);
  });

  it('lets an unverified identify link a browser but not merge two existing persons', async () => {
    const { site, api } = await setup();
    await api.send([identify('browser-a', null, { email: 'lead@x.com' }, 0)], site.publicKey);
    await api.send([identify(null, 'crm-7', {}, 10)]);
    const lead = await api.personId({ email: 'lead@x.com' });
    const customer = await api.personId({ userId: 'crm-7' });

    await api.send([page('browser-c', 20, { session: 'sc' }), identify('browser-c', 'crm-7', { email: 'lead@x.com' }, 21, 'sc')], site.publicKey);
    expect(await api.personId({ email: 'lead@x.com' })).toBe(lead);
    expect(await api.personId({ userId: 'crm-7' })).toBe(customer);
    expect(await api.personId({ anonymousId: 'browser-c' })).toBe(customer);
    const [n] = await t.query<{ n: number }>('select count(*)::int as n from persons where site_id = $1 and merged_into is null', [site.siteId]);
    expect(n!.n).toBe(2);
  });

  it('lets an unverified identify not change a verified userId', async () => {
    const { site, api } = await setup();
    await api.send([identify('anon-1', 'u-real', { email: 'a@x.com' }, 0)]);
    const real = await api.personId({ userId: 'u-real' });
    await api.send([identify('anon-1', 'u-fake', { email: 'a@x.com' }, 10)], site.publicKey);

    const profile = await api.profile({ email: 'a@x.com' });
    expect(profile.personId).toBe(real);
    expect(profile.identities).toMatchObject({ userId: 'u-real', userIdVerified: true });
    const fake = await api.profile({ userId: 'u-fake' });
    expect(fake.personId).not.toBe(real);
    expect(fake.identities.emails).toEqual([]);
  });

  it('upgrades a userId a browser sent to verified when the backend confirms it', async () => {
    const { site, api } = await setup();
    await api.send([identify('anon-1', 'u-1', {}, 0)], site.publicKey);
    expect((await api.profile({ userId: 'u-1' })).identities.userIdVerified).toBe(false);
    await api.send([identify(null, 'u-1', {}, 5)]);
    expect((await api.profile({ userId: 'u-1' })).identities.userIdVerified).toBe(true);
  });

  it('keeps one person per userId when two API processes take identifies for it at once', async () => {
    const { site, api } = await setup();
    // A second app over the same database: its own batch writer and, on PostgreSQL, its own connections.
    const second = await createTestApp(engine, { db: engine === 'postgres' ? await openTestDb(engine) : t.db });
    const other = personsApi(second, site);
    try {
      await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? api : other).send([identify(`device-${i}`, 'u-race', { email: 'race@x.com' }, i)], site.publicKey)),
      );
    } finally {
      await second.app.close();
      if (engine === 'postgres') await second.db.close();
    }
    const [row] = await t.query<{ persons: number; links: number }>(
      `select (select count(*)::int from persons where site_id = $1) as persons, (select count(*)::int from identity_links where site_id = $1) as links`,
      [site.siteId],
    );
    expect(row).toEqual({ persons: 1, links: 12 });
  });

  it('belongs backend touches sent with only a userId to that person', async () => {
    const { site, api } = await setup();
    await api.send([identify(null, 'crm-1', {}, 0), track(null, 30, 'Call', {}, undefined, 'crm-1')]);
    // A backend track without a campaign is no visit; give it one so that it is an (offline) touch.
    await api.send([{ ...track(null, 60, 'Store visit', {}, undefined, 'crm-1'), context: { campaign: { source: 'store', medium: 'offline' } } }]);
    const profile = await api.profile({ userId: 'crm-1' });
    expect(profile.journey).toEqual([expect.objectContaining({ source: 'store', medium: 'offline' })]);
    expect(site.siteId).toBeTruthy();
  });
});
