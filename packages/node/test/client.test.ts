import { describe, expect, it, vi } from 'vitest';
import { createLazoClient, LazoApiError } from '../src/index.js';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

function fakeFetch(answers: (Response | Error)[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    if (next instanceof Error) throw next;
    return next;
  });
  return { fn: fn as unknown as typeof fetch, calls };
}

describe('createLazoClient', () => {
  const ok = { accepted: 1, duplicates: 0, rejected: [] };

  it.each([
    ['a network error', [new TypeError('fetch failed'), json(200, ok)]],
    ['a 503', [json(503, { error: { code: 'LAZO_ERR_DB_UNAVAILABLE', message: 'down' } }, { 'retry-after': '0' }), json(200, ok)]],
    ['a 429', [json(429, { error: { code: 'LAZO_ERR_RATE_LIMITED', message: 'slow' } }), json(200, ok)]],
  ])('retries after %s with the same messageId', async (_label, answers) => {
    const { fn, calls } = fakeFetch(answers as (Response | Error)[]);
    const client = createLazoClient({ host: 'http://lazo.test/', secretKey: 'sk_x', fetch: fn, retryDelayMs: 1 });
    await expect(client.identify({ userId: 'u1', traits: { email: 'a@b.c' } })).resolves.toEqual(ok);
    expect(calls).toHaveLength(2);
    const ids = calls.map((c) => JSON.parse(String(c.init.body)).batch[0].messageId);
    expect(ids[0]).toBe(ids[1]);
    expect(calls[0]!.url).toBe('http://lazo.test/v1/batch');
    expect((calls[0]!.init.headers as Record<string, string>).authorization).toBe('Bearer sk_x');
  });

  it('does not retry a 4xx and surfaces the API error code', async () => {
    const { fn, calls } = fakeFetch([json(403, { error: { code: 'LAZO_ERR_AUTH_SECRET_REQUIRED', message: 'needs sk' } })]);
    const client = createLazoClient({ host: 'http://lazo.test', secretKey: 'pk_x', fetch: fn, retryDelayMs: 1 });
    const error = await client.spend([{ date: '2026-01-01', source: 'google', amount: 1, currency: 'EUR' }]).catch((e) => e);
    expect(error).toBeInstanceOf(LazoApiError);
    expect(error).toMatchObject({ status: 403, code: 'LAZO_ERR_AUTH_SECRET_REQUIRED' });
    expect(calls).toHaveLength(1);
  });

  it('gives up after maxAttempts and throws the last error', async () => {
    const down = () => json(503, { error: { code: 'LAZO_ERR_DB_UNAVAILABLE', message: 'down' } });
    const { fn, calls } = fakeFetch([down(), down()]);
    const client = createLazoClient({ host: 'http://lazo.test', secretKey: 'sk_x', fetch: fn, retryDelayMs: 1, maxAttempts: 2 });
    await expect(client.track({ event: 'Called', userId: 'u1' })).rejects.toMatchObject({ status: 503 });
    expect(calls).toHaveLength(2);
  });

  it('answers undefined from findPerson when nobody matches', async () => {
    const { fn, calls } = fakeFetch([json(404, { error: { code: 'LAZO_ERR_PERSON_NOT_FOUND', message: 'no' } })]);
    const client = createLazoClient({ host: 'http://lazo.test', secretKey: 'sk_x', fetch: fn });
    await expect(client.findPerson({ email: 'a+b@c.d' })).resolves.toBeUndefined();
    expect(calls[0]!.url).toBe('http://lazo.test/v1/persons?email=a%2Bb%40c.d');
  });

  it('refuses findPerson without an identity (the endpoint would list persons)', async () => {
    const { fn, calls } = fakeFetch([]);
    const client = createLazoClient({ host: 'http://lazo.test', secretKey: 'sk_x', fetch: fn });
    await expect(client.findPerson({})).rejects.toThrow('findPerson needs an email, userId or anonymousId');
    expect(calls).toHaveLength(0);
  });

  it('sends CSV conversions as text/csv', async () => {
    const { fn, calls } = fakeFetch([json(200, ok)]);
    const client = createLazoClient({ host: 'http://lazo.test', secretKey: 'sk_x', fetch: fn });
    await client.conversionsCsv('conversionId,email,type,value\nd1,a@b.c,customer,10\n');
    expect((calls[0]!.init.headers as Record<string, string>)['content-type']).toBe('text/csv');
    expect(calls[0]!.init.body).toContain('d1,a@b.c');
  });
});
