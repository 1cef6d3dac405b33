import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../packages/tracker/test/e2e/harness.js';
import { startTestServer, type TestServer } from '../../server/test/helpers/test-server.js';
import { seedDemoData } from '../../server/src/store/demo-seed.js';
import type { CreatedSite } from '../../server/src/store/sites.js';
import { ensureDashboardBuilt } from './helpers/build.js';
import { XSS, sendHostileVisitor } from './helpers/fixtures.js';

/**
 * The dashboard in real Chromium against the real server (PGlite) and the demo data set: sign-in, every
 * page with data, the model switch, both CSV uploads, and visitor-controlled values that must stay text.
 * Screenshots of each page land in test-output/dashboard/ for a reviewer.
 */
const SHOTS = fileURLToPath(new URL('../../../test-output/dashboard/', import.meta.url));
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') {
  describe('chromium', () => {
    it(`is installed at ${CHROMIUM} (CI must not skip the dashboard suite)`, () => {
      expect.fail(`${CHROMIUM} is missing: apt-get install -y chromium`);
    });
  });
}

describe.skipIf(!haveChromium)('dashboard in Chromium, against the server', () => {
  let browser: Browser;
  let server: TestServer;
  let demo: CreatedSite;
  let hostile: CreatedSite;
  const dialogs: string[] = [];

  beforeAll(async () => {
    ensureDashboardBuilt();
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer({ engine: 'pglite' });
    demo = server.site;
    await seedDemoData(server.db, demo.siteId, { persons: 400, days: 70, seed: 7 });
    hostile = await server.newSite(['https://shop.example']);
    await sendHostileVisitor(server, hostile);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(path = '/dashboard/'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => dialogs.push(`pageerror: ${e.message}`));
    await page.goto(server.url + path);
    return page;
  }

  async function signIn(page: Page, key: string) {
    await page.getByLabel('Secret key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('nav[aria-label="Dashboard"]').waitFor();
  }

  /** A customer of the demo data who used two or more browsers, found through the public API. */
  async function multiDeviceCustomer(): Promise<{ personId: string; email: string }> {
    const get = async (path: string) => (await fetch(server.url + path, { headers: { authorization: `Bearer ${demo.secretKey}` } })).json();
    const { persons } = (await get('/v1/persons?stage=customer&sort=score&limit=100')) as { persons: Array<{ personId: string; email: string }> };
    for (const p of persons) {
      const profile = (await get(`/v1/persons/${p.personId}`)) as { identities: { anonymousIds: unknown[] } };
      if (profile.identities.anonymousIds.length > 1) return p;
    }
    throw new Error('the demo data has no customer with two browsers');
  }

  /** No element a payload would create, no dialog, no script error. */
  async function expectNothingRan(page: Page, dialogsBefore: number) {
    expect(await page.evaluate(() => document.querySelectorAll('main img, main script, main iframe, [onerror], [onload]').length)).toBe(0);
    await page.waitForTimeout(200);
    expect(dialogs.slice(dialogsBefore)).toEqual([]);
    await page.context().close();
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });

  /** Nothing the dashboard keeps may hold the key, except sessionStorage. */
  async function expectKeyOnlyInSessionStorage(page: Page, key: string) {
    const where = await page.evaluate((k) => {
      const local = Object.keys(localStorage).map((n) => localStorage.getItem(n) ?? '');
      const session = Object.keys(sessionStorage).map((n) => sessionStorage.getItem(n) ?? '');
      return { local: local.some((v) => v.includes(k)), session: session.some((v) => v.includes(k)), url: location.href.includes(k), cookie: document.cookie.includes(k), history: history.length };
    }, key);
    expect(where).toMatchObject({ local: false, session: true, url: false, cookie: false });
    expect(page.url()).not.toContain(key);
  }

  it('refuses a wrong key with a clear message, then signs in with the right one', async () => {
    const page = await open();
    await page.getByLabel('Secret key').fill('sk_' + 'x'.repeat(32));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Wrong key/);
    expect(await page.getByLabel('Secret key').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Secret key').fill(demo.publicKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/public key/);
    await shot(page, '0-sign-in-error');

    await signIn(page, demo.secretKey);
    await expectKeyOnlyInSessionStorage(page, demo.secretKey);
    // A reload keeps the session (sessionStorage), signing out forgets the key.
    await page.reload();
    await page.locator('nav[aria-label="Dashboard"]').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Secret key').waitFor();
    expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
    await page.context().close();
  });

  it('shows the overview: KPIs with their change, and visitors, leads and customers per day', async () => {
    const page = await open();
    await signIn(page, demo.secretKey);
    const visitors = page.locator('[data-kpi="visitors"] .kpi-value');
    await visitors.waitFor();
    expect(Number((await visitors.textContent())!.replace(/\D/g, ''))).toBeGreaterThan(0);
    for (const id of ['leads', 'customers', 'revenue', 'spend', 'cpl', 'cvr', 'cpa', 'roas']) {
      await expect.poll(() => page.locator(`[data-kpi="${id}"] .kpi-value`).textContent()).toMatch(/\d/);
    }
    expect(await page.locator('[data-kpi="visitors"] .kpi-change').textContent()).toMatch(/%|no previous data/);
    expect(await page.locator('.mini-chart svg').count()).toBe(3);
    expect(await page.locator('.mini-chart polyline').first().getAttribute('points')).toMatch(/^[\d.]+,[\d.]+ [\d.]+,[\d.]+/);
    await shot(page, '1-overview');

    // The range is in the URL (not the key), and a preset changes the numbers' period.
    await page.locator('select[name="preset"]').selectOption('7d');
    await expect.poll(() => page.url()).toMatch(/from=\d{4}-\d{2}-\d{2}&to=/);
    await page.locator('[data-kpi="visitors"] .kpi-value').waitFor();
    await expectKeyOnlyInSessionStorage(page, demo.secretKey);
    await page.context().close();
  });

  it('shows channels and campaigns: funnel table, drill-down, model switch and comparison, funnel and NPS charts', async () => {
    const page = await open('/dashboard/channels');
    await signIn(page, demo.secretKey);
    const table = page.locator('#funnel-table table');
    await table.waitFor();
    const channels = await table.locator('tbody th').allTextContents();
    expect(channels.length).toBeGreaterThan(3);
    expect(channels).toEqual(expect.arrayContaining(['Organic Search', 'Direct']));
    await page.locator('.funnel-chart .funnel-row').nth(2).waitFor();
    await page.locator('#model-comparison table').waitFor();
    await shot(page, '2-channels');

    // Sorting by a column sorts the rows.
    await table.locator('button[data-sort="visitors"]').click();
    const visitorsCol = async () => (await table.locator('tbody tr td:nth-child(2)').allTextContents()).map((t) => Number(t.replace(/[^\d.]/g, '')));
    const desc = await visitorsCol();
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    expect(await table.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('descending');

    // Another model credits leads and customers differently.
    const credited = async () => (await table.locator('tbody tr').allTextContents()).join('|');
    const firstTouch = await credited();
    await page.getByLabel('Attribution model').selectOption('last_touch');
    await expect.poll(credited).not.toBe(firstTouch);
    await page.getByLabel('Attribution model').selectOption('linear');
    await expect.poll(async () => (await credited()) !== firstTouch).toBe(true);
    expect(await page.locator('.model-picker .hint').textContent()).toMatch(/shared equally/);

    // Comparing two models side by side: both models' columns, and Markov's removal effects.
    const compare = page.locator('#model-comparison');
    await compare.getByLabel('Model A').selectOption('first_touch');
    await compare.getByLabel('Model B').selectOption('markov');
    await expect.poll(() => compare.locator('.compare-legend').textContent()).toMatch(/A First touch.*B Data-driven \(Markov\)/);
    await expect.poll(() => compare.locator('thead').textContent()).toMatch(/Conversions A.*Conversions B.*Removal effect/);
    expect(await compare.locator('tbody tr').count()).toBeGreaterThan(1);

    // Drill down: a channel's sources, then a source's campaigns.
    await table.getByRole('button', { name: 'Paid Search' }).click();
    await expect.poll(() => page.locator('#funnel-table thead').textContent()).toMatch(/Source \/ medium/);
    await expect.poll(() => page.locator('#funnel-table tbody th').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/google \/ cpc/)]));
    // The comparison follows the drill-down: the models' credit for this channel's sources only.
    await expect.poll(() => page.locator('#model-comparison tbody th').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/google \/ cpc/)]));
    expect(await page.locator('#model-comparison tbody th').allTextContents()).not.toContain('Direct');
    await page.locator('#funnel-table tbody').getByRole('button', { name: /google \/ cpc/ }).click();
    await expect.poll(() => page.locator('#funnel-table thead').textContent()).toMatch(/Campaign/);
    expect(await page.locator('.crumbs li').allTextContents()).toEqual(['All channels', 'Paid Search', 'google / cpc']);
    await shot(page, '3-channels-drilldown');
    await page.locator('.crumbs').getByRole('button', { name: 'All channels' }).click();
    await expect.poll(() => page.locator('#funnel-table thead').textContent()).toMatch(/Channel/);
    await page.context().close();
  }, 90_000);

  it('lists leads, searches them, and shows a lead with score reasons and the journey across devices', async () => {
    const page = await open('/dashboard/leads');
    await signIn(page, demo.secretKey);
    const rows = page.locator('.leads-table tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBeGreaterThan(10);
    const scores = (await page.locator('.leads-table tbody td:nth-child(4)').allTextContents()).map(Number);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // Each lead's first source (a channel) is shown.
    await expect.poll(() => page.locator('.leads-table tbody tr:first-child td:nth-child(5)').textContent()).toMatch(/Search|Direct|Social|Email|Referral|Display|Shopping|Video|Affiliates|Unassigned/);
    await shot(page, '4-leads');

    const firstEmail = (await rows.first().locator('th a').textContent())!;
    await page.getByLabel('Search').fill(firstEmail.slice(0, 8));
    await expect.poll(() => rows.first().locator('th a').textContent()).toBe(firstEmail);
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Stage').selectOption('customer');
    await expect.poll(async () => new Set(await page.locator('.leads-table tbody .badge').allTextContents())).toEqual(new Set(['customer']));
    await page.getByLabel('Stage').selectOption('');

    // The lead page of a customer who used more than one browser: the journey across devices.
    const lead = await multiDeviceCustomer();
    await page.getByLabel('Search').fill(lead.email);
    await expect.poll(() => rows.count()).toBe(1);
    await rows.first().locator('th a').click();
    await expect.poll(() => page.url()).toContain(`/dashboard/leads/${lead.personId}`);
    await page.locator('.timeline').waitFor();
    expect(await page.locator('.score-value').textContent()).toMatch(/\d/);
    expect(await page.locator('.reasons li').count()).toBeGreaterThan(0);
    expect(await page.locator('.timeline > .kind-session').count()).toBeGreaterThan(0);
    expect(await page.locator('.timeline > .kind-conversion').count()).toBeGreaterThan(0);
    expect(await page.locator('.timeline > .kind-identify').count()).toBeGreaterThan(0);
    expect(await page.locator('.tl-legend').textContent()).toMatch(/Across [2-9] browsers/);
    expect(new Set(await page.locator('.timeline > .kind-session .tl-device').allTextContents()).size).toBeGreaterThan(1);
    await page.locator('.timeline > .kind-session details').first().evaluate((d) => ((d as HTMLDetailsElement).open = true));
    await shot(page, '5-lead');
    await page.context().close();
  });

  it('uploads conversions and spend from CSV: preview, row errors, a summary of what was stored', async () => {
    const page = await open('/dashboard/data');
    await signIn(page, demo.secretKey);
    const conversions = page.locator('#upload-conversions');
    const deals = ['email,date,value,currency,type', 'ana@example.com,2026-01-15,1200,EUR,customer', 'bob@example.com,not a date,300,EUR,customer', ',2026-01-17,80,EUR,customer', 'cy@example.com,2026-01-18,450.5,EUR,customer'].join('\n');
    await conversions.locator('input[type=file]').setInputFiles({ name: 'deals.csv', mimeType: 'text/csv', buffer: Buffer.from(deals) });
    await expect.poll(() => conversions.locator('.upload-preview').textContent()).toMatch(/deals\.csv: 4 rows/);
    expect(await conversions.locator('.preview tbody tr').count()).toBe(4);
    // The server's check (a dry run) names the bad lines before anything is stored.
    const rejected = conversions.locator('table.rejected tbody tr');
    await expect.poll(() => rejected.count()).toBe(2);
    expect(await rejected.locator('td:first-child').allTextContents()).toEqual(['3', '4']);
    expect(await conversions.locator('.preview tr.has-error').count()).toBe(2);
    expect(await conversions.locator('.summary').textContent()).toMatch(/Check:.*nothing is stored/);
    await conversions.getByRole('button', { name: /Upload 4 rows/ }).click();
    await expect.poll(() => conversions.locator('.summary').textContent()).toMatch(/Uploaded: .*2 .*2 with problems/);
    await shot(page, '6-data-in');

    const spend = page.locator('#upload-spend');
    const rows = ['date;source;medium;campaign;amount;currency', '2026-01-15;google;cpc;spring;120,50;EUR', '2026-01-16;google;cpc;spring;-5;EUR', '2026-01-16;newsletter;email;;0;EUR'].join('\n');
    await spend.locator('input[type=file]').setInputFiles({ name: 'spend.csv', mimeType: 'text/csv', buffer: Buffer.from(rows) });
    await expect.poll(() => spend.locator('.upload-preview').textContent()).toMatch(/spend\.csv: 3 rows/);
    await expect.poll(() => spend.locator('table.rejected tbody tr').count()).toBe(1);
    await spend.getByRole('button', { name: /Upload 3 rows/ }).click();
    await expect.poll(() => spend.locator('.summary').textContent()).toMatch(/Uploaded: .*1 with problems/);

    // The snippet carries this site's public key, never the secret one.
    const snippet = await page.locator('#snippet').textContent();
    expect(snippet).toContain(`data-key="${demo.publicKey}"`);
    expect(snippet).toContain(`${server.url}/lazo.js`);
    expect(snippet).not.toContain(demo.secretKey);
    expect(await page.locator('.origins li').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('http://127.0.0.1')]));
    await shot(page, '7-data-in-done');
    await page.context().close();
  });

  it('renders script-shaped traits, page titles and UTM values as text on the lead pages: nothing runs', async () => {
    const before = dialogs.length;
    const page = await open('/dashboard/leads');
    await signIn(page, hostile.secretKey);
    const lead = page.locator('.leads-table tbody tr').first();
    await lead.waitFor();
    expect(await lead.textContent()).toContain(XSS.name);
    await expect.poll(() => lead.locator('td:nth-child(5)').textContent()).toContain(XSS.source);
    await lead.locator('th a').click();
    await page.locator('.timeline').waitFor();
    await page.locator('.timeline details').first().evaluate((d) => ((d as HTMLDetailsElement).open = true));
    const text = await page.locator('main').textContent();
    for (const value of [XSS.name, XSS.company, XSS.title, XSS.source, XSS.campaign]) expect(text).toContain(value);
    await shot(page, '9-xss-lead');
    await expectNothingRan(page, before);
  });

  it('renders script-shaped UTM values as text in the channel reports: nothing runs', async () => {
    const before = dialogs.length;
    const page = await open('/dashboard/channels');
    await signIn(page, hostile.secretKey);
    const table = page.locator('#funnel-table table');
    await table.waitFor();
    await table.locator('tbody tr').first().locator('button').click();
    await expect.poll(() => page.locator('#funnel-table tbody th').allTextContents()).toEqual(expect.arrayContaining([`${XSS.source} / cpc`]));
    await page.locator('#funnel-table tbody').getByRole('button').first().click();
    await expect.poll(() => page.locator('#funnel-table tbody th').allTextContents()).toEqual(expect.arrayContaining([XSS.campaign]));
    expect(await page.locator('#model-comparison').textContent()).toContain(XSS.campaign);
    await shot(page, '8-xss-channels');
    await expectNothingRan(page, before);
  });
});
