import { createChannelClassifier, type ChannelRule } from '@lazo/attribution';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/store/db.js';
import { updateSite, type CreatedSite } from '../src/store/sites.js';
import { KEPT_CONVERSION_TYPE } from '../src/store/moments.js';
import { resolvePendingSessions } from '../src/store/session-persons.js';
import { engines, postgresUrl } from './helpers/engines.js';
import { alias, at, identify, page, personsApi, track } from './helpers/persons-api.js';
import { basic, createTestApp, type TestApp } from './helpers/test-server.js';

/** The root person holding a userId. */
const rootOfUser = async (t: TestApp, site: CreatedSite, userId: string) =>
  (await t.db.query<{ p: string }>('select coalesce(merged_into, person_id) as p from persons where site_id = $1 and user_id = $2', [site.siteId, userId])).rows[0]?.p;

/**
 * The touches of migrations 0005 and 0006 against their definition, derived here from the sessions and
 * persons: every resolved, non-bot session once, with the day of its journey's previous and next touch, the
 * previous touch's kind, the day of the previous touch in the same channel (under the site's rules now),
 * source, medium and campaign — journeys ordered by (started_at, kind_id) — its journey's lead moment
 * (the earliest creation among the person's root and the persons merged into it), the previous and next
 * touch's start, and (migration 0008) its journey's conversions of the kept type around it, as
 * lazo_conversion_persons assigns conversions to journeys: the first at or after it (and its value, the
 * first by conversionId at that instant) and the last before it.
 */
async function expectTouchesDerived(db: Db, siteId: string): Promise<void> {
  const { rows: [site] } = await db.query<{ rules: ChannelRule[] | null }>(`select settings->'channelRules' as rules from sites where site_id = $1`, [siteId]);
  const classify = createChannelClassifier(site?.rules ?? []);
  const { rows: leads } = await db.query<{ root: string; at: Date }>(
    'select coalesce(merged_into, person_id) as root, min(created_at) as at from persons where site_id = $1 group by 1',
    [siteId],
  );
  const leadOf = new Map(leads.map((l) => [l.root, l.at.toISOString()]));
  const { rows: conversions } = await db.query<{ visitor: string; at: Date; value: number }>(
    `select hashtextextended(coalesce(coalesce('p:' || resolved_person_id, 'a:' || anonymous_id, 'u:' || user_id), '#' || conversion_id), 0)::text as visitor,
            occurred_at as at, value::float8 as value
     from lazo_conversion_persons where site_id = $1 and type = $2 order by occurred_at, conversion_id`,
    [siteId, KEPT_CONVERSION_TYPE],
  );
  const { rows: sessions } = await db.query<{ visitor: string; person_id: string | null; started_at: Date; kind_id: number; source: string; medium: string; campaign: string }>(
    `select s.visitor::text, s.person_id, s.started_at, s.kind_id, k.source, k.medium, k.campaign
     from sessions s join touch_kinds k on k.site_id = s.site_id and k.kind_id = s.kind_id
     where s.site_id = $1 and s.visitor is not null and not s.is_bot`,
    [siteId],
  );
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const instant = (d: unknown) => (d === null ? null : (d as Date).toISOString());
  const journeys = new Map<string, typeof sessions>();
  for (const s of sessions) journeys.set(s.visitor, [...(journeys.get(s.visitor) ?? []), s]);
  const expected: unknown[] = [];
  for (const journey of journeys.values()) {
    journey.sort((a, b) => a.started_at.getTime() - b.started_at.getTime() || a.kind_id - b.kind_id);
    const lastIn: Record<string, Map<string, string>> = { channel: new Map(), source: new Map(), medium: new Map(), campaign: new Map() };
    journey.forEach((s, i) => {
      const values = { channel: classify(s), source: s.source, medium: s.medium, campaign: s.campaign };
      const previousIn = Object.fromEntries(Object.entries(values).map(([dim, v]) => [dim, lastIn[dim]!.get(v) ?? null]));
      for (const [dim, v] of Object.entries(values)) lastIn[dim]!.set(v, day(s.started_at));
      const leadAt = s.person_id === null ? null : (leadOf.get(s.person_id) ?? null);
      const own = conversions.filter((c) => c.visitor === s.visitor);
      const next = own.find((c) => c.at >= s.started_at);
      const previous = own.filter((c) => c.at < s.started_at).at(-1);
      expected.push({
        visitor: s.visitor, startedAt: s.started_at.toISOString(), kind: s.kind_id, day: day(s.started_at),
        prevDay: i > 0 ? day(journey[i - 1]!.started_at) : null, nextDay: i + 1 < journey.length ? day(journey[i + 1]!.started_at) : null,
        prevKind: i > 0 ? journey[i - 1]!.kind_id : null,
        prevChannelDay: previousIn.channel, prevSourceDay: previousIn.source, prevMediumDay: previousIn.medium, prevCampaignDay: previousIn.campaign,
        leadAt,
        prevStartedAt: i > 0 ? journey[i - 1]!.started_at.toISOString() : null,
        nextStartedAt: i + 1 < journey.length ? journey[i + 1]!.started_at.toISOString() : null,
        convAt: instant(next?.at ?? null), convValue: next ? Number(next.value) : null, prevConvAt: instant(previous?.at ?? null),
      });
    });
  }
  const { rows: touches } = await db.query(
    `select visitor::text, started_at, kind_id, day::text, prev_day::text, next_day::text, prev_kind_id,
            prev_channel_day::text, prev_source_day::text, prev_medium_day::text, prev_campaign_day::text,
            lead_at, prev_started_at, next_started_at, conv_at, conv_value, prev_conv_at
     from touches where site_id = $1`,
    [siteId],
  );
  const actual = touches.map((t) => ({
    visitor: t.visitor, startedAt: (t.started_at as Date).toISOString(), kind: t.kind_id, day: t.day,
    prevDay: t.prev_day, nextDay: t.next_day, prevKind: t.prev_kind_id,
    prevChannelDay: t.prev_channel_day, prevSourceDay: t.prev_source_day, prevMediumDay: t.prev_medium_day, prevCampaignDay: t.prev_campaign_day,
    leadAt: instant(t.lead_at), prevStartedAt: instant(t.prev_started_at), nextStartedAt: instant(t.next_started_at),
    convAt: instant(t.conv_at), convValue: t.conv_value === null ? null : Number(t.conv_value), prevConvAt: instant(t.prev_conv_at),
  }));
  const order = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();
  expect(order(actual)).toEqual(order(expected));
  await expectMomentTallies(db, siteId, expected as DerivedTouch[]);
  await expectTouchTallies(db, siteId, expected as DayTouch[]);
}

type DayTouch = DerivedTouch & { day: string; prevDay: string | null; nextDay: string | null } & Record<'prevChannelDay' | 'prevSourceDay' | 'prevMediumDay' | 'prevCampaignDay', string | null>;

/**
 * touch_tallies (migration 0011) against its definition, counted here from the touches as derived above:
 * per UTC day and (previous kind, kind), the touches; those without a previous touch, overall and in each
 * group; and for leads (journeys never identified) and the kept type (journeys that never bought around the
 * touch) the touches that start a path, follow in one and end one in a window of all time. Rows counted down
 * to nothing are left out.
 */
async function expectTouchTallies(db: Db, siteId: string, touches: DayTouch[]): Promise<void> {
  const tallies = new Map<string, number[]>();
  for (const t of touches) {
    const key = `${t.day} ${t.prevKind ?? 0} ${t.kind}`;
    const first = t.prevDay === null;
    const last = t.nextDay === null;
    const neverLead = t.leadAt === null;
    const neverBought = t.convAt === null && t.prevConvAt === null;
    const counts = [
      true, first, t.prevChannelDay === null, t.prevSourceDay === null, t.prevMediumDay === null, t.prevCampaignDay === null,
      neverLead && first, neverLead && !first, neverLead && last, neverBought && first, neverBought && !first, neverBought && last,
    ].map(Number);
    const tally = tallies.get(key) ?? counts.map(() => 0);
    tallies.set(key, tally.map((n, i) => n + counts[i]!));
  }
  const { rows } = await db.query<{ key: string; counts: number[] }>(
    `select day::text || ' ' || prev_kind_id || ' ' || kind_id as key,
            array[touches, starts, channel_firsts, source_firsts, medium_firsts, campaign_firsts,
                  lead_starts, lead_follows, lead_ends, kept_starts, kept_follows, kept_ends]::int[] as counts
     from touch_tallies where site_id = $1 and touches <> 0`,
    [siteId],
  );
  // A row counted down to no touches counts nothing else either.
  const { rows: stray } = await db.query(`select 1 from touch_tallies where site_id = $1 and touches = 0
       and (starts, channel_firsts, source_firsts, medium_firsts, campaign_firsts, lead_starts, lead_follows, lead_ends, kept_starts, kept_follows, kept_ends)
           <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)`, [siteId]);
  expect(stray).toEqual([]);
  expect(Object.fromEntries(rows.map((r) => [r.key, r.counts]))).toEqual(Object.fromEntries(tallies));
}

type DerivedTouch = { startedAt: string; kind: number; prevKind: number | null; leadAt: string | null; prevStartedAt: string | null; nextStartedAt: string | null; convAt: string | null; convValue: number | null; prevConvAt: string | null };

/**
 * moment_tallies (migration 0009) against its definition, counted here from the touches as derived above:
 * per type, UTC day of the conversion and (previous kind, kind), the touches in their lead's or kept-type
 * conversion's lookback of 90 days that start a path (the previous touch before the lookback, or not after
 * the journey's previous conversion), follow in one, or end one (the next touch after the conversion), and
 * the value of the conversions whose paths start and end there. Rows counted down to nothing are left out.
 */
async function expectMomentTallies(db: Db, siteId: string, touches: DerivedTouch[]): Promise<void> {
  const lookback = 90 * 86_400_000;
  const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));
  const tallies = new Map<string, { starts: number; follows: number; ends: number; startValue: number; endValue: number }>();
  const count = (type: string, at: number, t: DerivedTouch, first: boolean, last: boolean, value: number) => {
    const key = `${type} ${new Date(at).toISOString().slice(0, 10)} ${t.prevKind ?? 0} ${t.kind}`;
    const tally = tallies.get(key) ?? { starts: 0, follows: 0, ends: 0, startValue: 0, endValue: 0 };
    tally[first ? 'starts' : 'follows']++;
    if (first) tally.startValue += value;
    if (last) {
      tally.ends++;
      tally.endValue += value;
    }
    tallies.set(key, tally);
  };
  for (const t of touches) {
    const started = Date.parse(t.startedAt);
    const previous = ms(t.prevStartedAt);
    const next = ms(t.nextStartedAt);
    const lead = ms(t.leadAt);
    if (lead !== null && started <= lead && started >= lead - lookback) {
      count('lead', lead, t, previous === null || previous < lead - lookback, next === null || next > lead, 0);
    }
    const conv = ms(t.convAt);
    const previousConv = ms(t.prevConvAt);
    if (conv !== null && started >= conv - lookback) {
      const first = previous === null || previous < conv - lookback || (previousConv !== null && previous <= previousConv);
      count(KEPT_CONVERSION_TYPE, conv, t, first, next === null || next > conv, t.convValue ?? 0);
    }
  }
  const { rows } = await db.query<{ key: string; starts: number; follows: number; ends: number; start_value: number; end_value: number }>(
    `select type || ' ' || day::text || ' ' || prev_kind_id || ' ' || kind_id as key, starts::int, follows::int, ends::int,
            start_value::float8, end_value::float8
     from moment_tallies where site_id = $1 and (starts, follows, ends, start_value, end_value) <> (0, 0, 0, 0, 0)`,
    [siteId],
  );
  const actual = Object.fromEntries(
    rows.map((r) => [r.key, { starts: r.starts, follows: r.follows, ends: r.ends, startValue: Number(r.start_value), endValue: Number(r.end_value) }]),
  );
  const expected = Object.fromEntries(
    [...tallies].map(([key, t]) => [key, { ...t, startValue: expect.closeTo(t.startValue, 6), endValue: expect.closeTo(t.endValue, 6) }]),
  );
  expect(actual).toEqual(expected);
}

/**
 * The cache of migration 0004 (sessions.person_id / visitor) against its definition, the view
 * lazo_session_persons: after every identity change and a resolution pass, each session's cached person is
 * the view's, and the pass only touched what the change may have moved.
 */
describe.each(engines)('session person cache on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t?.close());

  const send = (site: CreatedSite, batch: unknown[]) => personsApi(t, site).send(batch);
  const pending = async (site: CreatedSite) =>
    (await t.db.query<{ n: number }>('select count(*)::int as n from sessions where site_id = $1 and not resolved', [site.siteId])).rows[0]!.n;
  /** session → cached person, after checking every cached person is the view's. */
  const cached = async (site: CreatedSite) => {
    await resolvePendingSessions(t.db, site.siteId);
    expect(await pending(site)).toBe(0);
    const { rows } = await t.db.query<{ session_id: string; cached: string | null; resolved: string | null; visitor_ok: boolean; kind_ok: boolean }>(
      `select s.session_id, s.person_id as cached, v.person_id as resolved,
              s.visitor = hashtextextended(coalesce('p:' || v.person_id, 'a:' || v.anonymous_id, 'u:' || v.user_id), 0) as visitor_ok,
              k.source = s.source and k.medium = s.medium and k.campaign = s.campaign as kind_ok
       from sessions s
       join lazo_session_persons v on v.site_id = s.site_id and v.session_id = s.session_id
       left join touch_kinds k on k.site_id = s.site_id and k.kind_id = s.kind_id
       where s.site_id = $1 order by s.session_id`,
      [site.siteId],
    );
    for (const r of rows) {
      expect({ session: r.session_id, person: r.cached, visitorMatches: r.visitor_ok, kindMatches: r.kind_ok }).toEqual({
        session: r.session_id,
        person: r.resolved,
        visitorMatches: true,
        kindMatches: true,
      });
    }
    // Conversions' cached journeys (migration 0008) are the view's.
    const { rows: conversions } = await t.db.query<{ conversion_id: string; resolved: boolean; visitor_ok: boolean }>(
      `select c.conversion_id, c.resolved,
              c.visitor = hashtextextended(coalesce(coalesce('p:' || v.resolved_person_id, 'a:' || v.anonymous_id, 'u:' || v.user_id), '#' || v.conversion_id), 0) as visitor_ok
       from conversions c join lazo_conversion_persons v on v.site_id = c.site_id and v.conversion_id = c.conversion_id
       where c.site_id = $1 order by c.conversion_id`,
      [site.siteId],
    );
    for (const c of conversions) expect({ conversion: c.conversion_id, resolved: c.resolved, visitorMatches: c.visitor_ok }).toEqual({ conversion: c.conversion_id, resolved: true, visitorMatches: true });
    await expectTouchesDerived(t.db, site.siteId);
    return Object.fromEntries(rows.map((r) => [r.session_id, r.cached]));
  };
  const personOf = (site: CreatedSite, userId: string) => rootOfUser(t, site, userId);

  it('follows retroactive stitching, a second device, a merge and a shared device', async () => {
    const site = await t.newSite();
    await send(site, [page('phone', 0, { session: 'p1' }), page('laptop', 5, { session: 'l1' })]);
    expect(await cached(site)).toEqual({ l1: null, p1: null });

    // Identified on the phone: its earlier visit becomes the person's (retroactive).
    await send(site, [identify('phone', null, { email: 'ana@example.com' }, 10, 'p1')]);
    expect(await pending(site)).toBe(1);
    const ana = (await cached(site)).p1;
    expect(ana).toBeTruthy();

    // The laptop identifies with a userId and the same email: both devices end up one person.
    await send(site, [identify('laptop', 'u-ana', { email: 'ana@example.com' }, 20, 'l1')]);
    const root = await personOf(site, 'u-ana');
    expect(await cached(site)).toEqual({ l1: root, p1: root });

    // The laptop is shared: from minute 30 it is Bo's (a visit belongs to whoever held the browser when it
    // started); Ana's earlier visit stays hers.
    await send(site, [identify('laptop', 'u-bo', {}, 30, 'l2'), page('laptop', 31, { session: 'l2' })]);
    const bo = await personOf(site, 'u-bo');
    expect(bo).not.toBe(root);
    expect(await cached(site)).toEqual({ l1: root, l2: bo, p1: root });
  });

  it('follows an alias merge and a backend touch whose userId a conversion gives a person', async () => {
    const site = await t.newSite();
    await send(site, [page('tab', 0, { session: 't1' }), identify('tab', 'old-id', {}, 1, 't1')]);
    // A call center's touch (a campaign, a userId, no browser) for a customer nobody has identified yet.
    const call = { ...track(null, 2, 'Call Received', {}, 'call-1', 'crm-7'), context: { campaign: { source: 'phone', medium: 'offline' }, lazo: { sessionId: 'call-1' } } };
    await send(site, [call]);
    const before = await cached(site);
    expect(before.t1).toBe(await personOf(site, 'old-id'));
    expect(before).toHaveProperty('call-1', null);

    // A secret-key alias merges old-id into new-id: the tab's visit moves to the survivor.
    await send(site, [alias('old-id', 'new-id', 3)]);
    const after = await cached(site);
    expect(after.t1).toBe(await personOf(site, 'new-id'));

    // A sale for crm-7 creates that person; its backend touch is now theirs.
    const sale = await t.app.inject({
      method: 'POST',
      url: '/v1/conversions',
      headers: { authorization: basic(site.secretKey) },
      payload: { conversionId: 'sale-1', userId: 'crm-7', type: 'customer', value: 10, occurredAt: at(4) },
    });
    expect(sale.statusCode).toBe(200);
    const crm = await personOf(site, 'crm-7');
    expect(crm).toBeTruthy();
    expect((await cached(site))['call-1']).toBe(crm);
  });

  it("moves a journey's lead moment when an earlier person without visits is merged into it", async () => {
    const site = await t.newSite();
    // A backend identifies crm-1 first (no browser, no visit); the person later visits and signs up as u-web.
    await send(site, [identify(null, 'crm-1', {}, 0)]);
    await send(site, [page('tab', 10, { session: 't1' }), page('tab', 20, { session: 't2' }), identify('tab', 'u-web', {}, 20, 't2')]);
    await cached(site);
    const leadAt = async () =>
      (await t.db.query<{ at: Date }>('select distinct lead_at as at from touches where site_id = $1', [site.siteId])).rows.map((r) => r.at.toISOString());
    expect(await leadAt()).toEqual([at(20)]);
    // Merging crm-1 into u-web moves no visit, but u-web's journey became a lead at minute 0.
    await send(site, [alias('crm-1', 'u-web', 30)]);
    await cached(site);
    expect(await leadAt()).toEqual([at(0)]);
  });

  it("follows a conversion to the journey it moves to, and puts its moment on that journey's touches", async () => {
    const site = await t.newSite();
    const convert = async (payload: Record<string, unknown>, query = '') => {
      const res = await t.app.inject({ method: 'POST', url: `/v1/conversions${query}`, headers: { authorization: basic(site.secretKey) }, payload: { type: 'customer', ...payload } });
      expect(res.statusCode).toBe(200);
    };
    const moments = async () =>
      (await t.db.query<{ visitor: string; conv_at: Date | null }>('select visitor::text, conv_at from touches where site_id = $1 and conv_at is not null order by started_at', [site.siteId])).rows.map((r) => r.conv_at!.toISOString());
    // Ana visits twice; an anonymous shop (a browser with no visit here) buys at minute 5, Ana's phone at 12.
    await send(site, [page('laptop', 0, { session: 'l1' }), identify('laptop', 'u-ana', {}, 1, 'l1'), page('laptop', 10, { session: 'l2' })]);
    await send(site, [page('phone', 11, { session: 'p1' })]);
    await convert({ conversionId: 'shop-1', anonymousId: 'shop', value: 5, occurredAt: at(5) });
    await convert({ conversionId: 'phone-1', anonymousId: 'phone', value: 12, occurredAt: at(12) });
    await cached(site);
    expect(await moments()).toEqual([at(12)]);
    // The shop's browser turns out to be Ana's: its purchase joins her journey though no visit moved.
    await send(site, [identify('shop', 'u-ana', {}, 20)]);
    await cached(site);
    expect(await moments()).toEqual([at(5), at(12)]);
    // The phone is Bo's, who is then merged into Ana by a verified alias: his purchase and visit follow.
    await send(site, [identify('phone', 'u-bo', {}, 13, 'p1')]);
    await cached(site);
    await send(site, [alias('u-bo', 'u-ana', 30)]);
    await cached(site);
    expect(await moments()).toEqual([at(5), at(12), at(12)]);
    // Two purchases at one instant, and one replaced with another time and value (upsert): touches follow (a
    // visit at the purchase's instant is part of its path).
    await convert({ conversionId: 'phone-2', userId: 'u-ana', value: 3, occurredAt: at(12) });
    await convert({ conversionId: 'shop-1', anonymousId: 'shop', value: 7, occurredAt: at(10) }, '?upsert=true');
    await cached(site);
    expect(await moments()).toEqual([at(10), at(10), at(12)]);
  });

  it('follows a visit that a late message moves to an earlier start and another landing touch', async () => {
    const site = await t.newSite();
    await send(site, [page('laptop', 0, { session: 'l1' }), identify('laptop', 'u-ana', {}, 1, 'l1')]);
    await send(site, [identify('laptop', 'u-bo', {}, 30, 'l2'), page('laptop', 40, { session: 'l2' })]);
    const ana = await personOf(site, 'u-ana');
    const bo = await personOf(site, 'u-bo');
    expect(await cached(site)).toEqual({ l1: ana, l2: bo });
    // A message of l2 from minute 25 arrives late (an offline queue): l2 started before Bo took the
    // browser, so it is Ana's, and its landing touch is the late message's campaign.
    await send(site, [page('laptop', 25, { session: 'l2', campaign: { source: 'newsletter', medium: 'email', name: 'weekly' } })]);
    expect(await pending(site)).toBe(1);
    expect(await cached(site)).toEqual({ l1: ana, l2: ana });
    const kind = await t.db.query<{ source: string }>(
      'select k.source from sessions s join touch_kinds k on k.site_id = s.site_id and k.kind_id = s.kind_id where s.site_id = $1 and s.session_id = $2',
      [site.siteId, 'l2'],
    );
    expect(kind.rows).toEqual([{ source: 'newsletter' }]);
  });

  it('derives touches over days and weeks, and derives them again when the channel rules change', async () => {
    const site = await t.newSite();
    const day = 24 * 60;
    const mail = { source: 'newsletter', medium: 'email', name: 'weekly' };
    const partner = { source: 'partner.example', medium: 'referral', name: 'spring' };
    await send(site, [
      page('a', 0, { session: 'a1', campaign: mail }),
      page('a', day, { session: 'a2', campaign: partner }),
      page('a', 3 * day, { session: 'a3', campaign: mail }),
      page('a', 9 * day, { session: 'a4' }),
      // The partner's source with the newsletter's medium and campaign: each dimension has a previous touch of its own.
      page('a', 10 * day, { session: 'a5', campaign: { source: 'partner.example', medium: 'email', name: 'weekly' } }),
      page('b', 2 * day, { session: 'b1', campaign: partner }),
      identify('b', 'u-b', {}, 2 * day + 1, 'b1'),
      page('c', 4 * day, { session: 'c1', campaign: partner }),
      identify('c', 'u-b', {}, 4 * day + 1, 'c1'),
    ]);
    await cached(site);
    const channelOf = async (source: string) =>
      (await t.db.query<{ channel: string }>('select channel from touch_kinds where site_id = $1 and source = $2 order by channel', [site.siteId, source])).rows.map((r) => r.channel);
    expect(await channelOf('partner.example')).toEqual(['Email', 'Referral']);
    // A rule moves the partner's visits to a channel of their own, and mail into it too: touches follow.
    await updateSite(t.db, site.siteId, {
      settings: { channelRules: [{ channel: 'Partners', when: { source: '/^(partner\\.example|newsletter)$/' } }] },
    });
    await cached(site);
    expect(await channelOf('partner.example')).toEqual(['Partners', 'Partners']);
  });

  it('resolves only what was written or moved since the last pass', async () => {
    const site = await t.newSite();
    await send(site, [page('a', 0, { session: 'a1' }), page('b', 0, { session: 'b1' }), page('c', 0, { session: 'c1' })]);
    // In steps of two (a bulk import commits step by step): all three, then nothing left.
    expect(await resolvePendingSessions(t.db, site.siteId, 2)).toBe(3);
    expect(await resolvePendingSessions(t.db, site.siteId)).toBe(0);
    await send(site, [identify('b', 'u-b', {}, 1, 'b1')]);
    expect(await resolvePendingSessions(t.db, site.siteId)).toBe(1);
  });

  it('stays consistent while identifies, visits, resolutions and an erasure run at once', async () => {
    const site = await t.newSite();
    const api = personsApi(t, site);
    await send(site, [page('gone', 0, { session: 'g1' }), identify('gone', 'u-gone', {}, 1, 'g1')]);
    // Resolved first, so that the erasure takes the lead's touches (and their moment tallies) away.
    await resolvePendingSessions(t.db, site.siteId);
    const gone = await personOf(site, 'u-gone');
    // Browsers b0…b11 visit and identify in separate requests (each its own write), two browsers per
    // person, while reports resolve and the first person is erased.
    const writes = Array.from({ length: 12 }, (_, i) =>
      send(site, [
        page(`b${i}`, 10 + i, { session: `s${i}` }),
        identify(`b${i}`, `u-${i % 6}`, { email: `p${i % 6}@example.com` }, 11 + i, `s${i}`),
        page(`b${i}`, 40 + i, { session: `s${i}-later` }),
      ]),
    );
    const resolutions = Array.from({ length: 4 }, () => resolvePendingSessions(t.db, site.siteId));
    const erasure = api.request('DELETE', `/v1/persons/${gone}`);
    await Promise.all([...writes, ...resolutions]);
    expect((await erasure).statusCode).toBe(200);
    const after = await cached(site);
    expect(Object.keys(after)).toHaveLength(24);
    for (let i = 0; i < 12; i++) expect(after[`s${i}`]).toBe(await personOf(site, `u-${i % 6}`));
  });
});

// Two transactions at once need connections of their own: PostgreSQL only (PGlite has one).
describe.runIf(postgresUrl)('session person cache under concurrent writers on postgres', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('postgres');
  });
  afterAll(() => t?.close());
  const send = (site: CreatedSite, batch: unknown[]) => personsApi(t, site).send(batch);
  const personOf = (site: CreatedSite, userId: string) => rootOfUser(t, site, userId);
  const cachedPerson = async (site: CreatedSite, session: string) => {
    await resolvePendingSessions(t.db, site.siteId);
    return (await t.db.query<{ p: string | null }>('select person_id as p from sessions where site_id = $1 and session_id = $2', [site.siteId, session])).rows[0]?.p;
  };

  it('an identify written while the identity lock is held waits for it before touching its visit (no deadlock)', async () => {
    const site = await t.newSite();
    await send(site, [page('tab', 0, { session: 'v1' })]);
    await resolvePendingSessions(t.db, site.siteId);
    let written: Promise<unknown> | undefined;
    // An identity writer holds the site's lock and, later, marks the tab's visit; meanwhile an identify for
    // the tab arrives with a message of that same visit. Were the ingestion transaction to take the visit's
    // row before the lock, each would wait on the other and PostgreSQL would abort one.
    await t.db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [site.siteId]);
      written = send(site, [page('tab', 2, { session: 'v1' }), identify('tab', 'u-tab', {}, 3, 'v1')]);
      await new Promise((r) => setTimeout(r, 300));
      await tx.query('update sessions set resolved = false where site_id = $1 and anonymous_id = $2', [site.siteId, 'tab']);
    });
    await written;
    expect(await cachedPerson(site, 'v1')).toBe(await personOf(site, 'u-tab'));
  });
});
