import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../apps/server/test/helpers/test-server.js';
// @ts-expect-error the example's CRM handler is plain JavaScript
import { createCrmHandler } from '../../../examples/landing-page/crm-handler.js';
import { CHROMIUM, CHROMIUM_ARGS, DIST, waitFor } from './e2e/harness.js';

/**
 * The two examples as a newcomer clicks through them, first-party as `pnpm start` serves them: one origin
 * serves the pages, /lazo.js, the npm build at /tracker/index.js and the CRM handler, and passes /v1/* to
 * the real Lazo server. Ends with the lead stitched to its visit, read through GET /v1/persons.
 */
const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

describe.skipIf(!existsSync(CHROMIUM))('the examples in Chromium', () => {
  let browser: Browser;
  let lazo: TestServer;
  let site: TestServer['site'];
  let web: Server;
  let origin = '';

  beforeAll(async () => {
    lazo = await startTestServer({ engine: 'pglite', origins: ['http://127.0.0.1'] });
    web = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      if (path.startsWith('/v1/')) {
        const body = req.method === 'GET' ? undefined : await new Response(req as unknown as ReadableStream).text();
        const r = await fetch(lazo.url + req.url, {
          method: req.method,
          body,
          headers: { 'content-type': req.headers['content-type'] ?? 'text/plain', origin, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) },
        });
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(await r.text());
        return;
      }
      if (path === '/examples/landing-page/lead') return crm(req, res);
      const file =
        path === '/lazo.js' ? DIST + 'lazo.js' : path === '/tracker/index.js' ? DIST + 'index.js' : path.startsWith('/examples/') ? EXAMPLES + path.slice('/examples/'.length) : '';
      // history routing: unknown paths of the SPA are the app's routes
      const target = existsSync(file) && !file.endsWith('/') ? file : path.startsWith('/examples/spa/') ? EXAMPLES + 'spa/index.html' : file.endsWith('/') ? file + 'index.html' : '';
      if (!target || !existsSync(target)) return void res.writeHead(404).end();
      const type = target.endsWith('.html') ? 'text/html' : 'text/javascript';
      let body = readFileSync(target, 'utf8');
      if (type === 'text/html') body = body.replaceAll('%LAZO_PUBLIC_KEY%', site.publicKey);
      res.writeHead(200, { 'content-type': type }).end(body);
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    site = await lazo.newSite([origin]);
    crm = createCrmHandler({ lazoUrl: lazo.url, secretKey: site.secretKey });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  let crm: (req: unknown, res: unknown) => Promise<void>;
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => web?.close(r));
    await lazo?.close();
  });

  const events = () =>
    lazo.query<{ type: string; event: string | null; anonymous_id: string; user_id: string | null; verified: boolean; path: string | null }>(
      `select type, event, anonymous_id, user_id, verified, context->'page'->>'path' as path from events where site_id = $1 order by ts, message_id`,
      [site.siteId],
    );

  it('landing page: consent banner, campaign visit, lead form → the CRM identifies the lead, stitched to the visit', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/examples/landing-page/?utm_source=newsletter&utm_medium=email&utm_campaign=launch`);
    await page.waitForSelector('#consent:not([hidden])');
    // a person does not submit within milliseconds of the load; a test under load might, before the tracker runs
    await page.waitForFunction(() => typeof (window as unknown as { lazo: { q?: unknown } }).lazo === 'function' && !(window as unknown as { lazo: { q?: unknown } }).lazo.q);
    expect(await context.cookies()).toEqual([]);
    await page.click('#consent-accept');
    await page.fill('input[name=email]', 'grace@example.com');
    await page.fill('input[name=name]', 'Grace');
    await page.fill('textarea[name=message]', 'private words');
    await Promise.all([page.waitForURL(/\/lead$/), page.click('button:text("Book a demo")')]);
    expect(await page.textContent('h1')).toContain('Thanks');
    const anonymousId = (await context.cookies()).find((c) => c.name === 'lazo_id')?.value;
    expect(anonymousId).toBeTruthy();

    const rows = await waitFor(events, (r) => r.some((e) => e.type === 'identify' && e.verified) && r.some((e) => e.event === 'Form Submitted'));
    const verified = rows.find((e) => e.type === 'identify' && e.verified)!;
    expect(verified.user_id).toMatch(/^lead_/);
    expect(verified.anonymous_id).toBe(anonymousId);
    expect(rows.filter((e) => !e.verified).every((e) => e.anonymous_id === anonymousId)).toBe(true);
    const sessions = await lazo.query<{ utm_source: string }>('select utm_source from sessions where site_id = $1', [site.siteId]);
    expect(sessions.map((s) => s.utm_source)).toContain('newsletter');

    const person = await fetch(`${lazo.url}/v1/persons?email=grace%40example.com`, {
      headers: { authorization: 'Basic ' + Buffer.from(site.secretKey + ':').toString('base64') },
    });
    expect(person.status).toBe(200);
    const profile = await person.text();
    expect(profile).toContain(anonymousId!);
    expect(profile).not.toContain('private words');
    await context.close();
  });

  it('SPA with the npm package: one pageview per route, clicks, sign-up identify', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/examples/spa/?utm_source=spa-test`);
    await page.click('#grant');
    expect(await page.textContent('#consent-state')).toBe('granted');
    await page.click('nav a:text("Pricing")');
    await page.click('button:text("Choose Pro")');
    await page.click('nav a:text("Sign up")');
    await page.fill('input[name=email]', 'linus@example.com');
    await page.click('button:text("Create account")');
    await page.waitForURL(/welcome$/);
    const rows = await waitFor(events, (r) => r.some((e) => e.event === 'Signed Up') && r.filter((e) => e.type === 'page').length >= 4);
    const mine = rows.filter((e) => e.path?.startsWith('/examples/spa'));
    expect(mine.filter((e) => e.type === 'page').map((e) => e.path)).toEqual([
      '/examples/spa/',
      '/examples/spa/pricing',
      '/examples/spa/signup',
      '/examples/spa/welcome',
    ]);
    expect(mine.map((e) => e.event).filter(Boolean)).toEqual(expect.arrayContaining(['Plan Selected', 'Form Submitted', 'Signed Up']));
    expect(mine.find((e) => e.type === 'identify' && e.user_id)?.user_id).toMatch(/^user_/);
    await context.close();
  });
});
