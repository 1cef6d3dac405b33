import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createTestApp, type TestApp } from './helpers/test-server.js';
import { engines } from './helpers/engines.js';

// Keys are cached after their first lookup, and the Authorization header's decoding after its first use:
// the second request of a key takes the cached path and must answer exactly as the first did.
describe.each(engines)('authentication on %s, first and cached requests alike', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t?.close());

  const post = (headers: Record<string, string>, payload: object = { batch: [] }) => t.app.inject({ method: 'POST', url: '/v1/batch', headers, payload });
  const twice = async (headers: Record<string, string>, payload?: object) => {
    const [first, second] = [await post(headers, payload), await post(headers, payload)];
    return [first.statusCode, second.statusCode, first.json().error?.code, second.json().error?.code];
  };

  it('admits a known key from an allowed origin, and refuses it from another origin', async () => {
    const site = await t.newSite(['https://shop.example']);
    expect(await twice({ authorization: basic(site.publicKey), origin: 'https://shop.example' })).toEqual([200, 200, undefined, undefined]);
    expect(await twice({ authorization: basic(site.publicKey), origin: 'https://evil.example' })).toEqual([403, 403, 'LAZO_ERR_ORIGIN_FORBIDDEN', 'LAZO_ERR_ORIGIN_FORBIDDEN']);
  });

  it('refuses an unknown key of the right shape, and a malformed one with its explanation', async () => {
    expect(await twice({ authorization: basic('pk_' + 'z'.repeat(24)) })).toEqual([401, 401, 'LAZO_ERR_AUTH_INVALID', 'LAZO_ERR_AUTH_INVALID']);
    const malformed = [await post({ authorization: basic('nope') }), await post({ authorization: basic('nope') })];
    for (const res of malformed) expect(res.json().error.message).toContain('pk_ + 24 characters');
  });

  it('refuses a public key on a secret-only route', async () => {
    const site = await t.newSite();
    const get = () => t.app.inject({ method: 'GET', url: '/v1/site', headers: { authorization: `Bearer ${site.publicKey}` } });
    const codes = [(await get()).json().error.code, (await get()).json().error.code];
    expect(codes).toEqual(['LAZO_ERR_AUTH_SECRET_REQUIRED', 'LAZO_ERR_AUTH_SECRET_REQUIRED']);
  });

  it('falls back to writeKey in the body when the Authorization header names no key', async () => {
    const site = await t.newSite();
    expect(await twice({ authorization: basic('') }, { writeKey: site.secretKey, batch: [] })).toEqual([200, 200, undefined, undefined]);
  });
});
