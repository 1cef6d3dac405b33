import { request as httpRequest } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { startServer, type RunningServer } from '../src/server.js';
import { TRACKER_CACHE_CONTROL } from '../src/routes/static.js';
import { registerDemoRoutes } from '../src/demo.js';
import { openPglite, type Db } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { createSite, type CreatedSite } from '../src/store/sites.js';
import { basic } from './helpers/test-server.js';

/** A raw request: the path goes out exactly as written (fetch would normalise `..` away). */
function raw(url: string, path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = httpRequest(url + path, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A database whose close the test decides, so the rows can be read after the server has stopped. */
function keepOpen(db: Db): Db {
  return { ...db, close: async () => {} };
}

describe('the API over real HTTP', () => {
  let dir: string;
  let trackerFile: string;
  let db: Db;
  let server: RunningServer;
  let site: CreatedSite;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazo-http-'));
    trackerFile = join(dir, 'lazo.js');
    writeFileSync(trackerFile, '(function(){window.lazo=1})();\n');
    writeFileSync(join(dir, 'index.js'), 'export function init() {}\n');
    const examples = join(dir, 'examples');
    mkdirSync(join(examples, 'landing-page', 'assets'), { recursive: true });
    mkdirSync(join(examples, 'spa'), { recursive: true });
    writeFileSync(join(examples, 'landing-page', 'index.html'), '<script defer src="/lazo.js" data-key="%LAZO_PUBLIC_KEY%"></script>');
    writeFileSync(join(examples, 'landing-page', 'assets', 'style.css'), 'body{margin:0}');
    writeFileSync(join(examples, 'landing-page', '.env'), 'SECRET=dotfile');
    writeFileSync(join(examples, 'spa', 'index.html'), '<div id="app"></div>');
    writeFileSync(join(examples, 'spa', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'outside the examples');
    symlinkSync(join(dir, 'secret.txt'), join(examples, 'spa', 'link.txt'));

    db = await openPglite();
    await migrate(db);
    site = await createSite(db, { name: 'HTTP', origins: ['https://shop.example'] });
    server = await startServer({
      db: keepOpen(db),
      port: 0,
      rateLimitPerMinute: false,
      staticFiles: { trackerFile, examplesDir: examples, examplesPublicKey: () => site.publicKey },
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers liveness and readiness', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'ok', engine: 'pglite' });
  });

  it('answers a CORS preflight for any origin, then checks the request against the site\'s origins', async () => {
    const preflight = await raw(server.url, '/v1/batch', { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' }, 'OPTIONS');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('content-type');
    expect(preflight.headers['access-control-max-age']).toBe('86400');

    const batch = (id: string) => JSON.stringify({ writeKey: site.publicKey, batch: [{ type: 'page', messageId: id, anonymousId: 'a-cors' }] });
    // sendBeacon: text/plain, key in the body, from an allowed page.
    const allowed = await raw(server.url, '/v1/batch', { origin: 'https://shop.example', 'content-type': 'text/plain;charset=UTF-8' }, 'POST', batch('cors-1'));
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(JSON.parse(allowed.body)).toMatchObject({ accepted: 1 });

    const foreign = await raw(server.url, '/v1/batch', { origin: 'https://evil.example', 'content-type': 'text/plain' }, 'POST', batch('cors-2'));
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).error.code).toBe('LAZO_ERR_ORIGIN_FORBIDDEN');
    // The browser must be able to read the refusal: CORS headers on errors too.
    expect(foreign.headers['access-control-allow-origin']).toBe('https://evil.example');
  });

  it('takes analytics.js requests as it sends them with apiHost "HOST/v1": /v1/t, /v1/p, /v1/i (one message) and /v1/b (batching)', async () => {
    const headers = { origin: 'https://shop.example', 'content-type': 'text/plain' };
    const one = (type: string, id: string, extra: object) => JSON.stringify({ type, messageId: id, anonymousId: 'a-ajs', writeKey: site.publicKey, ...extra });
    for (const [path, body] of [
      ['/v1/p', one('page', 'ajs-p', { properties: { path: '/' } })],
      ['/v1/t', one('track', 'ajs-t', { event: 'Clicked' })],
      ['/v1/i', one('identify', 'ajs-i', { traits: { plan: 'pro' } })],
      ['/v1/b', JSON.stringify({ writeKey: site.publicKey, sentAt: new Date().toISOString(), batch: [{ type: 'track', event: 'Batched', messageId: 'ajs-b', anonymousId: 'a-ajs' }] })],
    ] as const) {
      const res = await raw(server.url, path, headers, 'POST', body);
      expect(res.status, `${path} ${res.body}`).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ accepted: 1 });
    }
    const { rows } = await db.query<{ message_id: string; type: string }>("select message_id, type from events where site_id = $1 and message_id like 'ajs-%' order by message_id", [site.siteId]);
    expect(rows).toEqual([
      { message_id: 'ajs-b', type: 'track' },
      { message_id: 'ajs-i', type: 'identify' },
      { message_id: 'ajs-p', type: 'page' },
      { message_id: 'ajs-t', type: 'track' },
    ]);
  });

  it('serves /lazo.js long-cached, with a strong ETag and 304 on If-None-Match', async () => {
    const first = await fetch(`${server.url}/lazo.js`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(first.headers.get('cache-control')).toBe(TRACKER_CACHE_CONTROL);
    expect(first.headers.get('cache-control')).toMatch(/max-age=86400/);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(await first.text()).toBe(readFileSync(trackerFile, 'utf8'));

    for (const inm of [etag, `"other", ${etag}`, `W/${etag}`, '*']) {
      const again = await raw(server.url, '/lazo.js', { 'if-none-match': inm });
      expect(again.status, inm).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers.etag).toBe(etag);
      expect(again.headers['cache-control']).toBe(TRACKER_CACHE_CONTROL);
    }
    expect((await raw(server.url, '/lazo.js', { 'if-none-match': '"stale"' })).status).toBe(200);

    const head = await raw(server.url, '/lazo.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.etag).toBe(etag);

    // A rebuilt tracker is served at once, under a new tag, without a restart.
    writeFileSync(trackerFile, '(function(){window.lazo=2})();\n');
    const rebuilt = await raw(server.url, '/lazo.js', { 'if-none-match': etag });
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body).toContain('lazo=2');
    expect(rebuilt.headers.etag).not.toBe(etag);
  });

  it('says how to build the tracker when it is missing', async () => {
    const app = await buildApp({ db, rateLimitPerMinute: false, staticFiles: { trackerFile: join(dir, 'nope.js') } });
    const res = await app.inject('/lazo.js');
    await app.close();
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'LAZO_ERR_NOT_FOUND', message: expect.stringContaining('pnpm build') });
  });

  it('finds the built tracker of this checkout by default', async () => {
    const built = fileURLToPath(new URL('../../../packages/tracker/dist/lazo.js', import.meta.url));
    const app = await buildApp({ db, rateLimitPerMinute: false });
    const res = await app.inject('/lazo.js');
    await app.close();
    if (existsSync(built)) {
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(readFileSync(built, 'utf8'));
    } else {
      expect(res.statusCode).toBe(404);
    }
  });

  it('serves the examples with their content types and the demo key filled in', async () => {
    const redirect = await raw(server.url, '/examples/landing-page');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/examples/landing-page/');

    const page = await raw(server.url, '/examples/landing-page/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain(`data-key="${site.publicKey}"`);
    expect((await raw(server.url, '/examples/landing-page/', { 'if-none-match': String(page.headers.etag) })).status).toBe(304);

    const css = await raw(server.url, '/examples/landing-page/assets/style.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const js = await raw(server.url, '/examples/spa/app.js');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await raw(server.url, '/examples/spa/')).body).toBe('<div id="app"></div>');
    // The SPA routes in the browser: a reload on one of its pages gets the app, a missing asset a 404.
    const route = await raw(server.url, '/examples/spa/pricing');
    expect(route.status).toBe(200);
    expect(route.body).toBe('<div id="app"></div>');
    expect((await raw(server.url, '/examples/spa/missing.js')).status).toBe(404);
    expect((await raw(server.url, '/examples/landing-page/pricing')).status).toBe(404);

    // The npm build, for the SPA's import map.
    const module = await raw(server.url, '/tracker/index.js');
    expect(module.status).toBe(200);
    expect(module.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(module.body).toContain('export function init');
  });

  it.each([
    '/examples/landing-page/..%2f..%2fsecret.txt',
    '/examples/landing-page/%2e%2e/%2e%2e/secret.txt',
    '/examples/landing-page/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/examples/landing-page/..%5c..%5csecret.txt',
    '/examples/landing-page/../../secret.txt',
    '/examples/spa/..%2flanding-page%2f.env',
    '/examples/landing-page/.env',
    '/examples/landing-page/%2eenv',
    '/examples/spa/link.txt',
    '/examples/spa/index.html%00.js',
    '/examples/landing-page/..%252f..%252fsecret.txt',
  ])('never serves a file outside the examples or a dotfile: %s', async (path) => {
    const res = await raw(server.url, path);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body).not.toContain('outside the examples');
    expect(res.body).not.toContain('SECRET=dotfile');
  });

  it('commits and answers every request it took, and refuses the ones arriving while it closes', async () => {
    const site = await createSite(db, { name: 'Shutdown', origins: [] });
    // Writes wait at this gate, so the requests are surely in flight when the server is told to close.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const gated: Db = { ...keepOpen(db), transaction: (fn) => gate.then(() => db.transaction(fn)) };
    let arrived = 0;
    const server = await startServer({
      db: gated,
      port: 0,
      rateLimitPerMinute: false,
      configure: (app) => app.addHook('onRequest', async () => void arrived++),
    });
    const post = (id: string) =>
      fetch(`${server.url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: basic(site.secretKey), 'content-type': 'application/json' },
        body: JSON.stringify({ batch: [{ type: 'track', event: 'E', anonymousId: 'a-' + id, messageId: id }] }),
      }).then(
        (r) => r.status,
        () => 0, // refused: the listener was already closed
      );
    const taken = Array.from({ length: 20 }, (_, i) => post(`taken-${i}`));
    while (arrived < 20) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    const closing = server.close();
    const late = Array.from({ length: 5 }, (_, i) => post(`late-${i}`));
    const lateStatuses = await Promise.all(late);
    open();
    const takenStatuses = await Promise.all(taken);
    await closing;

    expect(takenStatuses).toEqual(Array(20).fill(200));
    for (const s of lateStatuses) expect([0, 503]).toContain(s);
    const { rows } = await db.query<{ message_id: string }>('select message_id from events where site_id = $1 order by message_id', [site.siteId]);
    expect(rows.map((r) => r.message_id)).toEqual(Array.from({ length: 20 }, (_, i) => `taken-${i}`).sort());
  });
});

describe('the landing-page example\'s CRM form under lazo serve --demo', () => {
  it('takes the form, answers with the thank-you page and tells Lazo who the visitor is (verified identify)', async () => {
    const db = await openPglite();
    await migrate(db);
    const site = await createSite(db, { name: 'Demo', origins: [] });
    let url = '';
    const server = await startServer({ db, port: 0, rateLimitPerMinute: false, configure: (app) => registerDemoRoutes(app, () => (url ? { url, secretKey: site.secretKey } : undefined)) });
    try {
      const early = await raw(server.url, '/examples/landing-page/lead', { 'content-type': 'application/x-www-form-urlencoded' }, 'POST', 'email=x%40example.com');
      expect(early.status).toBe(503);
      url = server.url;
      const form = new URLSearchParams({ email: 'ana@example.com', name: 'Ana', lazo_anonymous_id: 'anon-form', utm_source: 'newsletter' }).toString();
      const res = await raw(server.url, '/examples/landing-page/lead', { 'content-type': 'application/x-www-form-urlencoded' }, 'POST', form);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('ana@example.com');
      const { rows } = await db.query<{ type: string; anonymous_id: string; verified: boolean }>('select type, anonymous_id, verified from events where site_id = $1', [site.siteId]);
      expect(rows).toEqual([{ type: 'identify', anonymous_id: 'anon-form', verified: true }]);
    } finally {
      await server.close();
    }
  });
});
