import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute, type Journey, type Touch } from '@lazo/attribution';
import { engines } from './helpers/engines.js';
import { basic, createTestApp, type TestApp } from './helpers/test-server.js';
import { RANGE, buildScenario, m } from './reports-scenario.js';
import type { CreatedSite } from '../src/store/sites.js';

const DAY = 1440;

describe.each(engines)('reports on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t?.close());

  const get = async (site: CreatedSite, path: string) => {
    const res = await t.app.inject({ method: 'GET', url: path, headers: { authorization: basic(site.secretKey) } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const scenario = async () => {
    const site = await t.newSite();
    await buildScenario(t, site);
    return site;
  };
  // Channels that only appear on paths credited elsewhere are listed with 0; left out here for brevity.
  const credit = (rows: Array<{ channel: string; conversions: number; revenue: number }>) =>
    Object.fromEntries(rows.filter((r) => r.conversions > 0).map((r) => [r.channel, [r.conversions, r.revenue]]));

  it('stitches the journeys: C merged, B offline, A across devices', async () => {
    const site = await scenario();
    const merged = await t.query<{ n: number }>('select count(*)::int as n from persons where site_id = $1 and merged_into is not null', [site.siteId]);
    expect(merged[0]!.n).toBe(1);
    const report = await get(site, `/v1/reports/attribution?${RANGE}&model=linear`);
    expect(report).toMatchObject({ from: '2025-06-01', to: '2025-06-30', groupBy: ['channel'], model: 'linear', conversion: 'customer', currency: 'EUR' });
    // A: Paid Search, Paid Social, Direct (300); B: Organic Search, Offline (100); C: Email, Paid Search (200).
    expect(credit(report.rows)).toEqual({
      'Paid Search': [0.8333, 200],
      'Paid Social': [0.3333, 100],
      Direct: [0.3333, 100],
      'Organic Search': [0.5, 50],
      Offline: [0.5, 50],
      Email: [0.5, 100],
    });
    expect(report.totals).toEqual({ conversions: 3, revenue: 600 });
  });

  it('gives each model its own credit on the same data', async () => {
    const site = await scenario();
    const model = async (name: string) => credit((await get(site, `/v1/reports/attribution?${RANGE}&model=${name}`)).rows);
    expect(await model('first_touch')).toEqual({ 'Paid Search': [1, 300], 'Organic Search': [1, 100], Email: [1, 200] });
    expect(await model('last_touch')).toEqual({ Direct: [1, 300], Offline: [1, 100], 'Paid Search': [1, 200] });
    expect(await model('last_non_direct')).toEqual({ 'Paid Social': [1, 300], Offline: [1, 100], 'Paid Search': [1, 200] });
    expect(await model('position_based')).toEqual({
      'Paid Search': [0.9, 220],
      Direct: [0.4, 120],
      'Paid Social': [0.2, 60],
      'Organic Search': [0.5, 50],
      Offline: [0.5, 50],
      Email: [0.5, 100],
    });
    // Half-life 7 days: weights 2^(−age/7) by age in days at the purchase.
    const w = (ageDays: number) => 2 ** (-ageDays / 7);
    const share = (ages: number[], i: number) => w(ages[i]!) / ages.reduce((s, a) => s + w(a), 0);
    const a = [6 + 30 / DAY, 3 + 30 / DAY, 30 / DAY];
    const b = [2 + 60 / DAY, 60 / DAY];
    const c = [3, 2];
    const decay = await model('time_decay');
    const expected: Record<string, [number, number]> = {
      'Paid Search': [share(a, 0) + share(c, 1), 300 * share(a, 0) + 200 * share(c, 1)],
      'Paid Social': [share(a, 1), 300 * share(a, 1)],
      Direct: [share(a, 2), 300 * share(a, 2)],
      'Organic Search': [share(b, 0), 100 * share(b, 0)],
      Offline: [share(b, 1), 100 * share(b, 1)],
      Email: [share(c, 0), 200 * share(c, 0)],
    };
    for (const [channel, [conversions, revenue]] of Object.entries(expected)) {
      expect(decay[channel]![0]).toBeCloseTo(conversions, 4);
      expect(decay[channel]![1]).toBeCloseTo(revenue, 2);
    }
    // Markov over the three buying paths and D's path that led nowhere (Paid Social → Direct).
    const touch = (channel: string): Touch => ({ channel });
    const journeys: Journey[] = [
      { touches: ['Paid Search', 'Paid Social', 'Direct'].map(touch), conversions: 1, value: 300 },
      { touches: ['Organic Search', 'Offline'].map(touch), conversions: 1, value: 100 },
      { touches: ['Email', 'Paid Search'].map(touch), conversions: 1, value: 200 },
      { touches: ['Paid Social', 'Direct'].map(touch), conversions: 0 },
    ];
    const exact = attribute(journeys, 'markov');
    const markov = await get(site, `/v1/reports/attribution?${RANGE}&model=markov`);
    expect(markov.conversionProbability).toBeCloseTo(exact.conversionProbability!, 6);
    for (const row of exact.rows) {
      const got = markov.rows.find((r: { channel: string }) => r.channel === row.key);
      expect(got.conversions).toBeCloseTo(row.conversions, 4);
      expect(got.removalEffect).toBeCloseTo(row.removalEffect!, 4);
    }
    expect(await model('linear')).not.toEqual(await model('first_touch'));
    // Leads under Markov (their paths counted in SQL, no other type beside them): every lead of the window is
    // credited or counted uncredited, as under first touch.
    const leadsUnder = async (m: string) => {
      const r = await get(site, `/v1/reports/attribution?${RANGE}&model=${m}&conversion=lead`);
      return { credited: r.totals.conversions, all: r.totals.conversions + r.uncredited.conversions };
    };
    const [leadsMarkov, leadsFirst] = [await leadsUnder('markov'), await leadsUnder('first_touch')];
    expect(leadsFirst.credited).toBeGreaterThan(0);
    expect(leadsMarkov.all).toBeCloseTo(leadsFirst.all, 4);
  });

  it('credits leads at the first identification, a merged person once', async () => {
    const site = await scenario();
    const report = await get(site, `/v1/reports/attribution?${RANGE}&model=last_touch&conversion=lead`);
    // A identified in s1 (Paid Search), B in s4 (Organic Search), C first on c1 (Email).
    expect(credit(report.rows)).toEqual({ 'Paid Search': [1, 0], 'Organic Search': [1, 0], Email: [1, 0] });
    expect(report.totals).toEqual({ conversions: 3, revenue: 0 });
  });

  it('keeps touches inside the lookback window', async () => {
    const site = await scenario();
    // One day back from each purchase: A keeps Direct (30 min before), B the call, C Paid Search (2 days: out).
    const report = await get(site, `/v1/reports/attribution?${RANGE}&model=first_touch&lookbackDays=1`);
    expect(credit(report.rows)).toEqual({ Direct: [1, 300], Offline: [1, 100] });
    expect(report.totals).toEqual({ conversions: 3, revenue: 600 });
    expect(report.uncredited).toEqual({ conversions: 1, revenue: 200 });
  });

  it('groups by campaign, and by several dimensions', async () => {
    const site = await scenario();
    const report = await get(site, `/v1/reports/attribution?${RANGE}&model=first_touch&groupBy=channel,campaign`);
    expect(report.rows).toEqual([
      { channel: 'Email', campaign: 'weekly', conversions: 1, revenue: 200 },
      { channel: 'Organic Search', campaign: '(organic)', conversions: 1, revenue: 100 },
      { channel: 'Paid Search', campaign: 'brand', conversions: 1, revenue: 300 },
      { channel: 'Direct', campaign: '(direct)', conversions: 0, revenue: 0 },
      { channel: 'Offline', campaign: '(not set)', conversions: 0, revenue: 0 },
      { channel: 'Paid Search', campaign: 'generic', conversions: 0, revenue: 0 },
      { channel: 'Paid Social', campaign: 'retarget', conversions: 0, revenue: 0 },
    ]);
  });

  it('answers the funnel per channel: visitors, sessions, credited leads and customers, spend rolled up, ratios, NPS', async () => {
    const site = await scenario();
    const report = await get(site, `/v1/reports/funnel?${RANGE}`);
    expect(report).toMatchObject({ groupBy: ['channel'], model: 'first_touch', conversion: 'customer', currency: 'EUR' });
    const rows = Object.fromEntries(report.rows.map((r: { channel: string }) => [r.channel, r]));
    expect(rows['Paid Search']).toEqual({
      channel: 'Paid Search', visitors: 2, sessions: 2, leads: 1, customers: 1, revenue: 300,
      // brand 50 + generic 20 + no campaign 10; the 999 of May is outside the range.
      spend: 80, cpl: 80, cvr: 1, cpa: 80, roas: 3.75, nps: { score: 100, responses: 1 },
    });
    expect(rows['Paid Social']).toEqual({
      channel: 'Paid Social', visitors: 2, sessions: 2, leads: 0, customers: 0, revenue: 0,
      spend: 30, cpl: null, cvr: null, cpa: null, roas: 0, nps: { score: null, responses: 0 },
    });
    expect(rows.Direct).toMatchObject({ visitors: 2, sessions: 2, leads: 0, customers: 0, spend: 0 });
    expect(rows['Organic Search']).toMatchObject({ visitors: 1, sessions: 1, leads: 1, customers: 1, revenue: 100, spend: 0, cpl: 0, nps: { score: -100, responses: 1 } });
    expect(rows.Offline).toMatchObject({ visitors: 1, sessions: 1, leads: 0, customers: 0 });
    expect(rows.Email).toMatchObject({ visitors: 1, sessions: 1, leads: 1, customers: 1, revenue: 200 });
    expect(Object.keys(rows).sort()).toEqual(['Direct', 'Email', 'Offline', 'Organic Search', 'Paid Search', 'Paid Social']);
    // Four people (A on two browsers is one), nine sessions: the bot's is not one of them.
    expect(report.totals).toEqual({
      visitors: 4, sessions: 9, leads: 3, customers: 3, revenue: 600, spend: 110,
      cpl: 36.67, cvr: 1, cpa: 36.67, roas: 5.4545, nps: { score: 0, responses: 2 },
    });
  });

  it('filters the funnel and rolls spend up by campaign', async () => {
    const site = await scenario();
    const google = await get(site, `/v1/reports/funnel?${RANGE}&source=Google`);
    expect(google.rows.map((r: { channel: string; visitors: number; sessions: number; spend: number }) => [r.channel, r.visitors, r.sessions, r.spend])).toEqual([
      ['Paid Search', 2, 2, 80],
      ['Organic Search', 1, 1, 0],
    ]);
    expect(google.totals).toMatchObject({ visitors: 3, sessions: 3, leads: 2, customers: 2, revenue: 400, spend: 80 });
    const campaigns = await get(site, `/v1/reports/funnel?${RANGE}&groupBy=campaign&channel=Paid%20Search`);
    expect(campaigns.rows.map((r: { campaign: string; sessions: number; spend: number; leads: number }) => [r.campaign, r.sessions, r.spend, r.leads])).toEqual([
      ['brand', 1, 50, 1],
      ['generic', 1, 20, 0],
      ['(not set)', 0, 10, 0],
    ]);
    // Under last_touch C's purchase goes to its last touch, Paid Search (generic); leads stay where they were made.
    const lastTouch = await get(site, `/v1/reports/funnel?${RANGE}&model=last_touch`);
    expect(lastTouch.rows.find((r: { channel: string }) => r.channel === 'Paid Search')).toMatchObject({ leads: 1, customers: 1, revenue: 200 });
  });

  it('answers the timeseries per day and per ISO week, zeros included', async () => {
    const site = await scenario();
    const days = await get(site, `/v1/reports/timeseries?${RANGE}`);
    expect(days.points).toHaveLength(30);
    const day = (date: string) => days.points.find((p: { date: string }) => p.date === date);
    expect(day('2025-06-01')).toEqual({ date: '2025-06-01', visitors: 0, sessions: 0, leads: 0, customers: 0, revenue: 0, spend: 0 });
    expect(day('2025-06-02')).toEqual({ date: '2025-06-02', visitors: 1, sessions: 1, leads: 1, customers: 0, revenue: 0, spend: 50 });
    expect(day('2025-06-08')).toEqual({ date: '2025-06-08', visitors: 1, sessions: 1, leads: 0, customers: 1, revenue: 300, spend: 0 });
    expect(day('2025-06-12')).toMatchObject({ sessions: 1, customers: 1, revenue: 100 });
    expect(day('2025-06-20')).toMatchObject({ visitors: 1, sessions: 1 });
    const weeks = await get(site, `/v1/reports/timeseries?${RANGE}&interval=week`);
    expect(weeks.points.map((p: { date: string }) => p.date)).toEqual(['2025-05-26', '2025-06-02', '2025-06-09', '2025-06-16', '2025-06-23', '2025-06-30']);
    // Week of 2 June: A's three sessions on two browsers are one visitor.
    expect(weeks.points[1]).toEqual({ date: '2025-06-02', visitors: 1, sessions: 3, leads: 1, customers: 1, revenue: 300, spend: 90 });
    expect(weeks.points[0]).toMatchObject({ sessions: 0, spend: 0 });
  });

  it('answers zeros for an empty period', async () => {
    const site = await scenario();
    const range = 'from=2024-01-01&to=2024-01-07';
    const funnel = await get(site, `/v1/reports/funnel?${range}`);
    expect(funnel.rows).toEqual([]);
    expect(funnel.totals).toMatchObject({ visitors: 0, sessions: 0, leads: 0, customers: 0, revenue: 0, spend: 0, cpl: null, cvr: null });
    const attribution = await get(site, `/v1/reports/attribution?${range}&model=markov`);
    expect(attribution).toMatchObject({ rows: [], totals: { conversions: 0, revenue: 0 } });
    const series = await get(site, `/v1/reports/timeseries?${range}`);
    expect(series.points).toHaveLength(7);
    expect(series.points.every((p: { sessions: number }) => p.sessions === 0)).toBe(true);
  });

  it('refuses unusable parameters with 400 and what is wrong; reads need the secret key', async () => {
    const site = await t.newSite();
    const bad = async (query: string, words: string) => {
      const res = await t.app.inject({ method: 'GET', url: `/v1/reports/${query}`, headers: { authorization: basic(site.secretKey) } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('LAZO_ERR_QUERY_INVALID');
      expect(res.json().error.message).toContain(words);
    };
    await bad('funnel?from=2025-02-30', 'YYYY-MM-DD');
    await bad('funnel?from=yesterday', 'YYYY-MM-DD');
    await bad('attribution?from=2025-06-10&to=2025-06-01', 'after');
    await bad('timeseries?from=2020-01-01&to=2025-01-01', 'at most');
    await bad('attribution?model=shapley', 'model');
    await bad('funnel?groupBy=channel,country', 'country');
    await bad('timeseries?interval=month', 'interval');
    await bad('attribution?lookbackDays=0', 'lookbackDays');
    await bad('attribution?groupby=channel', 'Unknown parameter');
    const pub = await t.app.inject({ method: 'GET', url: '/v1/reports/funnel', headers: { authorization: basic(site.publicKey) } });
    expect(pub.statusCode).toBe(403);
    const none = await t.app.inject({ method: 'GET', url: '/v1/reports/funnel' });
    expect(none.statusCode).toBe(401);
  });

  it('uses the default range of 30 days ending today', async () => {
    const site = await t.newSite();
    const report = await get(site, '/v1/reports/timeseries');
    expect(report.points).toHaveLength(30);
    expect(report.to).toBe(new Date().toISOString().slice(0, 10));
  });
});
