import type { Queryable } from './db.js';

/**
 * Serialises identity changes of one site across transactions and processes (two API servers handling
 * identifies of one site at once), and with them the resolution of the site's sessions to persons
 * (store/session-persons.ts): held until the transaction ends. Works the same on PGlite.
 * Several sites are locked in sorted order, and a transaction takes it before it writes any visit row (the
 * identity writers mark visits while holding it), so two transactions never wait on each other in a cycle.
 */
export async function lockSiteIdentity(tx: Queryable, siteIds: Iterable<string>): Promise<void> {
  for (const siteId of [...new Set(siteIds)].sort()) {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [siteId]);
  }
}
