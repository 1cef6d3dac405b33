import { createServer, connect, type Server, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { openPglite, openPostgres, type Db } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { createSite, type CreatedSite } from '../src/store/sites.js';
import { openTestDb, postgresUrl } from './helpers/engines.js';
import { expectUnavailable, interceptStatements, proxiedPostgres } from './helpers/db-faults.js';
import { basic } from './helpers/test-server.js';

/**
 * A TCP proxy in front of PostgreSQL that the test can cut (every connection dropped, new ones refused)
 * and restore on the same port: the database "disappears" for the API without touching the server.
 */
async function createCuttableProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(target);
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on('error', () => {});
          sock.on('close', () => {
            sockets.delete(sock);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    async cut() {
      const s = server;
      server = undefined;
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
    },
    restore: listen,
  };
}

const batchOf = (ids: string[]) => ({
  batch: ids.map((messageId, i) => ({
    type: 'page',
    messageId,
    anonymousId: 'anon-failure',
    timestamp: new Date(Date.UTC(2026, 2, 1, 10, 0, i)).toISOString(),
    context: { lazo: { sessionId: 'sess-failure' }, page: { url: 'https://shop.example/p' + i, path: '/p' + i } },
  })),
});

describe.runIf(postgresUrl)('PostgreSQL unreachable, then back', () => {
  let direct: Db;
  let proxied: Db;
  let proxy: Awaited<ReturnType<typeof createCuttableProxy>>;
  let app: FastifyInstance;
  let site: CreatedSite;
  let cutArmed = false;
  /** When set, the next read of the spend (a report's branch, on a connection of its own) cuts every connection. */
  let cutOnSpend = false;

  beforeAll(async () => {
    direct = await openTestDb('postgres');
    const through = await proxiedPostgres(createCuttableProxy);
    proxy = through.proxy;
    proxied = await openPostgres(through.url, { max: 4 });
    // When armed, the next insert of events cuts the connection as soon as it is sent, whether the writer
    // sends it inside a transaction (groups with identify messages) or as a statement of its own.
    const flaky = interceptStatements(proxied, (sql, send) => {
      if (cutOnSpend && sql.includes('from spend')) {
        cutOnSpend = false;
        void proxy.cut();
      }
      if (!(cutArmed && sql.includes('insert into events'))) return send();
      cutArmed = false;
      const sent = send();
      void proxy.cut();
      return sent;
    });
    app = await buildApp({ db: flaky, rateLimitPerMinute: false });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await proxied?.close();
    await proxy?.cut();
    await direct?.close();
  });

  const post = (key: string, body: unknown) => app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic(key) }, payload: body as object });
  const stored = async (siteId: string) =>
    (await direct.query<{ message_id: string }>('select message_id from events where site_id = $1 order by message_id', [siteId])).rows.map((r) => r.message_id);

  it('answers 503 with Retry-After and stores nothing; the same retry after it returns stores each message once', async () => {
    site = await createSite(direct, { name: 'Failure', origins: [] });
    // The key is known (cached) before the outage, as on a server that has been running.
    expect((await post(site.secretKey, batchOf(['warm-1']))).statusCode).toBe(200);

    await proxy.cut();
    const ids = ['f-1', 'f-2', 'f-3'];
    expectUnavailable(await post(site.secretKey, batchOf(ids)));
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.headers['retry-after']).toBeDefined();
    expect(ready.json()).toMatchObject({ status: 'unavailable' });
    // A key never seen before needs the database too: still a 503, not a 401.
    const other = await createSite(direct, { name: 'Cold cache', origins: [] });
    expectUnavailable(await post(other.secretKey, batchOf(['cold-1'])));
    expect(await stored(site.siteId)).toEqual(['warm-1']);

    await proxy.restore();
    const retry = await post(site.secretKey, batchOf(ids));
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    const again = await post(site.secretKey, batchOf(ids));
    expect(again.json()).toEqual({ accepted: 0, duplicates: 3, rejected: [] });
    expect(await stored(site.siteId)).toEqual(['f-1', 'f-2', 'f-3', 'warm-1']);
    const sessions = await direct.query<{ events: number; pageviews: number }>('select events, pageviews from sessions where site_id = $1', [site.siteId]);
    expect(sessions.rows).toEqual([{ events: 4, pageviews: 4 }]);
    expect((await app.inject('/readyz')).statusCode).toBe(200);
  });

  it("answers 503 when the database goes away while a report's reads run on several connections, and answers the next report", async () => {
    const s = await createSite(direct, { name: 'Report cut', origins: [] });
    expect((await post(s.secretKey, batchOf(['r-1', 'r-2']))).statusCode).toBe(200);
    const funnel = () => app.inject({ method: 'GET', url: '/v1/reports/funnel?from=2026-03-01&to=2026-03-31', headers: { authorization: basic(s.secretKey) } });
    expect((await funnel()).statusCode).toBe(200);

    // Cut as the spend is read: the funnel reads it on a branch connection beside its other reads (the pool
    // has free ones), so the branch's and the report's own connections are lost together.
    cutOnSpend = true;
    expectUnavailable(await funnel());
    expect(cutOnSpend).toBe(false);

    // No connection or transaction of the failed report is left holding the pool (it has four).
    await proxy.restore();
    const after = await Promise.all([funnel(), funnel()]);
    expect(after.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(after[0]!.json()).toMatchObject({ totals: { sessions: 1, visitors: 1 } });
  });

  it('loses nothing and doubles nothing when the database goes away in the middle of a write', async () => {
    const s = await createSite(direct, { name: 'Mid-flight', origins: [] });
    const batches = Array.from({ length: 12 }, (_, b) => Array.from({ length: 20 }, (_, i) => `mid-${b}-${i}`));
    // Waves of three concurrent requests; the connection is cut while the second wave's insert is on the wire.
    const firstResults = [];
    for (let w = 0; w < batches.length; w += 3) {
      cutArmed = w === 3;
      firstResults.push(...(await Promise.all(batches.slice(w, w + 3).map((ids) => post(s.secretKey, batchOf(ids))))));
    }
    await proxy.restore();
    expect(firstResults.slice(0, 3).map((r) => r.statusCode)).toEqual([200, 200, 200]);

    // A client retries what was not acknowledged, as Segment's libraries and our tracker do.
    const acknowledged = new Set<string>();
    for (const [b, res] of firstResults.entries()) {
      if (res.statusCode === 200) batches[b]!.forEach((id) => acknowledged.add(id));
      else expectUnavailable(res);
    }
    expect(acknowledged.size).toBeLessThan(batches.flat().length);
    for (const [b, res] of firstResults.entries()) {
      if (res.statusCode === 200) continue;
      const retry = await post(s.secretKey, batchOf(batches[b]!));
      expect(retry.statusCode).toBe(200);
      expect(retry.json()).toMatchObject({ accepted: 20, duplicates: 0, rejected: [] });
    }
    const all = batches.flat();
    const rows = await stored(s.siteId);
    expect(rows).toEqual([...all].sort());
    for (const id of acknowledged) expect(rows).toContain(id);
    const sessions = await direct.query<{ events: number }>('select events from sessions where site_id = $1', [s.siteId]);
    expect(sessions.rows).toEqual([{ events: all.length }]);
  });
});

describe('the embedded database closed under the API', () => {
  let app: FastifyInstance | undefined;
  afterAll(() => app?.close());

  it('answers 503 LAZO_ERR_DB_UNAVAILABLE, and /readyz says so', async () => {
    const db = await openPglite();
    await migrate(db);
    const site = await createSite(db, { name: 'Closed', origins: [] });
    app = await buildApp({ db, rateLimitPerMinute: false });
    expect((await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic(site.secretKey) }, payload: batchOf(['c-0']) })).statusCode).toBe(200);
    await db.close();
    expectUnavailable(await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic(site.secretKey) }, payload: batchOf(['c-1']) }));
    expect((await app.inject('/readyz')).statusCode).toBe(503);
  });
});
