// pnpm bench:reports — report latency on real PostgreSQL against a same-run baseline.
//
// Creates a scratch database (lazo_bench_reports) on the server of TEST_DATABASE_URL / DATABASE_URL
// (default postgres://postgres@127.0.0.1:5432/test), seeds it with the demo generator at 1 M sessions,
// 100 k persons and 10 k customers (BENCH_PERSONS scales it), resolves the sessions to their persons and
// derives their journeys' touches (timed, as the first report after an import would), compacts and analyzes
// the tables, then times every report and every attribution model over the whole 90 days, and both funnels
// over the last 30 days (a window that cuts journeys), next to a full scan of the sessions table, and drops
// the database. Target: each report within 2× the scan. BENCH_KEEP=1 keeps the seeded database and reuses
// it on the next run (to iterate on queries without seeding again).
import { buildApp } from '../apps/server/dist/app.js';
import { openPostgres } from '../apps/server/dist/store/db.js';
import { migrate } from '../apps/server/dist/store/migrate.js';
import { createSite, listSites, rotateKeys } from '../apps/server/dist/store/sites.js';
import { seedDemoData } from '../apps/server/dist/store/demo-seed.js';
import { resolvePendingSessions } from '../apps/server/dist/store/session-persons.js';

const SERVER_URL = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const DATABASE = 'lazo_bench_reports';
const PERSONS = Number(process.env.BENCH_PERSONS ?? 100_000);
const SESSIONS = PERSONS * 10;
const CUSTOMERS = Math.round(PERSONS / 10);
const DAYS = 90;
// The median of five runs: one run of a report on a shared two-core machine moves by ±15 %.
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const KEEP = process.env.BENCH_KEEP === '1';
const MODELS = ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based', 'markov'];

const benchUrl = (() => {
  const url = new URL(SERVER_URL);
  url.pathname = `/${DATABASE}`;
  return url.toString();
})();
const redact = (url) => url.replace(/:[^:@/]*@/, ':***@');

async function admin(sql) {
  const server = await openPostgres(SERVER_URL, { max: 1 });
  try {
    await server.exec(sql);
  } finally {
    await server.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(runs, fn) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

async function main() {
  console.log(`reports bench on ${redact(benchUrl)}: ${PERSONS.toLocaleString('en')} persons, ~${SESSIONS.toLocaleString('en')} sessions, ${CUSTOMERS.toLocaleString('en')} customers, ${DAYS} days`);
  const kept = KEEP ? await keptSite() : undefined;
  if (!kept) {
    await admin(`drop database if exists ${DATABASE}`);
    await admin(`create database ${DATABASE}`);
  }
  // The pool of `lazo serve` (10): a report's independent reads run concurrently on its free connections.
  const db = await openPostgres(benchUrl);
  try {
    const { site, endDate } = kept ?? (await seed(db));
    if (kept) {
      await migrate(db);
      console.log(`reusing the seeded ${DATABASE} (BENCH_KEEP=1)`);
      await resolveSessions(db, site.siteId);
      // A newer migration may have resolved and derived everything just now: index-only reads need the
      // visibility map, and the emptied queue its dead rows gone, as after a fresh seed's vacuum.
      await db.exec('vacuum analyze');
    }
    const app = await buildApp({ db, rateLimitPerMinute: false });
    await app.ready();
    const auth = { authorization: 'Basic ' + Buffer.from(site.secretKey + ':').toString('base64') };
    const daysBefore = (days) => new Date(Date.parse(`${endDate}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    const from = daysBefore(DAYS);
    const last30 = daysBefore(30);
    const report = async (path, since = from) => {
      const res = await app.inject({ method: 'GET', url: `${path}${path.includes('?') ? '&' : '?'}from=${since}&to=${endDate}`, headers: auth });
      if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${res.body}`);
      return res.json();
    };
    const scan = () => db.query('select count(*), sum(pageviews) from sessions where site_id = $1', [site.siteId]);

    // Warm the caches once (the scan reads the table, each report its plans and indexes).
    await scan();
    await report('/v1/reports/funnel');
    const cases = [
      ['funnel (first_touch, by channel)', '/v1/reports/funnel'],
      ['funnel (markov, by campaign)', '/v1/reports/funnel?model=markov&groupBy=campaign'],
      // The last 30 days cut the journeys that started before them: the touches crossing the window's first
      // day are read one by one beside the days' tallies (migration 0011), about half of that window's touches.
      ['funnel (markov, by campaign, 30 days)', '/v1/reports/funnel?model=markov&groupBy=campaign', last30],
      ['funnel (first_touch, by channel, 30 days)', '/v1/reports/funnel', last30],
      ['timeseries (day)', '/v1/reports/timeseries'],
      ...MODELS.map((model) => [`attribution ${model}`, `/v1/reports/attribution?model=${model}`]),
    ];
    const rows = [];
    for (const [name, path, since] of cases) {
      // The baseline is measured next to each report, so that a noisy neighbour skews both alike.
      const baseline = await timed(RUNS, scan);
      const ms = await timed(RUNS, () => report(path, since));
      rows.push({ name, ms, baseline });
      console.log(`  ${name.padEnd(42)} ${ms.toFixed(0).padStart(6)} ms   scan ${baseline.toFixed(0).padStart(5)} ms   ${(ms / baseline).toFixed(2)}×`);
    }
    const sample = await report('/v1/reports/funnel');
    console.log(`funnel totals: ${JSON.stringify(sample.totals)}`);
    const over = rows.filter((r) => r.ms > 2 * r.baseline);
    console.log(over.length === 0 ? 'every report within 2× the scan' : `over 2× the scan: ${over.map((r) => `${r.name} (${(r.ms / r.baseline).toFixed(2)}×)`).join(', ')}`);
    await app.close();
  } finally {
    await db.close().catch(() => {});
    if (!KEEP) await admin(`drop database if exists ${DATABASE}`);
  }
}

/**
 * Resolves the imported sessions to their persons (the cache of migration 0004) as the first report would,
 * timed: a bulk import leaves every session pending, and a live site resolves only what arrived since the
 * last report.
 */
async function resolveSessions(db, siteId) {
  const t = performance.now();
  const n = await resolvePendingSessions(db, siteId);
  const seconds = (performance.now() - t) / 1000;
  if (n > 0) console.log(`resolved ${n.toLocaleString('en')} sessions to their persons in ${seconds.toFixed(1)} s (${Math.round(n / seconds).toLocaleString('en')}/s)`);
}

/** The site of a database kept by an earlier BENCH_KEEP=1 run, with a fresh secret key; undefined if none. */
async function keptSite() {
  let db;
  try {
    db = await openPostgres(benchUrl, { max: 1 });
    const [site] = (await listSites(db)).filter((s) => s.name === 'Reports bench');
    if (!site) return undefined;
    const { rows } = await db.query(`select max(started_at) as last from sessions where site_id = $1`, [site.siteId]);
    if (!rows[0]?.last) return undefined;
    const { secretKey } = await rotateKeys(db, site.siteId, 'secret');
    return { site: { ...site, secretKey }, endDate: rows[0].last.toISOString().slice(0, 10) };
  } catch {
    return undefined;
  } finally {
    await db?.close();
  }
}

async function seed(db) {
  await migrate(db);
  // A bulk load builds the secondary indexes of events (3 M rows, read by no report but NPS) afterwards, as
  // one would when importing history: maintaining five random-order B-trees row by row is most of the load.
  const { rows: deferred } = await db.query(
    `select indexname, indexdef from pg_indexes where schemaname = 'public' and tablename = 'events' and indexname <> 'events_pkey'`,
  );
  for (const { indexname } of deferred) await db.exec(`drop index ${indexname}`);
  const site = await createSite(db, { name: 'Reports bench', origins: ['https://bench.example'] });
  const endDate = new Date().toISOString().slice(0, 10);
  const started = performance.now();
  let lastPrint = started;
  const seeded = await seedDemoData(db, site.siteId, {
    persons: PERSONS,
    sessions: SESSIONS,
    customers: CUSTOMERS,
    days: DAYS,
    endDate,
    chunkSize: 2_000,
    onProgress: (c) => {
      const now = performance.now();
      if (now - lastPrint < 15_000) return;
      lastPrint = now;
      console.log(`  seeding: ${c.sessions.toLocaleString('en')} sessions, ${c.events.toLocaleString('en')} events, ${Math.round(c.sessions / ((now - started) / 1000)).toLocaleString('en')} sessions/s`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `seeded ${seeded.sessions.toLocaleString('en')} sessions, ${seeded.events.toLocaleString('en')} events, ${seeded.persons.toLocaleString('en')} leads, ` +
      `${seeded.identityLinks.toLocaleString('en')} identity links, ${seeded.conversions.toLocaleString('en')} conversions, ${seeded.spendRows} spend rows ` +
      `in ${seconds.toFixed(1)} s (${Math.round(seeded.sessions / seconds).toLocaleString('en')} sessions/s, ${Math.round(seeded.events / seconds).toLocaleString('en')} events/s)`,
  );
  await resolveSessions(db, site.siteId);
  // The resolution rewrote every session once; compact the table so that the baseline scan reads no more
  // pages than a table that grew by ingestion and autovacuum would (the conservative side for the ratio).
  let t = performance.now();
  await db.exec('vacuum full sessions');
  console.log(`vacuum full sessions: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  for (const { indexdef } of deferred) await db.exec(indexdef);
  console.log(`events' ${deferred.length} secondary indexes built after the load: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  await db.exec('vacuum analyze');
  console.log(`vacuum analyze: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return { site, endDate };
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
