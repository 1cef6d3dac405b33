import { mkdirSync, existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export type Row = Record<string, unknown>;

/** What the store needs of a database: the same SQL runs on PGlite and on PostgreSQL 15+. */
export interface Queryable {
  query<T extends Row = Row>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

export interface Db extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements separated by semicolons (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
  /** The same database (same pool) under another workload's time limit; absent = one limit for all (PGlite). */
  forWorkload?(workload: Workload): Db;
  /**
   * PostgreSQL: runs `fn` in a read-only transaction on another connection of the pool that sees the snapshot
   * `snapshotId` (exported by a transaction still open: pg_export_snapshot). Undefined, without running `fn`,
   * when no connection is free: the caller holds one, and two callers each holding one and waiting for
   * another would wait for each other. Absent on PGlite (one connection).
   */
  inExportedSnapshot?<T>(snapshotId: string, fn: (tx: Queryable) => Promise<T>): Promise<T> | undefined;
}

/** A read-only snapshot of the database (readSnapshot): its statements, and its branches', see the same data. */
export interface Snapshot extends Queryable {
  /**
   * Runs each function on a connection of this snapshot and answers their results in order: the first here
   * and the others concurrently on free connections of the pool (PostgreSQL), or in turn here when none is
   * free (PGlite always). Independent reads of a report so take both cores rather than one.
   */
  all<T extends readonly unknown[]>(fns: { [K in keyof T]: (q: Queryable) => Promise<T[K]> }): Promise<T>;
}

/**
 * Runs `fn` in a read-only repeatable-read transaction after the `set local` statements of `settings`, with
 * the snapshot's `all` to run independent reads concurrently (each branch under the same settings).
 */
export function readSnapshot<T>(db: Db, settings: readonly string[], fn: (snapshot: Snapshot) => Promise<T>): Promise<T> {
  const configure = async (q: Queryable) => {
    for (const statement of settings) await q.query(statement);
  };
  return db.transaction(async (tx) => {
    await tx.query('set transaction isolation level repeatable read, read only');
    await configure(tx);
    let exported: Promise<string> | undefined;
    const snapshotId = () => (exported ??= tx.query<{ id: string }>('select pg_export_snapshot() as id').then((r) => r.rows[0]!.id));
    const snapshotOn = (q: Queryable): Snapshot => ({
      query: (sql, params) => q.query(sql, params),
      all: async <R extends readonly unknown[]>(fns: { [K in keyof R]: (q: Queryable) => Promise<R[K]> }) => {
        const list = fns as unknown as ReadonlyArray<(q: Queryable) => Promise<unknown>>;
        const results = new Array<unknown>(list.length);
        // Exported before any branch starts: asked for later, it would queue behind this connection's statements.
        const id = db.inExportedSnapshot && list.length > 1 ? await snapshotId() : undefined;
        const elsewhere: Promise<unknown>[] = [];
        const here = list.length > 0 ? [0] : [];
        for (let i = 1; i < list.length; i++) {
          const branch = async (b: Queryable) => {
            await configure(b);
            return list[i]!(snapshotOn(b));
          };
          const run = id === undefined ? undefined : db.inExportedSnapshot!(id, branch);
          if (run) elsewhere.push(run.then((r) => (results[i] = r)));
          else here.push(i);
        }
        const local = (async () => {
          for (const i of here) results[i] = await list[i]!(snapshotOn(q));
        })();
        // Every branch ends before the snapshot's transaction does, failed or not; the first failure is thrown.
        const failed = (await Promise.allSettled([local, ...elsewhere])).find((r) => r.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
        return results as unknown as R;
      },
    });
    return fn(snapshotOn(tx));
  });
}

/** `fns` in `q`'s snapshot, concurrently where it can (a Snapshot's `all`), else one after another. */
export async function concurrently<T extends readonly unknown[]>(q: Queryable, fns: { [K in keyof T]: (q: Queryable) => Promise<T[K]> }): Promise<T> {
  if (typeof (q as Partial<Snapshot>).all === 'function') return (q as Snapshot).all<T>(fns);
  const results: unknown[] = [];
  for (const fn of fns as unknown as ReadonlyArray<(q: Queryable) => Promise<unknown>>) results.push(await fn(q));
  return results as unknown as T;
}

/**
 * How long a statement may take depends on the work: `request` (ingestion, lookups, the default), `report`
 * (scans of months of sessions) and `maintenance` (migrations, demo seeding: no limit).
 */
export type Workload = 'request' | 'report' | 'maintenance';

/** `db` under `workload`'s time limit (the same `db` where the engine has none). */
export const dbFor = (db: Db, workload: Workload): Db => db.forWorkload?.(workload) ?? db;

/** Defaults of `lazo serve` (LAZO_DB_TIMEOUT_MS, LAZO_DB_REPORT_TIMEOUT_MS). */
export const DEFAULT_DB_TIMEOUT_MS = 10_000;
export const DEFAULT_DB_REPORT_TIMEOUT_MS = 120_000;
/** Waiting for a connection (a new one's handshake, or a free one from the pool). */
const CONNECT_TIMEOUT_MS = 5_000;
/**
 * The client waits this much longer than statement_timeout before giving up on a query itself: a slow but
 * live server cancels the statement cleanly first (57014); only a silent one is abandoned by the client.
 */
const READ_GRACE_MS = 2_000;
/** setTimeout's ceiling (~24.8 days): node-postgres treats a query_timeout of 0 as "use the pool's". */
const NO_LIMIT_MS = 2 ** 31 - 1;

/**
 * A statement that ran out of time: cancelled by PostgreSQL (statement_timeout; nothing of it committed) or
 * abandoned by the client because the server said nothing at all (a hung server or network; a statement
 * outside a transaction may still commit there, which retries with the same ids absorb as duplicates).
 * The message names the setting to raise.
 */
export class DbTimeoutError extends Error {
  readonly code = 'LAZO_DB_TIMEOUT';
  constructor(
    readonly timeoutMs: number,
    readonly silent: boolean,
    readonly setting: string,
    options?: ErrorOptions,
  ) {
    super(
      silent
        ? `PostgreSQL did not answer within ${timeoutMs + READ_GRACE_MS} ms (${setting}=${timeoutMs} plus ${READ_GRACE_MS} ms): the server or the network to it is hung; the connection was dropped.`
        : `A statement ran longer than ${timeoutMs} ms (${setting}) and PostgreSQL cancelled it: the database is overloaded or a lock is held; raise ${setting} if this work is expected to take longer.`,
      options,
    );
  }
}

/** Thrown when another process already holds an embedded data directory. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by another Lazo process (pid ${pid}). ` +
        'PGlite is one process\'s database: stop that process first, or run this command against PostgreSQL with DATABASE_URL.',
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite keeps no lock of its own: two processes opening one data directory corrupt it. A pid file taken
 * with O_EXCL (`wx`) makes a second opener fail fast; a lock left by a dead process is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockPath = join(dataDir, 'lazo.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => rmSync(lockPath, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(lockPath, 'utf8').trim());
      if (holder && holder !== process.pid && isAlive(holder)) throw new DataDirLockedError(dataDir, holder);
      rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`could not lock ${lockPath}`);
}

/** The embedded engine. `dataDir` undefined = in memory (tests). */
export async function openPglite(dataDir?: string): Promise<Db> {
  let unlock = () => {};
  let target: string | undefined;
  if (dataDir) {
    target = resolve(dataDir);
    mkdirSync(target, { recursive: true });
    unlock = lockDataDir(target);
  }
  let pglite: PGlite;
  try {
    pglite = target ? new PGlite(join(target, 'pgdata')) : new PGlite();
    await pglite.waitReady;
  } catch (e) {
    unlock();
    throw e;
  }
  // PGlite runs one statement at a time; a transaction holds it exclusively. Queries issued outside a
  // transaction wait their turn inside PGlite itself.
  return {
    engine: 'pglite',
    query: (sql, params) => pglite.query(sql, params) as never,
    transaction: (fn) => pglite.transaction((tx) => fn({ query: (sql, params) => tx.query(sql, params) as never })),
    exec: async (sql) => {
      await pglite.exec(sql);
    },
    close: async () => {
      await pglite.close();
      unlock();
    },
  };
}

// node-postgres returns int8/numeric as strings to avoid precision loss; our counts and money fit a double.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export interface PostgresOptions {
  /** Pool size. Default 10. */
  max?: number;
  /**
   * statement_timeout of ordinary statements (`request` workload), in ms; the client gives up on a silent
   * server 2 s after it. Default: none (the CLI passes LAZO_DB_TIMEOUT_MS, default 10 s).
   */
  timeoutMs?: number;
  /** The same for the `report` workload. Default: `timeoutMs` (the CLI: LAZO_DB_REPORT_TIMEOUT_MS, 120 s). */
  reportTimeoutMs?: number;
}

type PgError = Error & { code?: string };

/** Statement and client read limits of one workload; 0 = none. */
interface Limit {
  ms: number;
  setting: string;
}

/** Our error for node-postgres' two ways of running out of time; any other error unchanged. */
function timeoutOf(e: unknown, limit: Limit): unknown {
  const err = e as PgError;
  if (err?.message === 'Query read timeout') return new DbTimeoutError(limit.ms, true, limit.setting, { cause: e });
  if (err?.code === '57014' && /statement timeout/i.test(err.message)) return new DbTimeoutError(limit.ms, false, limit.setting, { cause: e });
  return e;
}

export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<Db> {
  const request: Limit = { ms: opts.timeoutMs ?? 0, setting: 'LAZO_DB_TIMEOUT_MS' };
  // A workload whose limit is the ordinary one shares it, and so costs no extra statement.
  const limitOf = (ms: number, setting: string): Limit => (ms === request.ms ? request : { ms, setting });
  const limits: Record<Workload, Limit> = {
    request,
    report: limitOf(opts.reportTimeoutMs ?? request.ms, 'LAZO_DB_REPORT_TIMEOUT_MS'),
    maintenance: limitOf(0, 'no limit'),
  };
  const readTimeout = (l: Limit) => (l.ms > 0 ? l.ms + READ_GRACE_MS : NO_LIMIT_MS);
  const max = opts.max ?? 10;
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    // Sent at connection start, so ordinary statements need no extra round trip; other workloads override
    // both per transaction.
    ...(request.ms > 0 ? { statement_timeout: request.ms, query_timeout: readTimeout(request) } : {}),
  });
  // An idle client losing its connection (a database restart) must not crash the process.
  pool.on('error', () => {});

  async function transaction<T>(limit: Limit, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    // A connection lost while the client is checked out is emitted as 'error' on it (the pool listens
    // only to idle clients): unheard, that would crash the process. The pending query rejects anyway.
    const ignore = () => {};
    client.on('error', ignore);
    const ownLimit = limit !== request;
    // node-postgres reads a per-query `query_timeout` (client.js) that @types/pg does not declare.
    const config = (sql: string, params?: unknown[]) => ({ text: sql, values: params, ...(ownLimit ? { query_timeout: readTimeout(limit) } : {}) }) as pg.QueryConfig;
    const query: Queryable['query'] = (sql, params) => client.query(config(sql, params)).catch((e: unknown) => Promise.reject(timeoutOf(e, limit))) as never;
    let broken: Error | undefined;
    try {
      await query('BEGIN');
      if (ownLimit) await query(`set local statement_timeout = ${limit.ms}`);
      const result = await fn({ query });
      await query('COMMIT');
      return result;
    } catch (e) {
      // A silent server would not answer ROLLBACK either: drop the connection (PostgreSQL rolls back).
      if (e instanceof DbTimeoutError && e.silent) broken = e;
      else await query('ROLLBACK').catch((err: Error) => (broken = err));
      throw e;
    } finally {
      client.off('error', ignore);
      // A client whose ROLLBACK failed is discarded rather than handed to the next request.
      client.release(broken);
    }
  }

  /**
   * A connection can be had without waiting: the idle ones and those the pool may still open outnumber the
   * requests queued (a request the pool has not served yet, a branch started a moment ago, is queued).
   */
  const hasFreeConnection = () => pool.idleCount + max - pool.totalCount > pool.waitingCount;

  const dbOf = (workload: Workload): Db => {
    const limit = limits[workload];
    return {
      engine: 'postgres',
      // Other workloads set their limit inside a transaction (`set local` ends with it).
      query:
        limit === request
          ? (sql, params) => pool.query(sql, params as unknown[]).catch((e: unknown) => Promise.reject(timeoutOf(e, limit))) as never
          : (sql, params) => transaction(limit, (tx) => tx.query(sql, params)) as never,
      transaction: (fn) => transaction(limit, fn),
      exec: async (sql) => {
        await (limit === request ? pool.query(sql).catch((e: unknown) => Promise.reject(timeoutOf(e, limit))) : transaction(limit, (tx) => tx.query(sql)));
      },
      close: () => pool.end(),
      forWorkload: dbOf,
      inExportedSnapshot: (snapshotId, fn) => {
        // Checked and taken in the same turn of the event loop (transaction asks the pool synchronously).
        if (!hasFreeConnection()) return undefined;
        if (!/^[0-9A-F]+(-[0-9A-F]+)+$/i.test(snapshotId)) throw new Error(`not a snapshot id: ${snapshotId}`);
        return transaction(limit, async (tx) => {
          // Both must precede the transaction's first query.
          await tx.query('set transaction isolation level repeatable read, read only');
          await tx.query(`set transaction snapshot '${snapshotId}'`);
          return fn(tx);
        });
      },
    };
  };
  return dbOf('request');
}

export interface DbConfig {
  databaseUrl?: string;
  dataDir?: string;
  /** PostgreSQL only: see PostgresOptions. Default DEFAULT_DB_TIMEOUT_MS; 0 = no limit. */
  timeoutMs?: number;
  /** PostgreSQL only. Default DEFAULT_DB_REPORT_TIMEOUT_MS; 0 = no limit. */
  reportTimeoutMs?: number;
}

/**
 * `DATABASE_URL` set → PostgreSQL with bounded statements; otherwise PGlite in `LAZO_DATA_DIR` (default
 * `./.lazo`), which runs in this process and has no network to hang on.
 */
export function openDb(config: DbConfig): Promise<Db> {
  if (config.databaseUrl) {
    return openPostgres(config.databaseUrl, { timeoutMs: config.timeoutMs ?? DEFAULT_DB_TIMEOUT_MS, reportTimeoutMs: config.reportTimeoutMs ?? DEFAULT_DB_REPORT_TIMEOUT_MS });
  }
  return openPglite(config.dataDir ?? './.lazo');
}

export function dataDirExists(dataDir: string): boolean {
  return existsSync(join(resolve(dataDir), 'pgdata'));
}
