import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLazoClient } from '@lazo/node';
import { basic, startTestServer, type TestServer } from './helpers/test-server.js';
// The example is plain JavaScript so that a CRM team can run it with node alone.
// @ts-expect-error no declaration file for the example script
import { syncCrm } from '../../../examples/crm-sync/sync.mjs';
// @ts-expect-error no declaration file for the example script
import { callbackBrief } from '../../../examples/crm-sync/callback.mjs';

describe('examples/crm-sync against a real server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.close());

  it('turns CRM contacts into stitched leads and won deals into revenue, idempotently, and briefs the caller', async () => {
    // The visitor browsed from a Google Ads click before the CRM knew them.
    const visit = await s.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic(s.site.publicKey) },
      payload: {
        batch: [
          {
            type: 'page',
            messageId: 'web-1',
            anonymousId: 'browser-jane',
            context: { lazo: { sessionId: 'visit-1' }, campaign: { source: 'google', medium: 'cpc', name: 'boots' }, page: { url: 'https://shop.example/products/boots', path: '/products/boots' } },
            properties: { product: 'Trail boots' },
          },
        ],
      },
    });
    expect(visit.json()).toMatchObject({ accepted: 1 });

    const client = createLazoClient({ host: s.url, secretKey: s.site.secretKey });
    const crm = {
      contacts: [
        { id: 'c-1', email: 'Jane@Example.com', name: 'Jane', anonymousId: 'browser-jane' },
        { id: 'c-2', email: 'bob@example.com' },
      ],
      deals: [
        { id: 'd-1', contactId: 'c-1', amount: 480, currency: 'EUR', closedAt: new Date().toISOString(), stage: 'won' },
        { id: 'd-2', contactId: 'c-2', amount: 90, currency: 'EUR', closedAt: new Date().toISOString(), stage: 'lost' },
      ],
    };
    expect(await syncCrm({ client, ...crm })).toMatchObject({ identified: 2, won: 1, accepted: 1, duplicates: 0, rejected: [] });
    // A nightly job runs again over the same export: nothing is stored twice.
    expect(await syncCrm({ client, ...crm })).toMatchObject({ accepted: 0, duplicates: 1 });

    const jane = (await client.findPerson({ email: 'jane@example.com' })) as Record<string, any>;
    expect(jane).toMatchObject({ stage: 'customer', firstTouch: { source: 'google', medium: 'cpc', channel: 'Paid Search' } });
    const bob = (await client.findPerson({ userId: 'c-2' })) as Record<string, any>;
    expect(bob.stage).toBe('lead');

    const brief: string = await callbackBrief(client, 'jane@example.com');
    expect(brief).toContain('jane@example.com — customer');
    expect(brief).toContain('first came from Paid Search (google / cpc, boots)');
    expect(brief).toContain('looked at: Trail boots');
    expect(await callbackBrief(client, 'nobody@example.com')).toBeUndefined();
  });
});
