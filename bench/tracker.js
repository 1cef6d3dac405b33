// pnpm bench:tracker — what the tracker costs a page, in headless Chromium, against a same-run baseline.
//
// Three versions of one landing page (UTMs in the URL, a form) are loaded in turn, interleaved so that
// drift in the machine's load hits them alike: the baseline without any script, a control script that only
// reads localStorage and document.cookie (synchronous round trips to the browser process on a page's first
// access: the floor for any tracker that keeps an id on the device), and the built packages/tracker/dist/
// lazo.js with consent granted. Each load is traced (DevTools, categories devtools.timeline and toplevel
// only: the v8 ones add overhead of their own) from navigation to 2 s after `load`, which covers the
// tracker's first flush (1 s) and its response. Per load:
//   - page: every top-level task of the renderer's main thread — what the page as a whole cost;
//   - own: what the trace attributes to the script itself — its evaluation (compile + run of the IIFE:
//     init, first pageview queued) plus every later callback of ours (the flush timer, fetch completion,
//     listeners). Nothing else is attributed to it.
// Medians of N loads, at 1× and 4× CPU throttling (Lighthouse's mobile setting), plus the bundle's bytes.
//
//   node bench/tracker.js [--runs 15] [--json]       (BENCH_RUNS also sets N; CHROMIUM_PATH the browser)
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const BUNDLE = fileURLToPath(new URL('../packages/tracker/dist/lazo.js', import.meta.url));
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** After `load`: the first flush (1 s) and its response. */
const SETTLE_MS = 2_000;

/** The pages compared; `script` is what the page loads with `defer` (none for the baseline). */
const PAGES = {
  baseline: { script: null, label: 'no script (baseline)' },
  control: { script: 'storage.js', label: 'localStorage + cookie only (control)' },
  lazo: { script: 'lazo.js', label: 'lazo.js' },
};

/** Raw, gzip (level 9) and brotli (quality 11) bytes, as the tracker's size budget counts them. */
export function bundleSizes(code) {
  const brotliParams = { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: code.length };
  return { raw: code.length, gzip: gzipSync(code, { level: 9 }).length, brotli: brotliCompressSync(code, { params: brotliParams }).length };
}

/** A local origin serving the landing page (with `?script=` or without) and a batch endpoint that accepts all. */
async function servePages(bundle) {
  const scripts = { 'lazo.js': bundle, 'storage.js': Buffer.from("localStorage.getItem('lazo');document.cookie;") };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const name = url.pathname.slice(1);
    if (scripts[name]) return res.writeHead(200, { 'content-type': 'text/javascript' }).end(scripts[name]);
    if (url.pathname === '/v1/batch') return req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":1,"duplicates":0,"rejected":[]}'));
    const script = url.searchParams.get('script');
    const tag = script ? `<script defer src="/${script}" data-key="pk_measure0000000000000000000" data-consent="granted"></script>` : '';
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><html><head><meta charset="utf-8"><title>Landing</title>${tag}</head>
<body><h1>Hello</h1><form><input name="email" type="email"><button>Go</button></form></body></html>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Sum of durations in ms, counting a span inside an earlier one of the same thread once. */
function busyMs(spans) {
  let total = 0;
  const endOf = new Map();
  for (const e of [...spans].sort((a, b) => a.ts - b.ts)) {
    const key = `${e.pid}:${e.tid}`;
    const end = endOf.get(key) ?? -Infinity;
    if (e.ts + e.dur <= end) continue;
    total += e.ts + e.dur - Math.max(e.ts, end);
    endOf.set(key, e.ts + e.dur);
  }
  return total / 1000;
}

/**
 * What one load's trace says: the busy time of the main thread of the renderer that committed `origin`'s
 * page (the trace covers the whole browser, where other renderers come and go), and the part of it
 * attributed to `script`.
 */
function readTrace(events, origin, script) {
  const ourPids = new Set(events.filter((e) => e.name === 'CommitLoad' && e.args?.data?.url?.startsWith(origin)).map((e) => e.pid));
  const main = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && ourPids.has(e.pid)).map((e) => `${e.pid}:${e.tid}`));
  const complete = events.filter((e) => e.ph === 'X' && typeof e.dur === 'number');
  const page = busyMs(complete.filter((e) => e.name === 'ThreadControllerImpl::RunTask' && main.has(`${e.pid}:${e.tid}`)));
  if (!script) return { page, evaluate: 0, callbacks: 0, own: 0 };
  const ours = (e) => (e.args?.data?.url ?? e.args?.data?.scriptName ?? '').endsWith('/' + script);
  const evaluate = complete.filter((e) => e.name === 'EvaluateScript' && ours(e));
  const inside = (e) => evaluate.some((v) => v.tid === e.tid && e.ts >= v.ts && e.ts + e.dur <= v.ts + v.dur);
  const callbacks = complete.filter((e) => e.name === 'FunctionCall' && ours(e) && !inside(e));
  const ms = (list) => list.reduce((s, e) => s + e.dur, 0) / 1000;
  return { page, evaluate: ms(evaluate), callbacks: ms(callbacks), own: ms(evaluate) + ms(callbacks) };
}

async function loadOnce(browser, origin, throttle, script) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    // A first page of the same origin starts the renderer process, whose start-up (tens of ms, and most
    // of the noise) is no part of what a page costs; cookie and storage stay empty for the measured load.
    await page.goto(`${origin}/warm`, { waitUntil: 'load' });
    const cdp = await context.newCDPSession(page);
    if (throttle > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
    const events = [];
    cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
    const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.start', { categories: 'devtools.timeline,toplevel', transferMode: 'ReportEvents' });
    await page.goto(`${origin}/?utm_source=measure&utm_medium=test${script ? `&script=${script}` : ''}`, { waitUntil: 'load' });
    await page.waitForTimeout(SETTLE_MS);
    await cdp.send('Tracing.end');
    await done;
    return readTrace(events, origin, script);
  } finally {
    await context.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x) => Math.round(x * 100) / 100;

/**
 * Medians of `runs` interleaved loads of each page at each CPU throttling rate.
 * @returns {Promise<Record<string, Record<keyof typeof PAGES, {pageMs: number, pageDeltaMs: number, ownMs: number, evaluateMs: number, callbacksMs: number, maxOwnMs: number}>>>}
 */
export async function measureLoad({ bundle, runs = 15, throttles = [1, 4], chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium' }) {
  const server = await servePages(bundle);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  try {
    const result = {};
    for (const throttle of throttles) {
      await loadOnce(browser, server.origin, throttle, 'lazo.js'); // warm-up: the first load pays for process start-up
      const samples = Object.fromEntries(Object.keys(PAGES).map((k) => [k, []]));
      for (let i = 0; i < runs; i++) for (const [k, p] of Object.entries(PAGES)) samples[k].push(await loadOnce(browser, server.origin, throttle, p.script));
      result[`cpu${throttle}x`] = Object.fromEntries(
        Object.entries(samples).map(([k, s]) => [
          k,
          {
            pageMs: round(median(s.map((x) => x.page))),
            // Each load against the baseline load of its own round: drift in the machine's load cancels.
            pageDeltaMs: round(median(s.map((x, i) => x.page - samples.baseline[i].page))),
            ownMs: round(median(s.map((x) => x.own))),
            evaluateMs: round(median(s.map((x) => x.evaluate))),
            callbacksMs: round(median(s.map((x) => x.callbacks))),
            maxOwnMs: round(Math.max(...s.map((x) => x.own))),
          },
        ]),
      );
    }
    return result;
  } finally {
    await browser.close();
    await server.close();
  }
}

function report(sizes, result, runs) {
  const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
  const signed = (x) => `${x >= 0 ? '+' : ''}${x} ms`;
  const lines = [`lazo.js: ${sizes.raw} B raw, ${sizes.gzip} B gzip, ${sizes.brotli} B brotli`, `Main-thread time from navigation to 2 s after load, median of ${runs} interleaved loads per page:`];
  for (const [cpu, r] of Object.entries(result)) {
    const base = r.baseline.pageMs;
    lines.push(`  ${cpu.replace('cpu', 'CPU ')}:`);
    lines.push(`    ${PAGES.baseline.label.padEnd(40)} page ${base} ms`);
    for (const k of ['control', 'lazo']) {
      const v = r[k];
      lines.push(
        `    ${PAGES[k].label.padEnd(40)} page ${v.pageMs} ms (${ratio(v.pageMs, base)} the baseline; ${signed(v.pageDeltaMs)} paired with it); ` +
          `attributed to the script ${v.ownMs} ms (evaluation ${v.evaluateMs} + later callbacks ${v.callbacksMs}; worst ${v.maxOwnMs})`,
      );
    }
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const runs = Number(flag('--runs') ?? process.env.BENCH_RUNS ?? 15);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number of at least 1; got ${flag('--runs') ?? process.env.BENCH_RUNS}`);
  if (!existsSync(BUNDLE)) {
    console.error(`${BUNDLE} is missing: run \`pnpm build\` first (\`pnpm bench:tracker\` does).`);
    process.exit(1);
  }
  const bundle = readFileSync(BUNDLE);
  const sizes = bundleSizes(bundle);
  const result = await measureLoad({ bundle, runs });
  console.log(args.includes('--json') ? JSON.stringify({ bytes: sizes, runs, ...result }) : report(sizes, result, runs));
}
