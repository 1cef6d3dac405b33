import type { Db, Queryable } from './db.js';

class RolledBack<T> {
  constructor(readonly result: T) {}
}

/**
 * Runs `fn` in one transaction; with `dryRun` the transaction is rolled back after `fn` has done all
 * its work, so a caller (the dashboard's upload preview) learns exactly what would be stored.
 */
export async function transactionOrDryRun<T>(db: Db, dryRun: boolean, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(async (tx) => {
      const result = await fn(tx);
      if (dryRun) throw new RolledBack(result);
      return result;
    });
  } catch (e) {
    if (e instanceof RolledBack) return e.result as T;
    throw e;
  }
}
