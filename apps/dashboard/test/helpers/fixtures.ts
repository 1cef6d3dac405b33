import type { TestServer } from '../../../server/test/helpers/test-server.js';

/** Values a visitor controls, each written so that it would run if it ever became markup. */
export const XSS = {
  source: '<img src=x onerror=alert(1)>',
  campaign: '"><svg onload=alert(2)>',
  title: '<script>alert(3)</script> Pricing',
  name: '<img src=y onerror=alert(4)> Mallory',
  company: '</td><img src=z onerror=alert(5)>',
  email: 'mallory@example.com',
} as const;

const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
const HOUR = 3_600_000;

async function call(server: TestServer, key: string, method: string, path: string, body: unknown, contentType = 'application/json') {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * A visitor whose UTM values, page titles and traits are script-shaped, sent through the public
 * ingestion API as the tracker sends them (public key), then identified and converted by the backend.
 */
export async function sendHostileVisitor(server: TestServer, site: { publicKey: string; secretKey: string }) {
  const anonymousId = 'anon-mallory';
  const context = (path: string, title: string) => ({
    campaign: { source: XSS.source, medium: 'cpc', name: XSS.campaign },
    page: { url: `https://shop.example${path}?utm_source=x`, path, title, referrer: '' },
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  });
  const result = await call(server, site.publicKey, 'POST', '/v1/batch', {
    batch: [
      { type: 'page', messageId: 'x-1', anonymousId, timestamp: iso(3 * HOUR), properties: { path: '/pricing', title: XSS.title }, context: context('/pricing', XSS.title) },
      { type: 'page', messageId: 'x-2', anonymousId, timestamp: iso(3 * HOUR - 60_000), properties: { path: '/signup', title: XSS.title }, context: context('/signup', XSS.title) },
      { type: 'track', messageId: 'x-3', anonymousId, event: 'Form Submitted', timestamp: iso(3 * HOUR - 90_000), properties: { formId: XSS.campaign }, context: context('/signup', XSS.title) },
      {
        type: 'identify',
        messageId: 'x-4',
        anonymousId,
        timestamp: iso(3 * HOUR - 100_000),
        traits: { email: XSS.email, name: XSS.name, company: XSS.company },
        context: context('/signup', XSS.title),
      },
    ],
  });
  if ((result.rejected as unknown[]).length) throw new Error(`hostile batch rejected: ${JSON.stringify(result.rejected)}`);
  await call(server, site.secretKey, 'POST', '/v1/conversions', { conversionId: 'x-deal', email: XSS.email, type: 'customer', value: 99, currency: 'EUR', occurredAt: iso(HOUR) });
}
