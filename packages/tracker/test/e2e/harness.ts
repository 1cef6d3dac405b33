import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Message } from '@lazo/protocol/types';
import type { BrowserContext, Request } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

export type Variant = 'iife' | 'esm';

export interface Scenario {
  variant: Variant;
  key: string;
  host: string;
  /** Tracker options, as `init()` takes them (the IIFE page turns them into data attributes). */
  options?: Record<string, string | number | boolean>;
  /** HTML for the page body. */
  body?: string;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** A test page: the queue stub of API.md, then the tracker as a script tag (IIFE) or an ES module (npm build). */
export function renderPage(s: Scenario, title: string): string {
  const stub = `<script>window.lazo=window.lazo||function(){(lazo.q=lazo.q||[]).push(arguments)}</script>`;
  const options = { key: s.key, host: s.host, ...s.options };
  const loader =
    s.variant === 'iife'
      ? `<script defer src="/dist/lazo.js" ${Object.entries(options)
          .map(([k, v]) => `data-${kebab(k)}="${escape(String(v))}"`)
          .join(' ')}></script>`
      : `<script type="module">
import { init } from '/dist/index.js';
const queued = window.lazo.q || [];
const t = init(${JSON.stringify(options)});
window.lazo = (m, ...a) => t[m](...a);
for (const c of queued) window.lazo(...c);
</script>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title>${stub}${loader}</head><body>${s.body ?? ''}</body></html>`;
}

/**
 * Serves `/dist/*` (the built tracker) and scenario pages under `/s/<id>/<any path>`, each rendered from the
 * scenario registered under that id. POSTs to a page answer a page too (a form's target).
 */
export async function startPageServer() {
  for (const file of ['lazo.js', 'index.js'])
    if (!existsSync(DIST + file)) throw new Error(`packages/tracker/dist/${file} is missing: run \`pnpm build\` first`);
  const scenarios = new Map<string, Scenario>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/dist/')) {
      const file = DIST + url.pathname.slice('/dist/'.length).replace(/[^\w.-]/g, '');
      if (!existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
      return;
    }
    const [, s, id, ...rest] = url.pathname.split('/');
    const scenario = s === 's' && id ? scenarios.get(id) : undefined;
    if (!scenario) return void res.writeHead(404).end();
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/html' }).end(renderPage(scenario, '/' + rest.join('/'))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let n = 0;
  return {
    origin,
    /** Registers a scenario; returns the base URL of its pages. */
    add(s: Scenario) {
      const id = `${s.variant}${++n}`;
      scenarios.set(id, s);
      return `${origin}/s/${id}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface BatchRequest {
  body: { batch: (Message & { messageId: string })[]; writeKey: string };
  status?: number;
}

/** Records every batch request of a browser context (all its tabs) with the status it got (none: failed). */
export function recordBatches(context: BrowserContext) {
  const requests: BatchRequest[] = [];
  const byRequest = new Map<Request, BatchRequest>();
  context.on('request', (r) => {
    if (!r.url().endsWith('/v1/batch')) return;
    const entry: BatchRequest = { body: JSON.parse(r.postData() ?? '{}') };
    byRequest.set(r, entry);
    requests.push(entry);
  });
  context.on('requestfinished', async (r) => {
    const entry = byRequest.get(r);
    if (entry) entry.status = (await r.response())?.status();
  });
  return {
    requests,
    /** Message ids of requests that were answered 2xx. */
    delivered: () => requests.filter((r) => r.status && r.status < 300).flatMap((r) => r.body.batch.map((m) => m.messageId)),
    messages: () => requests.flatMap((r) => r.body.batch),
  };
}

export async function waitFor<T>(probe: () => Promise<T> | T, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
