import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { UsageError, openMigratedDb } from '../src/cli/io.js';
import { mapDbError } from '../src/errors.js';
import { DbTimeoutError, dbFor, openPostgres, type Db } from '../src/store/db.js';
import { createSite, type CreatedSite } from '../src/store/sites.js';
import { openTestDb, postgresUrl } from './helpers/engines.js';
import { expectUnavailable, interceptStatements, proxiedPostgres } from './helpers/db-faults.js';
import { createStallingProxy } from './helpers/stalling-proxy.js';
import { basic } from './helpers/test-server.js';

/** Short limits so that the test is quick; production defaults are 10 s and 120 s. */
const TIMEOUT_MS = 400;
const REPORT_TIMEOUT_MS = 1_500;
/** What db.ts waits past statement_timeout before abandoning a silent server, and for a connection. */
const READ_GRACE_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** Scheduling slack on a busy two-core machine. */
const SLACK_MS = 1_500;

const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const result = await fn();
  return [result, performance.now() - t0];
};

describe.runIf(postgresUrl)('PostgreSQL that stops answering without closing connections', () => {
  let direct: Db;
  let proxied: Db;
  let proxy: Awaited<ReturnType<typeof createStallingProxy>>;
  let proxyUrl: string;
  let app: FastifyInstance;
  let site: CreatedSite;
  let stallOnInsert = false;

  beforeAll(async () => {
    direct = await openTestDb('postgres');
    ({ proxy, url: proxyUrl } = await proxiedPostgres(createStallingProxy));
    proxied = await openPostgres(proxyUrl, { max: 4, timeoutMs: TIMEOUT_MS, reportTimeoutMs: REPORT_TIMEOUT_MS });
    // When armed, the server goes silent just before the next insert of events reaches it, on either of
    // the writer's paths (a statement of its own, or inside a transaction for groups with identify).
    const flaky = interceptStatements(proxied, (sql, send) => {
      if (stallOnInsert && sql.includes('insert into events')) {
        stallOnInsert = false;
        proxy.stall();
      }
      return send();
    });
    app = await buildApp({ db: flaky, rateLimitPerMinute: false });
    await app.ready();
    site = await createSite(direct, { name: 'Timeouts', origins: [] });
  });
  afterAll(async () => {
    await app?.close();
    await proxied?.close();
    await proxy?.close();
    await direct?.close();
  });

  const post = (body: unknown) => app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic(site.secretKey) }, payload: body as object });
  const page = (messageId: string) => ({ type: 'page', messageId, anonymousId: 'anon-timeout', timestamp: '2026-03-01T10:00:00.000Z', context: { page: { path: '/' + messageId } } });
  const identify = (messageId: string) => ({ type: 'identify', messageId, anonymousId: 'anon-timeout', userId: 'user-timeout', timestamp: '2026-03-01T10:01:00.000Z' });
  const stored = async () =>
    (await direct.query<{ message_id: string }>('select message_id from events where site_id = $1 order by message_id', [site.siteId])).rows.map((r) => r.message_id);
  /** Four idle connections, so that what follows is timed on established ones, not on connecting. */
  const warmPool = () => Promise.all([1, 2, 3, 4].map(() => proxied.query('select pg_sleep(0.05)')));

  it('a statement over its limit is cancelled by PostgreSQL and maps to 503 naming the setting; reports and migrations have their own limits', async () => {
    const slow = await proxied.query('select pg_sleep(1)').catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(DbTimeoutError);
    expect(slow).toMatchObject({ silent: false, timeoutMs: TIMEOUT_MS });
    const api = mapDbError(slow)!;
    expect(api).toMatchObject({ statusCode: 503, code: 'LAZO_ERR_DB_UNAVAILABLE', retryAfterSeconds: 5 });
    expect(api.message).toContain('LAZO_DB_TIMEOUT_MS');

    await expect(dbFor(proxied, 'report').query('select pg_sleep(1)')).resolves.toBeDefined();
    const report = await dbFor(proxied, 'report')
      .transaction((tx) => tx.query('select pg_sleep(3)'))
      .catch((e: unknown) => e);
    expect(report).toMatchObject({ silent: false, timeoutMs: REPORT_TIMEOUT_MS });
    expect((report as Error).message).toContain('LAZO_DB_REPORT_TIMEOUT_MS');
    await expect(dbFor(proxied, 'maintenance').query('select pg_sleep(0.6)')).resolves.toBeDefined();
    // `set local` ended with its transaction: the pool's connections are back to the ordinary limit.
    await warmPool();
    await expect(proxied.query('select pg_sleep(0.6)')).rejects.toMatchObject({ timeoutMs: TIMEOUT_MS });
  });

  it('ingestion answers 503 + Retry-After within the limit when the server goes silent mid-write, acknowledges nothing, and the retry stores once', async () => {
    expect((await post({ batch: [page('warm')] })).statusCode).toBe(200); // the key is cached from here on
    const silentWithin = TIMEOUT_MS + READ_GRACE_MS + SLACK_MS;

    const postWhileSilent = async (batch: unknown[]) => {
      await warmPool();
      stallOnInsert = true;
      const [res, ms] = await timed(() => post({ batch }));
      proxy.resume();
      expectUnavailable(res, 'did not answer');
      expect(ms).toBeLessThan(silentWithin);
    };
    await postWhileSilent([page('t-1'), page('t-2')]);
    // With identify the write is a transaction: a silent server gets no ROLLBACK to wait for.
    await postWhileSilent([page('t-3'), identify('t-4')]);
    expect(await stored()).toEqual(['warm']);

    expect((await post({ batch: [page('t-1'), page('t-2')] })).json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    expect((await post({ batch: [page('t-3'), identify('t-4')] })).json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    expect(await stored()).toEqual(['t-1', 't-2', 't-3', 't-4', 'warm']);
  });

  it('a report on a silent server answers 503 once the report limit has passed; a connection never answered gives up after 5 s', async () => {
    await warmPool();
    proxy.stall();
    try {
      const [res, ms] = await timed(() => app.inject({ url: '/v1/reports/timeseries?from=2026-03-01&to=2026-03-07', headers: { authorization: basic(site.secretKey) } }));
      expectUnavailable(res, 'LAZO_DB_REPORT_TIMEOUT_MS');
      // The report's own limit applied, not the ordinary one.
      expect(ms).toBeGreaterThanOrEqual(REPORT_TIMEOUT_MS + READ_GRACE_MS - 50);
      expect(ms).toBeLessThan(REPORT_TIMEOUT_MS + READ_GRACE_MS + SLACK_MS);

      const fresh = await openPostgres(proxyUrl, { max: 1, timeoutMs: TIMEOUT_MS });
      const [err, connectMs] = await timed(() => fresh.query('select 1').catch((e: unknown) => e));
      await fresh.close();
      expect(mapDbError(err)).toMatchObject({ statusCode: 503, code: 'LAZO_ERR_DB_UNAVAILABLE' });
      expect(connectMs).toBeLessThan(CONNECT_TIMEOUT_MS + SLACK_MS);
    } finally {
      proxy.resume();
    }
    expect((await app.inject({ url: '/v1/reports/timeseries?from=2026-03-01&to=2026-03-07', headers: { authorization: basic(site.secretKey) } })).statusCode).toBe(200);
  });
});

describe('the CLI\'s database limits', () => {
  it('refuses a limit that is not a whole number of ms, before opening anything', async () => {
    await expect(openMigratedDb({ LAZO_DB_TIMEOUT_MS: '10s' })).rejects.toThrow(UsageError);
    await expect(openMigratedDb({ LAZO_DB_REPORT_TIMEOUT_MS: '-1' })).rejects.toThrow(/LAZO_DB_REPORT_TIMEOUT_MS must be a whole number/);
  });

  it.runIf(postgresUrl)('sets statement_timeout on PostgreSQL from LAZO_DB_TIMEOUT_MS and LAZO_DB_REPORT_TIMEOUT_MS (default 10 s and 120 s)', async () => {
    const setting = async (db: Db) => (await db.query<{ statement_timeout: string }>('show statement_timeout')).rows[0]!.statement_timeout;
    const { db } = await openMigratedDb({ DATABASE_URL: postgresUrl });
    try {
      expect([await setting(db), await setting(dbFor(db, 'report')), await setting(dbFor(db, 'maintenance'))]).toEqual(['10s', '2min', '0']);
    } finally {
      await db.close();
    }
    const tuned = (await openMigratedDb({ DATABASE_URL: postgresUrl, LAZO_DB_TIMEOUT_MS: '2500', LAZO_DB_REPORT_TIMEOUT_MS: '0' })).db;
    try {
      expect([await setting(tuned), await setting(dbFor(tuned, 'report'))]).toEqual(['2500ms', '0']);
    } finally {
      await tuned.close();
    }
  });
});
