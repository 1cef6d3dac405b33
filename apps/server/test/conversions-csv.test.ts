import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedSite } from '../src/store/sites.js';
import { engines } from './helpers/engines.js';
import { createTestApp, type TestApp } from './helpers/test-server.js';

describe.each(engines)('POST /v1/conversions (CSV) on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t?.close());

  const upload = (site: CreatedSite, csv: string, query = '', contentType = 'text/csv; charset=utf-8') =>
    t.app.inject({ method: 'POST', url: `/v1/conversions${query}`, headers: { authorization: `Bearer ${site.secretKey}`, 'content-type': contentType }, payload: csv });
  const stored = (site: CreatedSite) =>
    t.query<{ conversion_id: string; email: string | null; user_id: string | null; type: string; value: number; currency: string | null; occurred_at: Date; properties: unknown }>(
      'select conversion_id, email, user_id, type, value::float8 as value, currency, occurred_at, properties from conversions where site_id = $1 order by occurred_at, conversion_id',
      [site.siteId],
    );

  it('stores a CRM export of closed deals, reports bad rows by CSV line, and a re-upload stores nothing twice', async () => {
    const site = await t.newSite();
    const csv = [
      'Deal ID,Email,User_ID,Amount,Currency,Close Date,Type,Deal Owner,Notes',
      'D-1,ann@example.com,,"1,200.50",EUR,15/01/2026,customer,Bob,"multi',
      'line note"',
      'D-2,,crm-7,349.90,eur,2026-01-16T14:30:00Z,customer,Bob,',
      'D-3,cy@example.com,,12 EUR,EUR,03/25/2026,customer,Bob,',
      'D-4,,,10,EUR,2026-01-17,customer,Bob,',
      'D-5,dee@example.com,,ten,EUR,2026-01-18,customer,Bob,',
      'D-6,"eve@example.com",,"99,90",EUR,18.01.2026,lead,Bob,"say ""hi"""',
    ].join('\r\n');
    const res = await upload(site, csv);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      accepted: 3,
      duplicates: 0,
      rejected: [
        { index: 2, line: 5, conversionId: 'D-3', error: expect.stringContaining('Lazo reads DD/MM/YYYY') },
        { index: 3, line: 6, conversionId: 'D-4', error: expect.stringContaining('userId, email or anonymousId') },
        { index: 4, line: 7, conversionId: 'D-5', error: expect.stringContaining('"ten" is not a number') },
      ],
      ignoredColumns: ['Deal Owner', 'Notes'],
    });
    expect(await stored(site)).toEqual([
      expect.objectContaining({ conversion_id: 'D-1', email: 'ann@example.com', value: 1200.5, currency: 'EUR', occurred_at: new Date('2026-01-15T00:00:00Z') }),
      expect.objectContaining({ conversion_id: 'D-2', user_id: 'crm-7', value: 349.9, occurred_at: new Date('2026-01-16T14:30:00Z') }),
      expect.objectContaining({ conversion_id: 'D-6', type: 'lead', value: 99.9, occurred_at: new Date('2026-01-18T00:00:00Z') }),
    ]);
    const again = await upload(site, csv);
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 3 });
  });

  it('derives ids for a file without an id column, and takes type and currency from the URL', async () => {
    const site = await t.newSite();
    const csv = 'email,date,value,properties.plan\nana@example.com,2026-01-15,1200,pro\nana@example.com,2026-01-20,300,\n';
    const first = await upload(site, csv, '?type=customer&currency=usd');
    expect(first.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [], ignoredColumns: [] });
    const rows = await stored(site);
    expect(rows.map((r) => [r.conversion_id.slice(0, 4), r.type, r.currency, r.properties])).toEqual([
      ['csv_', 'customer', 'USD', { plan: 'pro' }],
      ['csv_', 'customer', 'USD', null],
    ]);
    expect((await upload(site, csv, '?type=customer&currency=usd')).json()).toMatchObject({ accepted: 0, duplicates: 2 });
  });

  it('accepts the dashboard template, and CSV sent as text/plain', async () => {
    const site = await t.newSite();
    const template = 'email,userId,date,value,currency,type\nana@example.com,,2026-01-15,1200,EUR,customer\n,crm-4711,2026-01-16T14:30:00Z,349.90,EUR,customer\n';
    expect((await upload(site, template, '', 'text/plain')).json()).toMatchObject({ accepted: 2, rejected: [] });
  });

  it.each([
    ['a header without identity column', 'id,type\n1,customer\n', 'LAZO_ERR_CSV_COLUMNS', /email.*userId.*anonymousId/],
    ['a header without type and no ?type', 'id,email\n1,a@example.com\n', 'LAZO_ERR_CSV_COLUMNS', /\?type=customer/],
    ['a quote never closed', 'id,email,type\n1,"a@example.com,customer\n', 'LAZO_ERR_CSV_MALFORMED', /line 2/],
    ['an empty file', '', 'LAZO_ERR_CSV_MALFORMED', /empty/],
  ])('answers 400 for %s', async (_name, csv, code, message) => {
    const site = await t.newSite();
    const res = await upload(site, csv);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({ code, message: expect.stringMatching(message) });
  });

  it('refuses a file of more than 10,000 rows with 413 and stores nothing', async () => {
    const site = await t.newSite();
    const csv = 'id,email,type\n' + Array.from({ length: 10_001 }, (_, i) => `${i},a@b.c,x`).join('\n');
    const res = await upload(site, csv);
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'LAZO_ERR_TOO_MANY_ROWS', message: expect.stringContaining('10001') });
    expect(await stored(site)).toEqual([]);
  });

  it('takes 10,000 rows in one request, creating their leads', async () => {
    const site = await t.newSite();
    const csv = 'id,email,value,date,type\n' + Array.from({ length: 10_000 }, (_, i) => `d${i},l${i % 2_500}@x.io,${i % 100}.5,2026-01-${String((i % 28) + 1).padStart(2, '0')},customer`).join('\n');
    expect(Buffer.byteLength(csv)).toBeLessThan(500 * 1024);
    const res = await upload(site, csv);
    expect(res.json()).toMatchObject({ accepted: 10_000, duplicates: 0, rejected: [] });
    const [counts] = await t.query<{ conversions: number; persons: number; unresolved: number }>(
      `select (select count(*)::int from conversions where site_id = $1) as conversions,
              (select count(*)::int from persons where site_id = $1) as persons,
              (select count(*)::int from conversions where site_id = $1 and person_id is null) as unresolved`,
      [site.siteId],
    );
    expect(counts).toEqual({ conversions: 10_000, persons: 2_500, unresolved: 0 });
  });
});
