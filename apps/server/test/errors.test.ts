import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, mapDbError, type ErrorCode } from '../src/errors.js';
import type { CreatedSite } from '../src/store/sites.js';
import { engines } from './helpers/engines.js';
import { basic, createTestApp, type TestApp } from './helpers/test-server.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

describe('database errors as API errors', () => {
  it.each([
    ['40P01', 'a deadlock', 503, 1],
    ['40001', 'a serialization failure', 503, 1],
    ['08006', 'a lost connection', 503, 5],
    ['57P01', 'an administrator shutdown', 503, 5],
  ])('%s (%s) answers %i with Retry-After %i: nothing was kept, the same request may be retried', (code, _what, status, retry) => {
    const mapped = mapDbError(Object.assign(new Error('from the driver'), { code }));
    expect([mapped?.statusCode, mapped?.code, mapped?.retryAfterSeconds]).toEqual([status, 'LAZO_ERR_DB_UNAVAILABLE', retry]);
  });

  it.each([['23505'], ['22P02'], ['42P01']])('%s (a fault of the query or data) is not mapped: it stays an internal error', (code) => {
    expect(mapDbError(Object.assign(new Error('from the driver'), { code }))).toBeUndefined();
  });
});

describe('the error registry', () => {
  it.each(Object.entries(ERRORS))('%s has an HTTP error status and an actionable message', (code, [status, message]) => {
    expect(code).toMatch(/^LAZO_ERR_[A-Z]+(_[A-Z]+)*$/);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(600);
    expect(message.length).toBeGreaterThan(5);
    expect(message).toMatch(/[.)]$/);
  });

  // As fastify's test/internals/errors.test.js: a code users can receive must be explained to them.
  it('documents every code in the README', () => {
    const readme = existsSync(README) ? readFileSync(README, 'utf8') : '';
    const missing = Object.keys(ERRORS).filter((code) => !new RegExp(`\\b${code}\\b`).test(readme));
    expect(missing, `README.md lacks these error codes (add them to its errors table: code, status, meaning)`).toEqual([]);
  });
});

const big = (bytes: number) => 'x'.repeat(bytes);

/** Every error answer has exactly the documented shape, a registered code and that code's status. */
function expectError(res: LightMyRequestResponse, code: ErrorCode) {
  expect({ status: res.statusCode, code: res.json()?.error?.code }).toEqual({ status: ERRORS[code][0], code });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(body.error.message).toEqual(expect.any(String));
  expect(body.error.message.length).toBeGreaterThan(10);
}

interface Route {
  name: string;
  method: 'POST' | 'PUT';
  url: string;
  /** A body this route takes with the site's secret key. */
  valid: () => unknown;
  /** A JSON value of the wrong shape. */
  wrongShape: unknown;
}

const trackMessage = () => ({ type: 'track', event: 'E', anonymousId: 'a', messageId: `m-${Math.random()}` });
const batchBody = () => ({ batch: [trackMessage()] });

const ROUTES: Route[] = [
  { name: 'batch', method: 'POST', url: '/v1/batch', valid: batchBody, wrongShape: [1, 2] },
  { name: 'track', method: 'POST', url: '/v1/track', valid: trackMessage, wrongShape: ['not', 'an', 'object'] },
  { name: 'conversions', method: 'POST', url: '/v1/conversions', valid: () => ({ conversionId: `c-${Math.random()}`, email: 'a@example.com', type: 'lead' }), wrongShape: 42 },
  { name: 'spend', method: 'PUT', url: '/v1/spend', valid: () => [{ date: '2026-01-01', source: 'google', amount: 1, currency: 'EUR' }], wrongShape: { amount: 1 } },
];

describe.each(engines)('whole-request answers on %s', (engine) => {
  let t: TestApp;
  let site: CreatedSite;
  beforeAll(async () => {
    t = await createTestApp(engine);
    site = await t.newSite(['https://shop.example']);
  });
  afterAll(() => t?.close());

  const send = (route: Route, headers: Record<string, string>, payload: string) =>
    t.app.inject({ method: route.method, url: route.url, headers: { 'content-type': 'application/json', ...headers }, payload });
  const secret = () => ({ authorization: basic(site.secretKey) });

  describe.each(ROUTES)('$method $url', (route) => {
    it('takes a valid body with the secret key', async () => {
      expect((await send(route, secret(), JSON.stringify(route.valid()))).statusCode).toBe(200);
    });
    it('400 for malformed JSON', async () => {
      expectError(await send(route, secret(), '{"batch": [ {"type": '), 'LAZO_ERR_BODY_MALFORMED');
    });
    it('400 for JSON of the wrong shape', async () => {
      expectError(await send(route, secret(), JSON.stringify(route.wrongShape)), 'LAZO_ERR_BODY_INVALID');
    });
    it('400 for an unsupported content type', async () => {
      expectError(await send(route, { ...secret(), 'content-type': 'application/xml' }, '<batch/>'), 'LAZO_ERR_BODY_CONTENT_TYPE');
    });
    it('413 for a body over 500 KB', async () => {
      expectError(await send(route, secret(), JSON.stringify({ batch: [], pad: big(501 * 1024) })), 'LAZO_ERR_BODY_TOO_LARGE');
    });
    it('401 without a key', async () => {
      expectError(await send(route, {}, JSON.stringify(route.valid())), 'LAZO_ERR_AUTH_MISSING');
    });
    it.each([
      ['not shaped like a key', 'hunter2'],
      ['shaped like a secret key but unknown', 'sk_' + 'A'.repeat(32)],
      ['shaped like a public key but unknown', 'pk_' + 'A'.repeat(24)],
    ])('401 for a key %s', async (_name, key) => {
      expectError(await send(route, { authorization: basic(key) }, JSON.stringify(route.valid())), 'LAZO_ERR_AUTH_INVALID');
    });
  });

  it.each([
    ['/v1/track', { event: 'E', anonymousId: 'a', properties: { blob: big(33 * 1024) } }],
    ['/v1/conversions', { conversionId: 'big', email: 'a@example.com', type: 'lead', properties: { blob: big(33 * 1024) } }],
  ])('413 for a single message over 32 KB on %s', async (url, body) => {
    expectError(await t.app.inject({ method: 'POST', url, headers: secret(), payload: body }), 'LAZO_ERR_MESSAGE_TOO_LARGE');
  });

  it('rejects only the message over 32 KB inside a batch', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: secret(),
      payload: { batch: [{ type: 'track', event: 'E', anonymousId: 'a', properties: { blob: big(33 * 1024) } }, trackMessage()] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, error: expect.stringContaining('32 KB') }] });
  });

  it.each([
    ['POST', '/v1/conversions'],
    ['PUT', '/v1/spend'],
    ['GET', '/v1/site'],
    ['PATCH', '/v1/site'],
  ] as const)('403 for the public key on %s %s', async (method, url) => {
    const res = await t.app.inject({ method, url, headers: { authorization: basic(site.publicKey) }, ...(method === 'GET' ? {} : { payload: {} }) });
    expectError(res, 'LAZO_ERR_AUTH_SECRET_REQUIRED');
  });

  it.each(['/v1/batch', '/v1/track'])('%s: 403 for the public key from another origin, 200 from an allowed one', async (url) => {
    const body = url === '/v1/batch' ? batchBody() : trackMessage();
    const from = (origin: string) => t.app.inject({ method: 'POST', url, headers: { authorization: basic(site.publicKey), origin }, payload: body });
    const refused = await from('https://evil.example');
    expectError(refused, 'LAZO_ERR_ORIGIN_FORBIDDEN');
    expect(refused.json().error.message).toContain('https://evil.example');
    const taken = await from('https://shop.example');
    expect(taken.statusCode).toBe(200);
    expect(taken.headers['access-control-allow-origin']).toBe('https://shop.example');
  });

  it('takes the secret key from a server with no Origin, and from any origin', async () => {
    for (const origin of [undefined, 'https://evil.example']) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/batch', headers: { ...secret(), ...(origin ? { origin } : {}) }, payload: batchBody() });
      expect(res.statusCode).toBe(200);
    }
  });

  it.each(['/v1/batch', '/v1/conversions', '/v1/site'])('answers a CORS preflight on %s', async (url) => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url,
      headers: { origin: 'https://shop.example', 'access-control-request-method': url === '/v1/site' ? 'PATCH' : 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(String(res.headers['access-control-allow-methods'])).toMatch(/POST.*PATCH|PATCH.*POST/);
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toMatch(/authorization.*content-type|content-type.*authorization/);
    expect(res.headers['access-control-max-age']).toBe('86400');
  });

  it('takes a batch as text/plain JSON with writeKey in the body, as sendBeacon sends it', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example' },
      payload: JSON.stringify({ writeKey: site.publicKey, ...batchBody() }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
  });

  it('400 for malformed JSON sent as text/plain', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/batch', headers: { 'content-type': 'text/plain' }, payload: `{"writeKey": "${site.publicKey}", "batch": [` });
    expectError(res, 'LAZO_ERR_BODY_MALFORMED');
  });

  it('404 in the same shape for an unknown route', async () => {
    expectError(await t.app.inject({ method: 'GET', url: '/v1/nope', headers: secret() }), 'LAZO_ERR_NOT_FOUND');
  });
});
