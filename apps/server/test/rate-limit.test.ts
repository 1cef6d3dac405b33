import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createTestApp, type TestApp } from './helpers/test-server.js';

describe('rate limiting', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite', { rateLimitPerMinute: 3 });
  });
  afterAll(() => t?.close());

  it('answers 429 with Retry-After and the documented error once a key exceeds its budget, per key', async () => {
    const [a, b] = [await t.newSite(), await t.newSite()];
    const send = (key: string) =>
      t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic(key) }, payload: { batch: [] } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(a.secretKey)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await send(a.secretKey);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toEqual({ error: { code: 'LAZO_ERR_RATE_LIMITED', message: expect.stringContaining('Retry-After') } });
    // Another site's key has its own budget.
    expect((await send(b.secretKey)).statusCode).toBe(200);
  });
});
