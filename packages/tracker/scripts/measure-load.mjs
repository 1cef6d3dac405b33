#!/usr/bin/env node
// Main-thread time of dist/lazo.js during page load, in real Chromium, from a DevTools trace (the
// `devtools.timeline` category only: the `v8` ones add overhead of their own): the script's
// own evaluation (compile + run of the IIFE: init, first pageview queued) plus every callback of ours that
// runs in the first 2 s (the 1 s flush timer, the fetch completion, listeners). Median of N loads, with
// and without 4x CPU throttling (Lighthouse's mobile setting). Nothing else is attributed to us.
// For scale, the same is measured for two controls served the same way: an empty script, and one that
// only opens localStorage and reads document.cookie (both synchronous round trips to the browser
// process on a page's first access: the floor for any tracker that keeps an id on the device).
//
//   node packages/tracker/scripts/measure-load.mjs [--runs 15] [--json]
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 15;
const asJson = args.includes('--json');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const bundle = readFileSync(fileURLToPath(new URL('../dist/lazo.js', import.meta.url)));
const scripts = {
  'lazo.js': bundle,
  'empty.js': Buffer.from('void 0;'),
  'storage.js': Buffer.from("localStorage.getItem('lazo');document.cookie;"),
};

const server = createServer((req, res) => {
  const name = req.url.slice(1).split('?')[0];
  if (scripts[name]) return res.writeHead(200, { 'content-type': 'text/javascript' }).end(scripts[name]);
  if (req.url === '/v1/batch') return req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":1,"duplicates":0,"rejected":[]}'));
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Landing</title>
<script defer src="/${new URL(req.url, origin).searchParams.get('script') ?? 'lazo.js'}" data-key="pk_measure0000000000000000000" data-consent="granted"></script></head>
<body><h1>Hello</h1><form><input name="email" type="email"><button>Go</button></form></body></html>`;
  res.writeHead(200, { 'content-type': 'text/html' }).end(html);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

async function once(throttle, script = 'lazo.js') {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  if (throttle > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline', transferMode: 'ReportEvents' });
  await page.goto(origin + `/?utm_source=measure&utm_medium=test&script=${script}`, { waitUntil: 'load' });
  await page.waitForTimeout(2000); // the first flush (1 s) and its response
  await cdp.send('Tracing.end');
  await done;
  await context.close();

  const ours = (e) => (e.args?.data?.url ?? e.args?.data?.scriptName ?? '').endsWith('/' + script);
  const complete = events.filter((e) => e.ph === 'X' && typeof e.dur === 'number');
  const evaluate = complete.filter((e) => e.name === 'EvaluateScript' && ours(e));
  const inside = (e) => evaluate.some((v) => v.tid === e.tid && e.ts >= v.ts && e.ts + e.dur <= v.ts + v.dur);
  const callbacks = complete.filter((e) => e.name === 'FunctionCall' && ours(e) && !inside(e));
  const ms = (list) => list.reduce((s, e) => s + e.dur, 0) / 1000;
  return { evaluate: ms(evaluate), callbacks: ms(callbacks), total: ms(evaluate) + ms(callbacks) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const result = {};
for (const throttle of [1, 4]) {
  await once(throttle); // warm-up: the first load pays for process start-up
  const samples = { 'lazo.js': [], 'empty.js': [], 'storage.js': [] };
  // interleaved, so that drift in the machine's load hits all three alike
  for (let i = 0; i < runs; i++) for (const script of Object.keys(samples)) samples[script].push(await once(throttle, script));
  const s = samples['lazo.js'];
  result[`cpu${throttle}x`] = {
    evaluateMs: +median(s.map((x) => x.evaluate)).toFixed(2),
    callbacksMs: +median(s.map((x) => x.callbacks)).toFixed(2),
    totalMs: +median(s.map((x) => x.total)).toFixed(2),
    maxTotalMs: +Math.max(...s.map((x) => x.total)).toFixed(2),
    emptyScriptMs: +median(samples['empty.js'].map((x) => x.total)).toFixed(2),
    storageOnlyMs: +median(samples['storage.js'].map((x) => x.total)).toFixed(2),
    runs,
  };
}
await browser.close();
server.close();

if (asJson) console.log(JSON.stringify({ bytes: bundle.length, ...result }));
else {
  console.log(`lazo.js (${bundle.length} B): main-thread time at load, median of ${runs} loads in Chromium`);
  for (const [k, v] of Object.entries(result))
    console.log(
      `  ${k}: ${v.totalMs} ms total (evaluate ${v.evaluateMs} ms + callbacks ${v.callbacksMs} ms; worst ${v.maxTotalMs} ms)` +
        ` | controls: empty script ${v.emptyScriptMs} ms, localStorage + cookie only ${v.storageOnlyMs} ms`,
    );
}
