import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../server/test/helpers/test-server.js';
import { ensureDashboardBuilt } from './helpers/build.js';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
let t: TestApp;
let script: string;
let stylesheet: string;

beforeAll(async () => {
  ensureDashboardBuilt();
  const assets = readdirSync(`${dist}assets`);
  script = assets.find((f) => /^app-.+\.js$/.test(f))!;
  stylesheet = assets.find((f) => /^app-.+\.css$/.test(f))!;
  t = await createTestApp('pglite');
});

afterAll(async () => {
  await t?.close();
});

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

describe('GET /dashboard (the built app, served by the API process)', () => {
  it('redirects the bare path to the one with a slash, keeping the query', async () => {
    const res = await get('/dashboard?from=2026-01-01');
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe('/dashboard/?from=2026-01-01');
  });

  it('serves index.html uncached, pointing at the hashed assets, under a strict CSP', async () => {
    const res = await get('/dashboard/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.body).toContain(`/dashboard/assets/${script}`);
    expect(res.body).toContain(`/dashboard/assets/${stylesheet}`);
  });

  it.each(['/dashboard/leads', '/dashboard/leads/p_123', '/dashboard/channels?from=2026-01-01', '/dashboard/no/such/page', '/dashboard/index.html'])(
    'answers the app route %s with index.html',
    async (url) => {
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<div id="app">');
    },
  );

  it('caches hashed assets for a year, with their types', async () => {
    const js = await get(`/dashboard/assets/${script}`);
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body).toBe(readFileSync(`${dist}assets/${script}`, 'utf8'));
    const css = await get(`/dashboard/assets/${stylesheet}`);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(css.headers['cache-control']).toContain('immutable');
  });

  it('answers a missing asset with 404, not with the page (a browser must not run HTML as a script)', async () => {
    const res = await get('/dashboard/assets/app-0000gone.js');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('LAZO_ERR_NOT_FOUND');
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await get('/dashboard/');
    const again = await get('/dashboard/', { 'if-none-match': first.headers.etag as string });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  // package.json and rollup.config.js sit beside dist/; the server's sources two levels up.
  it.each([
    '/dashboard/../package.json',
    '/dashboard/..%2fpackage.json',
    '/dashboard/%2e%2e/package.json',
    '/dashboard/%2e%2e%2fpackage.json',
    '/dashboard/assets/..%2f..%2frollup.config.js',
    '/dashboard/..%5c..%5cserver%5cpackage.json',
    '/dashboard/....//package.json',
    '/dashboard/assets/%00.js',
    '/dashboard//etc/passwd',
  ])('never serves a file outside the build: %s', async (url) => {
    const res = await get(url);
    expect(res.body).not.toContain('"@lazo/dashboard"');
    expect(res.body).not.toContain('"@lazo/server"');
    expect(res.body).not.toContain('rollup');
    expect(res.body).not.toContain('root:');
    expect([200, 301, 400, 404]).toContain(res.statusCode);
    if (res.statusCode === 200) expect(res.body).toContain('<div id="app">');
  });

  it('does not serve source maps as pages and does serve them as JSON', async () => {
    const map = `${script}.map`;
    if (!existsSync(`${dist}assets/${map}`)) return;
    const res = await get(`/dashboard/assets/${map}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });
});
