import { parseArgs, type ParseArgsConfig } from 'node:util';
import { openDb, dbFor, DataDirLockedError, DEFAULT_DB_REPORT_TIMEOUT_MS, DEFAULT_DB_TIMEOUT_MS, type Db } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { mapDbError } from '../errors.js';

/** What a command needs from its host: tests pass their own, the bin passes the process's. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
}

/** Bad usage: the command prints the message and its usage, and exits 2. */
export class UsageError extends Error {}

/** A failure the user can act on: printed as is, exit 1. */
export class CliFailure extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** node:util's parser in strict mode (plus -h/--help), with its errors turned into usage errors. */
export function parseCommandArgs<O extends Options>(args: string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }) as Parsed<O>;
  } catch (e) {
    throw new UsageError((e as Error).message.split('. To specify')[0]!);
  }
}

export const DEFAULT_DATA_DIR = './.lazo';

/** A whole number from the environment, or `fallback` when unset; anything else is a usage error. */
export function intFromEnv(env: CliIo['env'], name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`${name} must be a whole number from 0 to ${max}; got ${JSON.stringify(raw)}`);
  return n;
}

/** A day, in ms: the largest statement limit we accept (0 = none). */
const MAX_TIMEOUT_MS = 86_400_000;

export function dataDirOf(env: CliIo['env']): string {
  return env.LAZO_DATA_DIR || DEFAULT_DATA_DIR;
}

/** Where the database is, in words (credentials masked). */
export function describeDatabase(env: CliIo['env']): string {
  return env.DATABASE_URL ? `PostgreSQL at ${env.DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}` : `PGlite (embedded) in ${dataDirOf(env)}`;
}

/**
 * Opens the configured database and applies pending migrations. A data directory held by a running
 * server is refused (DataDirLockedError), never opened twice.
 */
export async function openMigratedDb(env: CliIo['env']): Promise<{ db: Db; applied: number[] }> {
  const timeoutMs = intFromEnv(env, 'LAZO_DB_TIMEOUT_MS', DEFAULT_DB_TIMEOUT_MS, MAX_TIMEOUT_MS);
  const reportTimeoutMs = intFromEnv(env, 'LAZO_DB_REPORT_TIMEOUT_MS', DEFAULT_DB_REPORT_TIMEOUT_MS, MAX_TIMEOUT_MS);
  let db: Db;
  try {
    db = await openDb({ ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}), dataDir: dataDirOf(env), timeoutMs, reportTimeoutMs });
  } catch (e) {
    if (e instanceof DataDirLockedError) throw new CliFailure(e.message);
    throw new CliFailure(`Cannot open ${describeDatabase(env)}: ${(e as Error).message}`);
  }
  try {
    // A migration may rewrite a large table: no statement limit.
    return { db, applied: await migrate(dbFor(db, 'maintenance')) };
  } catch (e) {
    await db.close().catch(() => {});
    throw new CliFailure(`${mapDbError(e) ? 'Cannot reach' : 'Cannot migrate'} ${describeDatabase(env)}: ${(e as Error).message}`);
  }
}

/** Runs `fn` over the migrated database and closes it, whatever happens. */
export async function withDb<T>(env: CliIo['env'], fn: (db: Db) => Promise<T>): Promise<T> {
  const { db } = await openMigratedDb(env);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Left-aligned columns for terminal tables. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
