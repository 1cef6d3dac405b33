import { expect } from 'vitest';
import type { Db, Queryable, Workload } from '../../src/store/db.js';
import { postgresUrl } from './engines.js';

/**
 * What the fault-injection suites share: the test PostgreSQL reached through a proxy they can break, a
 * database whose statements pass a hook first (to break the proxy at a chosen statement), and what the
 * API must answer while the database is away.
 */

/** A proxy to the suite's PostgreSQL (made by `create` for its host and port) and the URL that goes through it. */
export async function proxiedPostgres<P extends { port: number }>(create: (target: { host: string; port: number }) => Promise<P>): Promise<{ proxy: P; url: string }> {
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
  const url = new URL(postgresUrl);
  const proxy = await create({ host: url.hostname || '127.0.0.1', port: Number(url.port || 5432) });
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return { proxy, url: url.toString() };
}

/**
 * `db` with every statement — its own, inside a transaction, under another workload's limit or on a
 * report's branch connection — handed to `hook` with the function that sends it: the hook decides when the
 * fault happens (before sending, or once sent).
 */
export function interceptStatements(db: Db, hook: (sql: string, send: () => Promise<{ rows: never[] }>) => Promise<{ rows: never[] }>): Db {
  const through = (q: Queryable): Queryable => ({ query: (sql, params) => hook(sql, () => q.query(sql, params) as Promise<{ rows: never[] }>) });
  return {
    ...db,
    ...through(db),
    transaction: (fn) => db.transaction((tx) => fn(through(tx))),
    ...(db.forWorkload ? { forWorkload: (workload: Workload) => interceptStatements(db.forWorkload!(workload), hook) } : {}),
    ...(db.inExportedSnapshot ? { inExportedSnapshot: <T>(id: string, fn: (tx: Queryable) => Promise<T>) => db.inExportedSnapshot!(id, (tx) => fn(through(tx))) } : {}),
  };
}

/** 503 with Retry-After and LAZO_ERR_DB_UNAVAILABLE; with `says`, a message that contains it. */
export function expectUnavailable(res: { statusCode: number; headers: Record<string, unknown>; json(): { error: { code: string; message: string } } }, says?: string) {
  expect(res.statusCode).toBe(503);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.json().error.code).toBe('LAZO_ERR_DB_UNAVAILABLE');
  if (says !== undefined) expect(res.json().error.message).toContain(says);
}
