import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedSite } from '../src/store/sites.js';
import { engines } from './helpers/engines.js';
import { createTestApp, type TestApp } from './helpers/test-server.js';

describe.each(engines)('PUT /v1/spend on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t?.close());

  const put = (site: CreatedSite, payload: unknown, query = '', contentType?: string) =>
    t.app.inject({
      method: 'PUT',
      url: `/v1/spend${query}`,
      headers: { authorization: `Bearer ${site.secretKey}`, ...(contentType ? { 'content-type': contentType } : {}) },
      payload: payload as object,
    });
  const stored = (site: CreatedSite) =>
    t.query<{ day: string; source: string; medium: string; campaign: string; amount: number; currency: string }>(
      `select to_char(day, 'YYYY-MM-DD') as day, source, medium, campaign, amount::float8 as amount, currency
       from spend where site_id = $1 order by day, source, medium, campaign`,
      [site.siteId],
    );

  it('upserts JSON rows on (day, source, medium, campaign), matching case-insensitively', async () => {
    const site = await t.newSite();
    const first = await put(site, [
      { date: '2026-01-15', source: 'Google', medium: 'CPC', campaign: 'Spring-Sale', amount: 120.5, currency: 'eur' },
      { date: '2026-01-15', source: 'newsletter', amount: 10, currency: 'EUR' },
    ]);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ accepted: 2, inserted: 2, updated: 0, unchanged: 0, rejected: [] });
    expect(await stored(site)).toEqual([
      { day: '2026-01-15', source: 'google', medium: 'cpc', campaign: 'spring-sale', amount: 120.5, currency: 'EUR' },
      { day: '2026-01-15', source: 'newsletter', medium: '', campaign: '', amount: 10, currency: 'EUR' },
    ]);
    const corrected = await put(site, {
      spend: [
        { date: '2026-01-15', source: 'google', medium: 'cpc', campaign: 'spring-sale', amount: 130, currency: 'EUR' },
        { date: '2026-01-15', source: 'Newsletter', amount: 10, currency: 'EUR' },
      ],
    });
    expect(corrected.json()).toEqual({ accepted: 2, inserted: 0, updated: 1, unchanged: 1, rejected: [] });
    expect((await stored(site)).map((r) => r.amount)).toEqual([130, 10]);
  });

  it('keeps valid rows and says why each other one was refused', async () => {
    const site = await t.newSite();
    const res = await put(site, [
      { date: '2026-02-30', source: 'google', amount: 1, currency: 'EUR' },
      { date: '15/01/2026', source: 'google', amount: 1, currency: 'EUR' },
      { date: '2026-01-15', source: 'google', amount: -1, currency: 'EUR' },
      { date: '2026-01-15', source: 'google', amount: 1 },
      { date: '2026-01-15', source: '  ', amount: 1, currency: 'EUR' },
      { date: '2026-01-15', source: 'google', amount: '12', currency: 'EUR' },
      { date: '2026-01-16', source: 'google', amount: 1, currency: 'EUR' },
    ]);
    expect(res.json()).toEqual({
      accepted: 1,
      inserted: 1,
      updated: 0,
      unchanged: 0,
      rejected: [
        { index: 0, error: expect.stringContaining('not a calendar date') },
        { index: 1, error: expect.stringMatching(/^date /) },
        { index: 2, error: expect.stringMatching(/^amount /) },
        { index: 3, error: expect.stringContaining('currency') },
        { index: 4, error: expect.stringContaining('source is blank') },
        { index: 5, error: expect.stringMatching(/^amount .*number/i) },
      ],
    });
  });

  it('adds up rows of one key in a request (an export by ad group), refusing a second currency', async () => {
    const site = await t.newSite();
    const row = { date: '2026-01-15', source: 'facebook', medium: 'paid_social', campaign: 'Retargeting', currency: 'EUR' };
    const res = await put(site, [
      { ...row, amount: 10.1 },
      { ...row, campaign: 'retargeting', amount: 20.2 },
      { ...row, amount: 5, currency: 'USD' },
    ]);
    expect(res.json()).toEqual({
      accepted: 2,
      inserted: 1,
      updated: 0,
      unchanged: 0,
      rejected: [{ index: 2, error: expect.stringContaining('same date, source, medium and campaign as row 0 but in USD instead of EUR') }],
    });
    expect((await stored(site)).map((r) => r.amount)).toEqual([30.3]);
    // The same upload again replaces the total rather than adding to it.
    expect((await put(site, [{ ...row, amount: 10.1 }, { ...row, amount: 20.2 }])).json()).toMatchObject({ unchanged: 1 });
  });

  it('reads CSV exports: ad-platform headers, defaults from the URL, semicolons and decimal commas, lines for bad rows', async () => {
    const site = await t.newSite();
    const googleAds = 'Day,Campaign,Cost,Impressions\n2026-01-15,Spring Sale,"1,234.50",1000\n2026-01-16,Spring Sale,oops,900\n';
    const res = await put(site, googleAds, '?source=google&medium=cpc&currency=eur', 'text/csv');
    expect(res.json()).toEqual({
      accepted: 1,
      inserted: 1,
      updated: 0,
      unchanged: 0,
      rejected: [{ index: 1, line: 3, error: expect.stringContaining('"oops" is not a number') }],
      ignoredColumns: ['Impressions'],
    });
    const european = 'Datum;Date;Source;Medium;Campaign;Amount;Currency\nx;16/01/2026;Facebook;Paid_Social;;"80,50";EUR\n';
    expect((await put(site, european, '', 'text/csv')).json()).toMatchObject({ accepted: 1, rejected: [], ignoredColumns: ['Datum'] });
    expect(await stored(site)).toEqual([
      { day: '2026-01-15', source: 'google', medium: 'cpc', campaign: 'spring sale', amount: 1234.5, currency: 'EUR' },
      { day: '2026-01-16', source: 'facebook', medium: 'paid_social', campaign: '', amount: 80.5, currency: 'EUR' },
    ]);
  });

  it('answers 400 for a CSV without the needed columns, and for JSON that is not rows', async () => {
    const site = await t.newSite();
    const csv = await put(site, 'Day,Cost\n2026-01-15,3\n', '', 'text/csv');
    expect(csv.statusCode).toBe(400);
    expect(csv.json().error).toEqual({ code: 'LAZO_ERR_CSV_COLUMNS', message: expect.stringMatching(/source column.*currency column/) });
    const single = await put(site, { date: '2026-01-15', source: 'google', amount: 1, currency: 'EUR' });
    expect(single.statusCode).toBe(400);
    expect(single.json().error).toMatchObject({ code: 'LAZO_ERR_BODY_INVALID', message: expect.stringContaining('{"spend": [...]}') });
  });

  it('with ?dryRun=true answers what would happen and stores nothing', async () => {
    const site = await t.newSite();
    const res = await put(site, [{ date: '2026-01-15', source: 'google', amount: 1, currency: 'EUR' }], '?dryRun=1');
    expect(res.json()).toEqual({ accepted: 1, inserted: 1, updated: 0, unchanged: 0, rejected: [], dryRun: true });
    expect(await stored(site)).toEqual([]);
  });

  it('keeps sites apart', async () => {
    const [a, b] = [await t.newSite(), await t.newSite()];
    const row = { date: '2026-01-15', source: 'google', amount: 1, currency: 'EUR' };
    await put(a, [row]);
    expect((await put(b, [{ ...row, amount: 2 }])).json()).toMatchObject({ inserted: 1, updated: 0 });
    expect((await stored(a)).map((r) => r.amount)).toEqual([1]);
  });
});
