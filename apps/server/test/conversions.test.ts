import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedSite } from '../src/store/sites.js';
import { engines } from './helpers/engines.js';
import { createTestApp, type TestApp } from './helpers/test-server.js';

const bearer = (site: CreatedSite) => ({ authorization: `Bearer ${site.secretKey}` });

interface StoredConversion {
  conversion_id: string;
  person_id: string | null;
  user_id: string | null;
  email: string | null;
  anonymous_id: string | null;
  type: string;
  value: number;
  currency: string | null;
  occurred_at: Date;
  channel: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  properties: Record<string, unknown> | null;
}

describe.each(engines)('POST /v1/conversions (JSON) on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t?.close());

  const post = (site: CreatedSite, payload: unknown, query = '') =>
    t.app.inject({ method: 'POST', url: `/v1/conversions${query}`, headers: bearer(site), payload: payload as object });
  const stored = (site: CreatedSite) =>
    t.query<StoredConversion>('select *, value::float8 as value from conversions where site_id = $1 order by conversion_id', [site.siteId]);
  const persons = (site: CreatedSite) =>
    t.query<{ person_id: string; user_id: string | null; email: string | null; user_id_verified: boolean; created_at: Date }>(
      'select person_id, user_id, email, user_id_verified, created_at from persons where site_id = $1 order by created_at, email',
      [site.siteId],
    );
  const addPerson = (site: CreatedSite, personId: string, fields: { userId?: string; email?: string; mergedInto?: string; createdAt?: string }) =>
    t.query(
      `insert into persons (site_id, person_id, user_id, email, merged_into, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6)`,
      [site.siteId, personId, fields.userId ?? null, fields.email ?? null, fields.mergedInto ?? null, fields.createdAt ?? '2026-01-01T00:00:00Z'],
    );

  it('stores one conversion normalised, creates the offline lead, and a resend is a duplicate that changes nothing', async () => {
    const site = await t.newSite();
    const conversion = {
      conversionId: 'deal-1',
      email: ' Ann@Example.COM ',
      type: 'customer',
      value: 1200.5,
      currency: 'eur',
      occurredAt: '2026-02-01T10:00:00+01:00',
      channel: 'Offline',
      source: 'CallCenter',
      medium: 'Phone',
      campaign: 'Spring-Promo',
      properties: { plan: 'pro' },
    };
    const first = await post(site, conversion);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const again = await post(site, { ...conversion, value: 9999 });
    expect(again.json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });

    const [row, ...rest] = await stored(site);
    expect(rest).toEqual([]);
    expect(row).toMatchObject({
      conversion_id: 'deal-1',
      email: 'ann@example.com',
      type: 'customer',
      value: 1200.5,
      currency: 'EUR',
      channel: 'Offline',
      source: 'callcenter',
      medium: 'phone',
      campaign: 'spring-promo',
      properties: { plan: 'pro' },
    });
    expect(new Date(row!.occurred_at).toISOString()).toBe('2026-02-01T09:00:00.000Z');
    const [lead] = await persons(site);
    expect(lead).toMatchObject({ email: 'ann@example.com', user_id: null });
    expect(lead!.person_id).toMatch(/^p_[0-9a-z]{16}$/);
    expect(new Date(lead!.created_at).toISOString()).toBe('2026-02-01T09:00:00.000Z');
    expect(row!.person_id).toBe(lead!.person_id);
  });

  it('takes arrays and {conversions}, keeps valid rows, and says why each other row was refused', async () => {
    const site = await t.newSite();
    const rows = [
      { conversionId: 'ok-1', userId: 'u-1', type: 'customer', value: 10 },
      { conversionId: 'no-who', type: 'customer' },
      { conversionId: 'bad-date', email: 'b@example.com', type: 'customer', occurredAt: '01/02/2026' },
      { conversionId: 'bad-email', email: 'not-an-email', type: 'customer' },
      { conversionId: 'future', email: 'c@example.com', type: 'customer', occurredAt: '2999-01-01' },
      { conversionId: 'negative', email: 'd@example.com', type: 'customer', value: -5 },
      { email: 'e@example.com', type: 'customer' },
      { conversionId: 'extra', email: 'f@example.com', type: 'customer', stage: 'won' },
      'not an object',
      { conversionId: 'ok-2', anonymousId: 'anon-1', type: 'lead' },
    ];
    const res = await post(site, rows);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.accepted).toBe(2);
    expect(body.rejected).toEqual([
      { index: 1, conversionId: 'no-who', error: expect.stringContaining('one of userId, email or anonymousId') },
      { index: 2, conversionId: 'bad-date', error: expect.stringContaining('occurredAt must be an ISO 8601') },
      { index: 3, conversionId: 'bad-email', error: 'email "not-an-email" is not an email address' },
      { index: 4, conversionId: 'future', error: expect.stringContaining('in the future') },
      { index: 5, conversionId: 'negative', error: expect.stringMatching(/^value /) },
      { index: 6, error: expect.stringMatching(/conversionId/) },
      { index: 7, conversionId: 'extra', error: expect.stringMatching(/stage|additional|unexpected/i) },
      { index: 8, error: expect.any(String) },
    ]);
    expect((await stored(site)).map((c) => c.conversion_id)).toEqual(['ok-1', 'ok-2']);

    const wrapped = await post(site, { conversions: [{ conversionId: 'ok-3', userId: 'u-1', type: 'customer' }] });
    expect(wrapped.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const keyInBody = await t.app.inject({ method: 'POST', url: '/v1/conversions', payload: { writeKey: site.secretKey, conversionId: 'ok-4', userId: 'u-1', type: 'customer' } });
    expect(keyInBody.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
  });

  it('answers 400 for a lone conversion that cannot be taken, naming the problem', async () => {
    const site = await t.newSite();
    const res = await post(site, { conversionId: 'x', type: 'customer' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'LAZO_ERR_BODY_INVALID', message: expect.stringContaining('userId, email or anonymousId') });
    expect(await stored(site)).toEqual([]);
  });

  it('stores the same id twice in one request once', async () => {
    const site = await t.newSite();
    const res = await post(site, [
      { conversionId: 'same', email: 'a@example.com', type: 'customer', value: 1 },
      { conversionId: 'same', email: 'a@example.com', type: 'customer', value: 2 },
    ]);
    expect(res.json()).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    expect((await stored(site)).map((c) => c.value)).toEqual([1]);
  });

  it('resolves existing persons by userId, by email (any case), by anonymousId at the time, and to the root of a merge', async () => {
    const site = await t.newSite();
    await addPerson(site, 'p-user', { userId: 'crm-1' });
    await addPerson(site, 'p-mail', { email: 'bob@example.com' });
    await addPerson(site, 'p-root', { userId: 'crm-root' });
    await addPerson(site, 'p-merged', { email: 'old@example.com', mergedInto: 'p-root' });
    await addPerson(site, 'p-first', {});
    await addPerson(site, 'p-second', {});
    await t.query(
      `insert into identity_links (site_id, anonymous_id, valid_from, person_id, verified)
       values ($1, 'shared', '2026-02-01T00:00:00Z', 'p-first', true), ($1, 'shared', '2026-03-01T00:00:00Z', 'p-second', true)`,
      [site.siteId],
    );
    const res = await post(site, [
      { conversionId: 'by-user', userId: 'crm-1', email: 'someone@example.com', type: 'customer' },
      { conversionId: 'by-email', email: 'BOB@example.com', type: 'customer' },
      { conversionId: 'by-merged-email', email: 'old@example.com', type: 'customer' },
      { conversionId: 'anon-before-first-link', anonymousId: 'shared', type: 'lead', occurredAt: '2026-01-15' },
      { conversionId: 'anon-between', anonymousId: 'shared', type: 'lead', occurredAt: '2026-02-15' },
      { conversionId: 'anon-after', anonymousId: 'shared', type: 'lead', occurredAt: '2026-03-15' },
      { conversionId: 'anon-unknown', anonymousId: 'never-identified', type: 'lead' },
    ]);
    expect(res.json()).toMatchObject({ accepted: 7, rejected: [] });
    const byId = Object.fromEntries((await stored(site)).map((c) => [c.conversion_id, c.person_id]));
    expect(byId).toEqual({
      'by-user': 'p-user',
      'by-email': 'p-mail',
      'by-merged-email': 'p-root',
      'anon-before-first-link': 'p-first',
      'anon-between': 'p-first',
      'anon-after': 'p-second',
      'anon-unknown': null,
    });
    // Only the userId in the first row was new to nobody: no person was created.
    expect(await persons(site)).toHaveLength(6);
  });

  it('creates one person per new userId or email, never takes a person with another userId by email', async () => {
    const site = await t.newSite();
    await addPerson(site, 'p-other', { userId: 'crm-other', email: 'shared@example.com' });
    const res = await post(site, [
      { conversionId: 'a', userId: 'crm-new', email: 'shared@example.com', type: 'customer', occurredAt: '2026-01-10' },
      { conversionId: 'b', email: 'fresh@example.com', type: 'lead', occurredAt: '2026-01-05' },
      { conversionId: 'c', email: 'Fresh@Example.com', type: 'customer', occurredAt: '2026-01-03' },
      { conversionId: 'd', userId: 'crm-x', email: 'x@example.com', type: 'lead' },
      { conversionId: 'e', email: 'x@example.com', type: 'customer' },
    ]);
    expect(res.json()).toMatchObject({ accepted: 5, rejected: [] });
    const all = await persons(site);
    const created = all.filter((p) => p.person_id !== 'p-other');
    expect(created.map((p) => [p.email, p.user_id, p.user_id_verified]).sort()).toEqual([
      ['fresh@example.com', null, false],
      ['shared@example.com', 'crm-new', true],
      ['x@example.com', 'crm-x', true],
    ]);
    const fresh = created.find((p) => p.email === 'fresh@example.com')!;
    expect(new Date(fresh.created_at).toISOString()).toBe('2026-01-03T00:00:00.000Z');
    const byId = Object.fromEntries((await stored(site)).map((c) => [c.conversion_id, c.person_id]));
    const crmNew = created.find((p) => p.user_id === 'crm-new')!.person_id;
    const crmX = created.find((p) => p.user_id === 'crm-x')!.person_id;
    expect(byId).toEqual({ a: crmNew, b: fresh.person_id, c: fresh.person_id, d: crmX, e: crmX });

    // A second upload finds the persons the first one made.
    await post(site, { conversionId: 'f', email: 'fresh@example.com', type: 'customer' });
    expect(await persons(site)).toHaveLength(all.length);
  });

  it('with ?upsert=true replaces a changed conversion and reports an unchanged one as a duplicate', async () => {
    const site = await t.newSite();
    const base = { conversionId: 'deal', email: 'a@example.com', type: 'customer', value: 100, currency: 'EUR', occurredAt: '2026-01-01T00:00:00Z' };
    await post(site, base);
    const same = await post(site, base, '?upsert=true');
    expect(same.json()).toEqual({ accepted: 0, duplicates: 1, updated: 0, rejected: [] });
    const changed = await post(site, [{ ...base, value: 150 }, { ...base, conversionId: 'deal-2' }], '?upsert=true');
    expect(changed.json()).toEqual({ accepted: 1, duplicates: 0, updated: 1, rejected: [] });
    expect((await stored(site)).map((c) => [c.conversion_id, c.value])).toEqual([
      ['deal', 150],
      ['deal-2', 100],
    ]);
    const bad = await post(site, base, '?upsert=maybe');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('LAZO_ERR_QUERY_INVALID');
  });

  it('with ?dryRun=true answers what would happen and stores nothing', async () => {
    const site = await t.newSite();
    await post(site, { conversionId: 'old', email: 'a@example.com', type: 'customer' });
    const res = await post(site, [{ conversionId: 'old', email: 'a@example.com', type: 'customer' }, { conversionId: 'new', email: 'new@example.com', type: 'customer' }, { type: 'x' }], '?dryRun=true');
    expect(res.json()).toEqual({ accepted: 1, duplicates: 1, rejected: [{ index: 2, error: expect.any(String) }], dryRun: true });
    expect((await stored(site)).map((c) => c.conversion_id)).toEqual(['old']);
    expect((await persons(site)).map((p) => p.email)).toEqual(['a@example.com']);
  });

  it('refuses more than 10,000 rows with 413', async () => {
    const site = await t.newSite();
    const res = await post(site, Array.from({ length: 10_001 }, () => ({})));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('LAZO_ERR_TOO_MANY_ROWS');
  });
});
