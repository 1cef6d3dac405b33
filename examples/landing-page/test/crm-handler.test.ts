import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
// @ts-expect-error plain JS module of the example, without types
import { anonymousIdFromCookie, createCrmHandler, leadIdentify } from '../crm-handler.js';

const AT = new Date('2026-01-01T00:00:00Z');

describe('leadIdentify', () => {
  it('carries the lead, the anonymous id from the form and the campaign', () => {
    const m = leadIdentify(
      { id: 'lead_1', email: 'ada@example.com', name: 'Ada' },
      { email: 'ada@example.com', lazo_anonymous_id: 'anon1', utm_source: 'newsletter', utm_campaign: 'launch', gclid: 'G' },
      'lazo_id=fromcookie',
      AT,
    );
    expect(m).toEqual({
      type: 'identify',
      messageId: 'crm-lead_1',
      userId: 'lead_1',
      anonymousId: 'anon1',
      traits: { email: 'ada@example.com', name: 'Ada' },
      timestamp: '2026-01-01T00:00:00.000Z',
      context: { campaign: { source: 'newsletter', name: 'launch', gclid: 'G' } },
    });
  });

  it.each([
    ['a=1; lazo_id=abc; b=2', 'abc'],
    ['lazo_id=xyz', 'xyz'],
    ['other_lazo_id=no', undefined],
    [undefined, undefined],
  ])('cookie %s → %s', (header, id) => expect(anonymousIdFromCookie(header)).toBe(id));

  it('falls back to the cookie when the form was not decorated', () => {
    expect(leadIdentify({ id: 'l', email: 'a@b.c' }, {}, 'lazo_id=c1', AT).anonymousId).toBe('c1');
  });
});

describe('createCrmHandler', () => {
  const request = (body: string, method = 'POST') =>
    Object.assign(Readable.from([Buffer.from(body)]), { method, headers: { cookie: 'lazo_id=cookieid' } });
  const response = () => {
    const r = { status: 0, headers: {} as Record<string, string>, body: '' };
    return Object.assign(r, {
      writeHead(status: number, headers: Record<string, string> = {}) {
        r.status = status;
        r.headers = headers;
        return this;
      },
      end(body = '') {
        r.body = body;
      },
    });
  };

  it('stores the lead and sends a verified identify to Lazo with the secret key', async () => {
    const fetch = vi.fn(async () => new Response('{}', { status: 200 }));
    const crm = createCrmHandler({ lazoUrl: 'http://lazo.test/', secretKey: 'sk_test', fetch, now: () => AT });
    const res = response();
    await crm(request('email=ada%40example.com&name=Ada&lazo_anonymous_id=anon1&utm_source=newsletter'), res);
    expect(res.status).toBe(200);
    expect(res.body).toContain('ada@example.com');
    expect(crm.leads).toHaveLength(1);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://lazo.test/v1/identify');
    expect((init.headers as Record<string, string>).authorization).toBe('Basic ' + Buffer.from('sk_test:').toString('base64'));
    expect(JSON.parse(String(init.body))).toMatchObject({ type: 'identify', anonymousId: 'anon1', traits: { email: 'ada@example.com' } });
  });

  it.each([
    ['no email', 'name=Ada', 'POST', 400],
    ['not a POST', '', 'GET', 405],
  ])('%s → %s', async (_name, body, method, status) => {
    const crm = createCrmHandler({ lazoUrl: 'http://lazo.test', secretKey: 'sk', fetch: vi.fn() });
    const res = response();
    await crm(request(body, method), res);
    expect(res.status).toBe(status);
  });

  it('still thanks the visitor when Lazo is unreachable', async () => {
    const crm = createCrmHandler({ lazoUrl: 'http://lazo.test', secretKey: 'sk', fetch: () => Promise.reject(new TypeError('down')) });
    const res = response();
    await crm(request('email=a%40b.example'), res);
    expect(res.status).toBe(200);
    expect(res.body).toContain('unreachable');
  });
});
