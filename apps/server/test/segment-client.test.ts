import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from './helpers/engines.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/** Segment's own Node library, unchanged, pointed at Lazo: only `host` (and the key) differ. */
describe.each(engines)('@segment/analytics-node sending to Lazo on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ engine });
  });
  afterAll(() => server?.close());

  it('delivers page, track and identify; they are stored verified and the visitor is stitched to the lead', async () => {
    const analytics = new Analytics({ writeKey: server.site.secretKey, host: server.url, path: '/v1/batch', flushAt: 10, flushInterval: 200, maxRetries: 2 });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));
    const delivered: string[] = [];
    analytics.on('http_request', (r) => delivered.push(`${r.method} ${r.url}`));

    const anonymousId = 'anon-segment-1';
    analytics.page({
      anonymousId,
      name: 'Pricing',
      properties: { url: 'https://shop.example/pricing?utm_source=newsletter&utm_medium=email', path: '/pricing' },
      context: { page: { url: 'https://shop.example/pricing?utm_source=newsletter&utm_medium=email', path: '/pricing' } },
    });
    analytics.track({ anonymousId, event: 'Demo Requested', properties: { plan: 'pro' } });
    // A backend identifying the visitor it saw as anonymousId: the CRM's id and email.
    analytics.identify({ anonymousId, userId: 'crm-42', traits: { email: 'ana@example.com', name: 'Ana' } });
    await analytics.closeAndFlush({ timeout: 15_000 });

    expect(errors).toEqual([]);
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.every((d) => d === `POST ${server.url}/v1/batch`)).toBe(true);

    const events = await server.query<{ type: string; event: string | null; anonymous_id: string; user_id: string | null; verified: boolean; message_id: string; context: { library?: { name?: string } } }>(
      'select type, event, anonymous_id, user_id, verified, message_id, context from events where site_id = $1 order by type',
      [server.site.siteId],
    );
    expect(events.map((e) => [e.type, e.event])).toEqual([
      ['identify', null],
      ['page', 'Pricing'],
      ['track', 'Demo Requested'],
    ]);
    for (const e of events) {
      expect(e).toMatchObject({ anonymous_id: anonymousId, verified: true });
      expect(e.context.library?.name).toBe('@segment/analytics-node');
    }
    expect(new Set(events.map((e) => e.message_id)).size).toBe(3);
    const sessions = await server.query<{ anonymous_id: string; medium: string; pageviews: number }>('select anonymous_id, medium, pageviews from sessions where site_id = $1', [server.site.siteId]);
    expect(sessions).toEqual([{ anonymous_id: anonymousId, medium: 'email', pageviews: 1 }]);

    // Stitching: the anonymous id that viewed the page now belongs to the person with the CRM's userId,
    // so the earlier page and track are that lead's (resolved through the link, events unchanged).
    const links = await server.query<{ anonymous_id: string; user_id: string | null; email: string | null }>(
      `select l.anonymous_id, p.user_id, p.email from identity_links l
         join persons p on p.site_id = l.site_id and p.person_id = l.person_id
        where l.site_id = $1`,
      [server.site.siteId],
    );
    expect(links).toEqual([{ anonymous_id: anonymousId, user_id: 'crm-42', email: 'ana@example.com' }]);
  });
});
