import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectDemoData } from '@lazo/attribution';
import { seedDemoData, type SeedDemoOptions } from '../src/store/demo-seed.js';
import { engines } from './helpers/engines.js';
import { basic, createTestApp, type TestApp } from './helpers/test-server.js';

const SMALL: SeedDemoOptions = { persons: 120, endDate: '2026-03-31', days: 60, seed: 7, chunkSize: 50 };

describe.each(engines)('seedDemoData on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t?.close());

  it('writes the generator output as rows, once', async () => {
    const site = await t.newSite();
    const expected = collectDemoData({ ...SMALL, endDate: '2026-03-31' });
    const result = await seedDemoData(t.db, site.siteId, SMALL);
    const leads = expected.persons.filter((p) => p.stage !== 'visitor').length;
    expect(result).toMatchObject({
      seeded: true,
      persons: leads,
      sessions: expected.sessions.length + expected.offlineTouches.length,
      conversions: expected.conversions.length,
      spendRows: expected.spend.length,
      identityLinks: expected.identifies.filter((i) => i.anonymousId).length,
    });
    const count = async (table: string) => Number((await t.query<{ n: number }>(`select count(*)::int as n from ${table} where site_id = $1`, [site.siteId]))[0]!.n);
    expect(await count('sessions')).toBe(result.sessions);
    expect(await count('events')).toBe(result.events);
    expect(await count('persons')).toBe(leads);
    // Pageview counts and landing touches as ingestion would have stored them.
    const pageviews = expected.sessions.reduce((n, s) => n + s.pageviews.length, 0);
    const [stored] = await t.query<{ pv: number; offline: number }>(
      `select sum(pageviews)::int as pv, count(*) filter (where anonymous_id is null and user_id is not null and medium = 'phone')::int as offline
       from sessions where site_id = $1`,
      [site.siteId],
    );
    expect(stored).toEqual({ pv: pageviews, offline: expected.offlineTouches.length });

    // Idempotent: a second call finds data and writes nothing.
    expect(await seedDemoData(t.db, site.siteId, SMALL)).toMatchObject({ seeded: false, sessions: 0 });
    expect(await count('sessions')).toBe(result.sessions);
  });

  it('gives a customer a profile with a multi-session journey', async () => {
    const site = await t.newSite();
    await seedDemoData(t.db, site.siteId, SMALL);
    const [customer] = await t.query<{ person_id: string }>(
      `select person_id from conversions where site_id = $1 and type = 'customer' order by conversion_id limit 1`,
      [site.siteId],
    );
    const res = await t.app.inject({ method: 'GET', url: `/v1/persons/${customer!.person_id}`, headers: { authorization: basic(site.secretKey) } });
    expect(res.statusCode).toBe(200);
    const profile = res.json();
    expect(profile.journey.length).toBeGreaterThan(0);
    expect(profile.stage).toBe('customer');
  });

  it('makes the funnel meaningful: every paid channel has sessions, leads and a cost per lead of its own', async () => {
    const site = await t.newSite();
    await seedDemoData(t.db, site.siteId, { ...SMALL, persons: 400 });
    const res = await t.app.inject({ method: 'GET', url: '/v1/reports/funnel?from=2026-02-01&to=2026-03-31', headers: { authorization: basic(site.secretKey) } });
    expect(res.statusCode).toBe(200);
    const rows: Array<{ channel: string; sessions: number; visitors: number; leads: number; spend: number; cpl: number | null }> = res.json().rows;
    for (const row of rows) expect(row.sessions + row.spend).toBeGreaterThan(0);
    const paid = rows.filter((r) => r.spend > 0 && r.leads > 0);
    expect(paid.map((r) => r.channel)).toEqual(expect.arrayContaining(['Paid Search', 'Paid Social']));
    expect(new Set(paid.map((r) => r.cpl)).size).toBe(paid.length);
    expect(res.json().totals).toMatchObject({ leads: expect.any(Number), customers: expect.any(Number) });
    expect(res.json().totals.customers).toBeGreaterThan(0);
  });
});
