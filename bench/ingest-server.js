// The API process of bench/ingest.js, started as a child so that it has a core of its own instead of
// sharing one event loop with the load generator. Listens on a free port and tells the parent its URL.
//
// Besides the real routes it has POST /bench/validate: the same authentication, parsing and validation
// (prepareRequest: schema, clock skew, user agent, visits, landing touch) as POST /v1/batch, but no write.
// That is the ceiling an HTTP ingestion path could reach if the database cost nothing.
import { openPostgres, startServer } from '../apps/server/dist/index.js';
import { prepareRequest } from '../apps/server/dist/routes/ingest.js';

const url = process.env.BENCH_DATABASE_URL;
if (!url) throw new Error('BENCH_DATABASE_URL is not set');
const int = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);

const db = await openPostgres(url, { max: int('BENCH_POOL', 8) });
const server = await startServer({
  db,
  port: 0,
  host: '127.0.0.1',
  logger: false,
  // Off: one site's key sends everything here; the default (60,000 a minute per key) would cap it at 1,000/s.
  rateLimitPerMinute: false,
  // The writer's knobs; unset = its defaults.
  ...(process.env.BENCH_FLUSHES ? { maxConcurrentFlushes: int('BENCH_FLUSHES') } : {}),
  ...(process.env.BENCH_ROWS_PER_FLUSH ? { maxRowsPerFlush: int('BENCH_ROWS_PER_FLUSH') } : {}),
  ...(process.env.BENCH_OVERLAP_ROWS ? { minRowsToOverlap: int('BENCH_OVERLAP_ROWS') } : {}),
  configure: (app) => {
    app.post('/bench/validate', { preHandler: app.lazo.authenticator.authenticate(false) }, async (request) => {
      const prepared = await prepareRequest(app.lazo, request, request.body.batch);
      return { accepted: prepared.request.events.length, duplicates: 0, rejected: prepared.rejected };
    });
  },
});

process.send?.({ url: server.url });
process.on('message', async (m) => {
  // CPU time (µs, user and system) so far, for the parent's per-event accounting, and the writer's group counts.
  if (m === 'cpu') {
    const { groups, groupedRequests, groupedRows } = server.app.lazo.writer.stats();
    process.send?.({ cpu: process.cpuUsage(), writer: { groups, groupedRequests, groupedRows } });
  }
  if (m === 'stop') {
    await server.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
