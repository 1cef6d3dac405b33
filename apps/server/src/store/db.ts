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

export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (a database restart) must not crash the process.
  pool.on('error', () => {});
  return {
    engine: 'postgres',
    query: (sql, params) => pool.query(sql, params as unknown[]) as never,
    transaction: async (fn) => {
      const client = await pool.connect();
      // A connection lost while the client is checked out is emitted as 'error' on it (the pool listens
      // only to idle clients): unheard, that would crash the process. The pending query rejects anyway.
      const ignore = () => {};
      client.on('error', ignore);
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn({ query: (sql, params) => client.query(sql, params as unknown[]) as never });
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch((err: Error) => (broken = err));
        throw e;
      } finally {
        client.off('error', ignore);
        // A client whose ROLLBACK failed is discarded rather than handed to the next request.
        client.release(broken);
      }
    },
    exec: async (sql) => {
      await pool.query(sql);
    },
    close: () => pool.end(),
  };
}

export interface DbConfig {
  databaseUrl?: string;
  dataDir?: string;
}

/** `DATABASE_URL` set → PostgreSQL; otherwise PGlite in `LAZO_DATA_DIR` (default `./.lazo`). */
export function openDb(config: DbConfig): Promise<Db> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  return openPglite(config.dataDir ?? './.lazo');
}

export function dataDirExists(dataDir: string): boolean {
  return existsSync(join(resolve(dataDir), 'pgdata'));
}
