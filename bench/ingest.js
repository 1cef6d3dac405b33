// pnpm bench:ingest — durable ingestion over HTTP on real PostgreSQL, next to two same-run ceilings:
//   (i)  the same requests against a route that authenticates, parses and validates but writes nothing;
//   (ii) a bulk insert of the same rows (the store's insert statement) without HTTP.
// Not a test: it prints figures. Options (env): BENCH_SECONDS (10), BENCH_CLIENTS_20 (32),
// BENCH_CLIENTS_1 (256), BENCH_SERVERS (API processes, 1), BENCH_FLUSHES / BENCH_ROWS_PER_FLUSH /
// BENCH_OVERLAP_ROWS (writer knobs), BENCH_CPU_PROF (a folder: the API processes write V8 CPU profiles
// there), DATABASE_URL or TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test): a scratch
// database lazo_bench is created on that server and dropped afterwards. BENCH_SIZES (20,1) picks the runs.
//
// One API process by default: on 2 cores shared with PostgreSQL and the load generator, a second one
// measured slower (smaller write groups, more context switches). The load generator is bench/ingest-client.js
// (raw keep-alive sockets, one request in flight per connection), so that it takes as little of the
// machine as it honestly can; its CPU, the API's and PostgreSQL's are printed per event either way.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { openPostgres, migrate, createSite } from '../apps/server/dist/index.js';
import { prepareBatch } from '../apps/server/dist/ingest/prepare.js';
import { insertEventsAndSessions } from '../apps/server/dist/store/insert-events.js';
import { runConnection } from './ingest-client.js';

const int = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const SECONDS = int('BENCH_SECONDS', 10);
const WARMUP_MS = 1_500;
const SERVERS = int('BENCH_SERVERS', 1);
const CLIENTS = { 20: int('BENCH_CLIENTS_20', 32), 1: int('BENCH_CLIENTS_1', 256) };
const SIZES = (process.env.BENCH_SIZES ?? '20,1').split(',').map(Number);
const baseUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const BENCH_DB = 'lazo_bench';

const benchUrl = (() => {
  const u = new URL(baseUrl);
  u.pathname = '/' + BENCH_DB;
  return u.toString();
})();

// ---- messages: what the tracker sends, one visitor (and visit) per request --------------------------------
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const RUN = Date.now().toString(36);
let messageSeq = 0;
let requestSeq = 0;

function message(visitor, i, ts) {
  const n = ++messageSeq;
  const path = `/products/${n % 97}`;
  const common = `"messageId":"${RUN}-${n}","anonymousId":"anon-${visitor}","timestamp":"${ts}","sentAt":"${ts}","context":{"page":{"url":"https://shop.example${path}?utm_source=google&utm_medium=cpc&utm_campaign=spring","path":"${path}","referrer":"https://www.google.com/","title":"Product ${n % 97}"},"campaign":{"source":"google","medium":"cpc","name":"spring"},"lazo":{"sessionId":"visit-${visitor}"},"userAgent":"${UA}","library":{"name":"lazo.js","version":"0.1.0"}}`;
  return i % 4 === 0 ? `{"type":"page",${common},"properties":{"path":"${path}"}}` : `{"type":"track","event":"Product Viewed",${common},"properties":{"product":"sku-${n % 501}","price":${n % 90}}}`;
}

/** A request body of `size` messages from one visitor, as the tracker batches them. */
function body(size) {
  const visitor = `${RUN}-${++requestSeq % 50_000}`;
  const ts = new Date().toISOString();
  const messages = [];
  for (let i = 0; i < size; i++) messages.push(message(visitor, i, ts));
  return `{"batch":[${messages.join(',')}]}`;
}

// ---- CPU accounting: µs of CPU by component, independent of what else the machine is doing -------------
// Each figure is { user, kernel } µs: on loopback, sending a packet runs the receiver's TCP work in the
// sender's system time, so the kernel's share is a large, honest part of every component's cost.
let servers = [];
/** A connection to the server's maintenance database: creates and drops the scratch one, reads pg_stat_activity. */
let adminDb;
const CLK_TCK = 100; // Linux's USER_HZ

/** The API process's CPU µs so far and its writer's group counts. */
function serverCpu(server) {
  return new Promise((resolve) => {
    const onMessage = (m) => {
      if (m && m.cpu) {
        server.child.off('message', onMessage);
        resolve(m);
      }
    };
    server.child.on('message', onMessage);
    server.child.send('cpu');
  });
}

/**
 * PostgreSQL's CPU from /proc (Linux only; nothing elsewhere): the backends serving the bench database, and
 * the WAL writer, background writer and checkpointer, which work for every write.
 */
async function postgresCpu() {
  const { rows } = await adminDb.query(
    "select pid from pg_stat_activity where datname = $1 or backend_type in ('walwriter', 'background writer', 'checkpointer')",
    [BENCH_DB],
  );
  const perPid = new Map();
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      perPid.set(pid, { user: (Number(fields[11]) * 1e6) / CLK_TCK, kernel: (Number(fields[12]) * 1e6) / CLK_TCK });
    } catch {
      // not on Linux, or the backend is gone
    }
  }
  return perPid;
}

/** The whole machine's busy CPU µs so far (/proc/stat; 0 elsewhere): what the three components leave unexplained is other work. */
function machineCpu() {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1e6) / CLK_TCK;
  } catch {
    return 0;
  }
}

async function cpuSnapshot() {
  const machine = machineCpu();
  const { user, system } = process.cpuUsage();
  const reports = await Promise.all(servers.map(serverCpu));
  const sum = (pick) => reports.reduce((total, r) => total + pick(r), 0);
  return {
    client: { user, kernel: system },
    api: { user: sum((r) => r.cpu.user), kernel: sum((r) => r.cpu.system) },
    writer: { groups: sum((r) => r.writer.groups), requests: sum((r) => r.writer.groupedRequests), rows: sum((r) => r.writer.groupedRows) },
    pg: await postgresCpu(),
    machine,
  };
}

const minus = (a, b) => ({ user: a.user - (b?.user ?? 0), kernel: a.kernel - (b?.kernel ?? 0) });

function cpuSince(before, after) {
  const pg = { user: 0, kernel: 0 };
  for (const [pid, us] of after.pg) {
    const d = minus(us, before.pg.get(pid));
    pg.user += d.user;
    pg.kernel += d.kernel;
  }
  const writer = { groups: after.writer.groups - before.writer.groups, requests: after.writer.requests - before.writer.requests, rows: after.writer.rows - before.writer.rows };
  return { client: minus(after.client, before.client), api: minus(after.api, before.api), pg, writer, machine: after.machine - before.machine };
}

// ---- HTTP load ---------------------------------------------------------------------------------------
/** WARMUP_MS not counted, then SECONDS counted: CPU time is read at both ends of the counted part. */
function measureWindow() {
  let counting = false;
  let cpuStart;
  const countFrom = Date.now() + WARMUP_MS;
  const timer = setTimeout(() => {
    counting = true;
    cpuStart = cpuSnapshot();
  }, WARMUP_MS);
  return {
    stopAt: countFrom + SECONDS * 1000,
    counting: () => counting,
    async finish() {
      clearTimeout(timer);
      const seconds = (Date.now() - countFrom) / 1000;
      return { seconds, cpu: cpuSince(await cpuStart, await cpuSnapshot()) };
    },
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * `clients` connections (spread over the servers), each posting one request at a time, for WARMUP_MS (not
 * counted) and then SECONDS.
 */
async function load({ urls, path, key, size, clients }) {
  const authorization = 'Basic ' + Buffer.from(key + ':').toString('base64');
  const latencies = [];
  let events = 0;
  let errors = 0;
  const window = measureWindow();
  const onAnswer = (status, text, startedAt) => {
    if (!window.counting()) return;
    if (status !== 200) return void errors++;
    const r = JSON.parse(text);
    events += r.accepted + r.duplicates;
    latencies.push(performance.now() - startedAt);
  };
  await Promise.all(
    Array.from({ length: clients }, (_, i) => {
      const { hostname, port } = new URL(urls[i % urls.length]);
      return runConnection({ host: hostname, port: Number(port), path, authorization, nextBody: () => body(size), shouldContinue: () => Date.now() < window.stopAt, onAnswer });
    }),
  );
  const { seconds, cpu } = await window.finish();
  latencies.sort((a, b) => a - b);
  return { events, requests: latencies.length, errors, cpu, seconds, perSecond: events / seconds, requestsPerSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

// ---- the bulk-insert ceiling --------------------------------------------------------------------------
/**
 * The store's own statement (events + session upsert, one round trip) in groups of `groupRows`, `concurrency`
 * transactions at a time, for SECONDS. Rows are prepared from the same messages as the HTTP runs (once, up
 * front) and given fresh ids per group, so what is timed is the database's work, not JSON.
 */
async function bulkInsert(db, siteId, { groupRows, concurrency }) {
  const template = [];
  for (let rows = 0; rows < groupRows; rows += 20) {
    const { batch } = JSON.parse(body(20));
    const prepared = await prepareBatch({ siteId, verified: false, messages: batch, receivedAt: new Date(), loadSessions: async () => new Map() });
    template.push(prepared.request);
  }
  let group = 0;
  const nextGroup = () => {
    const g = ++group;
    const events = [];
    const sessions = [];
    for (const req of template) {
      for (const e of req.events) events.push({ ...e, messageId: `${e.messageId}~${g}`, sessionId: `${e.sessionId}~${g}` });
      for (const s of req.sessions) sessions.push({ ...s, sessionId: `${s.sessionId}~${g}` });
    }
    return { events, sessions };
  };
  // Open the connections first: connecting is not what is measured.
  await Promise.all(Array.from({ length: concurrency }, () => db.transaction((tx) => tx.query('select 1'))));
  let rows = 0;
  const window = measureWindow();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < window.stopAt) {
        const { events, sessions } = nextGroup();
        await db.transaction((tx) => insertEventsAndSessions(tx, events, sessions));
        if (window.counting()) rows += events.length;
      }
    }),
  );
  const { seconds, cpu } = await window.finish();
  return { rows, perSecond: rows / seconds, cpu };
}

// ---- run ------------------------------------------------------------------------------------------------
function startServers(count) {
  return Promise.all(
    Array.from({ length: count }, () => {
      const execArgv = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
      const child = fork(new URL('./ingest-server.js', import.meta.url), { execArgv, env: { ...process.env, BENCH_DATABASE_URL: benchUrl }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      return new Promise((resolve, reject) => {
        child.once('message', (m) => resolve({ child, url: m.url }));
        child.once('exit', (code) => reject(new Error(`bench API process exited with ${code}`)));
      });
    }),
  );
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (a, b) => `${fmt((100 * a) / b)} %`;

async function main() {
  adminDb = await openPostgres(baseUrl, { max: 1 });
  await adminDb.query(`drop database if exists ${BENCH_DB} with (force)`);
  await adminDb.query(`create database ${BENCH_DB}`);
  const db = await openPostgres(benchUrl, { max: 4 });
  try {
    await migrate(db);
    const pgVersion = (await db.query('show server_version')).rows[0].server_version;
    const commitMode = (await db.query('show synchronous_commit')).rows[0].synchronous_commit;
    console.log(`Lazo ingestion benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), Node ${process.version}, PostgreSQL ${pgVersion} (synchronous_commit=${commitMode})`);
    console.log(`${SERVERS} API process(es) + this load generator + PostgreSQL share the machine's cores: every figure below`);
    console.log(`includes the client's own cost. ${SECONDS} s per run after ${WARMUP_MS / 1000} s of warm-up. Load average at start: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}.`);
    console.log(`Rate limiting is off in the API process (one site's key sends everything); production has it on.\n`);

    servers = await startServers(SERVERS);
    const urls = servers.map((s) => s.url);
    const results = {};
    for (const size of SIZES) {
      const clients = CLIENTS[size];
      const validateSite = await createSite(db, { name: `validate-${size}`, origins: [] });
      results[`validate${size}`] = await load({ urls, path: '/bench/validate', key: validateSite.publicKey, size, clients });
      const site = await createSite(db, { name: `durable-${size}`, origins: [] });
      const r = await load({ urls, path: '/v1/batch', key: site.publicKey, size, clients });
      const { rows } = await db.query('select count(*)::int as n from events where site_id = $1', [site.siteId]);
      r.stored = rows[0].n;
      results[`durable${size}`] = r;
    }
    for (const s of servers) s.child.send('stop');
    await Promise.all(servers.map((s) => new Promise((r) => s.child.once('exit', r))));
    servers = [];

    const bulkSite = await createSite(db, { name: 'bulk', origins: [] });
    const bulk1 = await bulkInsert(db, bulkSite.siteId, { groupRows: 5_000, concurrency: 1 });
    const bulk2 = await bulkInsert(db, bulkSite.siteId, { groupRows: 5_000, concurrency: 2 });
    const bulk = bulk2.perSecond > bulk1.perSecond ? { ...bulk2, concurrency: 2 } : { ...bulk1, concurrency: 1 };

    const cores = os.cpus().length;
    const row = (label, r) =>
      console.log(`  ${label.padEnd(40)} ${fmt(r.perSecond).padStart(8)} events/s ${fmt(r.requestsPerSecond).padStart(7)} req/s   p50 ${fmt(r.p50, 1).padStart(6)} ms   p99 ${fmt(r.p99, 1).padStart(6)} ms${r.errors ? `   ${r.errors} errors` : ''}`);
    /**
     * CPU µs per event by component (user + kernel), what all of them together allow on the machine's cores,
     * and what the server side alone (API + PostgreSQL, without the load generator) would sustain.
     */
    const cpuLine = (r, count, what = 'event', apiLabel = 'API') => {
      const per = (us) => (us.user + us.kernel) / Math.max(1, count);
      const split = (us) => `${fmt(per(us))} µs (${fmt(us.user / Math.max(1, count))} + ${fmt(us.kernel / Math.max(1, count))})`;
      const server = per(r.cpu.api) + per(r.cpu.pg);
      const all = server + per(r.cpu.client);
      console.log(
        `  ${''.padEnd(40)} CPU per ${what} (user + kernel): load generator ${split(r.cpu.client)}, ${apiLabel} ${split(r.cpu.api)}, PostgreSQL ${split(r.cpu.pg)}`,
      );
      console.log(
        `  ${''.padEnd(40)} → ${fmt(all)} µs in all: ≈ ${fmt((cores * 1e6) / all)} ${what}s/s on ${cores} cores; server side alone (${fmt(server)} µs) on ${cores} idle cores ≈ ${fmt((cores * 1e6) / server)} ${what}s/s`,
      );
      const other = r.cpu.machine / Math.max(1, count) - all;
      if (r.cpu.machine && other > 0.1 * all) {
        console.log(`  ${''.padEnd(40)} ⚠ other work used ${fmt(other)} µs of the machine per ${what} in this run: its rate understates what these components reach`);
      }
    };
    console.log(`Bulk insert ceiling (the store's insert statement, 5,000 rows a transaction, no HTTP):`);
    for (const [label, b] of [['1 transaction at a time', bulk1], ['2 transactions at a time', bulk2]]) {
      console.log(`  ${label.padEnd(40)} ${fmt(b.perSecond).padStart(8)} rows/s`);
      cpuLine({ cpu: { client: { user: 0, kernel: 0 }, api: b.cpu.client, pg: b.cpu.pg, machine: b.cpu.machine } }, b.rows, 'row', 'inserting process');
    }
    console.log('');
    for (const size of SIZES) {
      const d = results[`durable${size}`];
      const v = results[`validate${size}`];
      console.log(`Batches of ${size} event${size > 1 ? 's' : ''}, ${CLIENTS[size]} concurrent keep-alive clients:`);
      row('parse + validate only (no write)', v);
      cpuLine(v, v.events);
      row('POST /v1/batch, durable', d);
      cpuLine(d, d.events);
      const w = d.cpu.writer;
      console.log(`  ${''.padEnd(40)} group commit: ${fmt(w.groups / d.seconds)} statements/s of ${fmt(w.requests / Math.max(1, w.groups), 1)} requests (${fmt(w.rows / Math.max(1, w.groups), 1)} rows) on average`);
      console.log(`  stored ${fmt(d.stored)} rows for ${fmt(d.events)} acknowledged events counted${d.stored >= d.events ? ' (≥: warm-up rows are stored too)' : '  ← FEWER THAN ACKNOWLEDGED'}`);
      console.log(`  durable / validate-only ${pct(d.perSecond, v.perSecond)};  durable / bulk-insert ceiling ${pct(d.perSecond, bulk.perSecond)}\n`);
    }
    console.log(`Load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (above ~${cores} means other work shared these cores).\n`);
    const d20 = results.durable20;
    const d1 = results.durable1;
    console.log('Targets (issue 2):');
    if (d20) console.log(`  batches of 20 ≥ 50 % of the bulk-insert ceiling: ${pct(d20.perSecond, bulk.perSecond)} ${d20.perSecond >= bulk.perSecond / 2 ? 'met' : 'NOT met'}`);
    if (d1) console.log(`  ≥ 15,000 single-event requests/s: ${fmt(d1.requestsPerSecond)} ${d1.requestsPerSecond >= 15_000 ? 'met' : 'NOT met'}`);
  } finally {
    for (const s of servers) s.child.kill();
    await db.close();
    await adminDb.query(`drop database if exists ${BENCH_DB} with (force)`);
    await adminDb.close();
  }
}

await main();
