import pg from 'pg';
import { openPglite, openPostgres, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';

export type EngineName = 'pglite' | 'postgres';

/** The PostgreSQL server the suite was told to use, if any (TEST_DATABASE_URL wins over DATABASE_URL). */
export const postgresUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;

/**
 * Engines every store and API suite runs on: PGlite always, PostgreSQL when a URL is given. When the
 * URL is given but the server is unreachable, opening fails and so does the suite: it never skips.
 */
export const engines: EngineName[] = postgresUrl ? ['pglite', 'postgres'] : ['pglite'];

/**
 * A migrated database. Suites share one per file and isolate tests by site (every row belongs to a
 * site), which is also what keeps tenants apart in production.
 */
export async function openTestDb(engine: EngineName): Promise<Db> {
  if (engine === 'pglite') {
    const db = await openPglite();
    await migrate(db);
    return db;
  }
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
  const probe = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5_000 });
  try {
    await probe.connect();
  } catch (e) {
    throw new Error(`PostgreSQL at ${postgresUrl.replace(/:[^:@/]*@/, ':***@')} is unreachable (${(e as Error).message}); the suite was told to use it, so it fails rather than skips.`);
  } finally {
    await probe.end().catch(() => {});
  }
  const db = await openPostgres(postgresUrl, { max: 8 });
  await migrate(db);
  return db;
}
