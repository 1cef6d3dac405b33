import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from './helpers/engines.js';
import { basic, createTestApp, type TestApp } from './helpers/test-server.js';

const page = (over: Record<string, unknown> = {}) => ({
  type: 'page',
  messageId: 'm-' + Math.random().toString(36).slice(2),
  anonymousId: 'anon-1',
  timestamp: '2026-03-01T10:00:00.000Z',
  sentAt: '2026-03-01T10:00:01.000Z',
  context: {
    page: { url: 'https://shop.example/landing?utm_source=google&utm_medium=cpc', path: '/landing', referrer: 'https://www.google.com/' },
    campaign: { source: 'google', medium: 'cpc', name: 'spring' },
    lazo: { sessionId: 's-1' },
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
    ip: '203.0.113.9',
  },
  ...over,
});

describe.each(engines)('ingestion on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t?.close());

  it('stores valid messages, rejects invalid ones with a reason, and dedupes a retried batch', async () => {
    const site = await t.newSite();
    const batch = [page({ messageId: 'a' }), { type: 'track', messageId: 'b', anonymousId: 'anon-1' }, page({ messageId: 'c', type: 'track', event: 'Signup' })];
    const send = () =>
      t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic(site.secretKey) }, payload: { batch } });
    const first = await send();
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [{ index: 1, messageId: 'b', error: expect.stringContaining('event') }] });
    const again = await send();
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 2 });
    const events = await t.query<{ message_id: string; context: Record<string, unknown>; ts: Date }>(
      'select message_id, context, ts from events where site_id = $1 order by message_id',
      [site.siteId],
    );
    expect(events.map((e) => e.message_id)).toEqual(['a', 'c']);
    expect(events[0]!.context).not.toHaveProperty('ip');
    expect(events[0]!.context).not.toHaveProperty('userAgent');
    const sessions = await t.query<Record<string, unknown>>('select * from sessions where site_id = $1', [site.siteId]);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ session_id: 's-1', source: 'google', medium: 'cpc', campaign: 'spring', pageviews: 1, events: 2, browser: 'Chrome', os: 'Windows', device_type: 'desktop', landing_path: '/landing' });
  });

  it('stores a messageId sent by concurrent requests exactly once and reports the others as duplicates', async () => {
    const site = await t.newSite();
    const shared = page({ messageId: 'shared', context: { lazo: { sessionId: 's-c' } } });
    const requests = Array.from({ length: 8 }, (_, i) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/batch',
        headers: { authorization: basic(site.publicKey) },
        payload: { batch: [shared, page({ messageId: `own-${i}`, context: { lazo: { sessionId: 's-c' } } })] },
      }),
    );
    const answers = (await Promise.all(requests)).map((r) => r.json());
    expect(answers.reduce((n, a) => n + a.accepted, 0)).toBe(9);
    expect(answers.reduce((n, a) => n + a.duplicates, 0)).toBe(7);
    const [row] = await t.query<{ n: number; pageviews: number }>(
      'select (select count(*)::int from events where site_id = $1) as n, (select pageviews from sessions where site_id = $1) as pageviews',
      [site.siteId],
    );
    expect(row).toEqual({ n: 9, pageviews: 9 });
  });

  it('corrects clock skew, derives visits for messages without a session id, and flags bots', async () => {
    const site = await t.newSite();
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    // A device whose clock is 3 hours behind; a Segment library sends no session id.
    const skew = -3 * 3600_000;
    const msg = (id: string, minutesAgo: number, extra: Record<string, unknown> = {}) => ({
      type: 'page',
      messageId: id,
      anonymousId: 'seg-anon',
      timestamp: iso(now - minutesAgo * 60_000 + skew),
      context: { page: { url: 'https://shop.example/p', path: '/p' }, userAgent: 'Mozilla/5.0 (compatible; bingbot/2.0)' },
      ...extra,
    });
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic(site.secretKey) },
      payload: { sentAt: iso(now + skew), batch: [msg('x1', 120), msg('x2', 110), msg('x3', 20), msg('x4', 19, { context: { campaign: { source: 'newsletter', medium: 'email', name: 'may' }, userAgent: 'curl/8.5.0' } })] },
    });
    expect(res.json()).toMatchObject({ accepted: 4, rejected: [] });
    const events = await t.query<{ message_id: string; ts: Date; session_id: string; is_bot: boolean }>(
      'select message_id, ts, session_id, is_bot from events where site_id = $1 order by ts',
      [site.siteId],
    );
    // Corrected to the server's clock: 2 hours ago, not 5.
    expect(Math.abs(events[0]!.ts.getTime() - (now - 120 * 60_000))).toBeLessThan(5_000);
    expect(events.every((e) => e.is_bot)).toBe(true);
    const visits = events.map((e) => e.session_id);
    expect(visits[0]).toBe(visits[1]); // 10 minutes apart
    expect(visits[2]).not.toBe(visits[1]); // 90 idle minutes
    expect(visits[3]).not.toBe(visits[2]); // a new campaign
    const sessions = await t.query<{ source: string; medium: string; is_bot: boolean }>(
      'select source, medium, is_bot from sessions where site_id = $1 order by started_at',
      [site.siteId],
    );
    expect(sessions.map((s) => `${s.source}/${s.medium}`)).toEqual(['(direct)/(none)', '(direct)/(none)', 'newsletter/email']);

    // A later batch continues the latest visit found in the database.
    await t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic(site.secretKey) }, payload: { batch: [msg('x5', 5, { timestamp: iso(now - 5 * 60_000) })] } });
    const [x5] = await t.query<{ session_id: string }>('select session_id from events where site_id = $1 and message_id = $2', [site.siteId, 'x5']);
    expect(x5!.session_id).toBe(visits[3]);
  });

  it('takes the landing touch from the earliest message even when it arrives last', async () => {
    const site = await t.newSite();
    const at = (m: number) => new Date(Date.parse('2026-04-01T10:00:00Z') + m * 60_000).toISOString();
    const send = (batch: unknown[]) => t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic(site.secretKey) }, payload: { batch } });
    await send([page({ messageId: 'late-2', timestamp: at(5), sentAt: undefined, context: { lazo: { sessionId: 'v' }, page: { url: 'https://shop.example/second', path: '/second' } } })]);
    await send([page({ messageId: 'late-1', timestamp: at(0), sentAt: undefined, context: { lazo: { sessionId: 'v' }, campaign: { source: 'facebook', medium: 'paid_social', name: 'x' }, page: { url: 'https://shop.example/first?utm_source=facebook', path: '/first' } } })]);
    const [s] = await t.query<Record<string, unknown>>('select source, medium, landing_path, pageviews, started_at, last_seen_at from sessions where site_id = $1', [site.siteId]);
    expect(s).toMatchObject({ source: 'facebook', medium: 'paid_social', landing_path: '/first', pageviews: 2 });
    expect((s!.started_at as Date).toISOString()).toBe(at(0));
    expect((s!.last_seen_at as Date).toISOString()).toBe(at(5));
  });

  it('does not make a visit of a backend event that says nothing about where it came from', async () => {
    const site = await t.newSite();
    await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic(site.secretKey) },
      payload: {
        batch: [
          { type: 'track', messageId: 'o1', userId: 'crm-1', event: 'Order Completed' },
          { type: 'track', messageId: 'o2', userId: 'crm-1', event: 'Call', context: { campaign: { source: 'callcenter', medium: 'phone' } } },
        ],
      },
    });
    const sessions = await t.query<Record<string, unknown>>('select user_id, anonymous_id, source, medium from sessions where site_id = $1', [site.siteId]);
    expect(sessions).toEqual([{ user_id: 'crm-1', anonymous_id: null, source: 'callcenter', medium: 'phone' }]);
  });

  it('rejects only the message holding a NUL character and keeps the rest of the batch (regression)', async () => {
    const site = await t.newSite();
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic(site.secretKey) },
      payload: { batch: [page({ messageId: 'fine' }), page({ messageId: 'nul', properties: { title: 'a\u0000b' } })] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [{ index: 1, messageId: 'nul', error: expect.stringContaining('properties.title contains a NUL character') }] });
  });
});
