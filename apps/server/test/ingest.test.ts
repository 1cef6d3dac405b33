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
});
