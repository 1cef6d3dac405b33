import type { Db, Queryable } from './db.js';
import type { IdentityMessage, WriteRequest, WriteResult } from './event-rows.js';
import { insertEventsAndSessions } from './insert-events.js';
import { lockSiteIdentity } from './site-lock.js';
import { apiError, mapDbError } from '../errors.js';

export type ApplyIdentities = (tx: Queryable, messages: IdentityMessage[]) => Promise<void>;

export interface BatchWriterOptions {
  db: Db;
  applyIdentities: ApplyIdentities;
  /** Transactions in flight at once. PGlite has one connection, so 1 there. Default: 1 (PGlite) / 4 (PostgreSQL). */
  maxConcurrentFlushes?: number;
  /** Rows one transaction takes at most. Default 5,000. */
  maxRowsPerFlush?: number;
  /**
   * While a transaction is in flight, another starts only once this many rows wait (or none is in flight).
   * A write's fixed cost in PostgreSQL (parse, plan, the WAL flush at commit: ~1 ms of its CPU) is paid per
   * transaction, so small requests are better left to gather into the next group than written in parallel
   * in small ones. Default 200.
   */
  minRowsToOverlap?: number;
  /** Rows waiting beyond which new requests answer 503 instead of queueing. Default 100,000. */
  maxPendingRows?: number;
}

interface Pending {
  request: WriteRequest;
  rows: number;
  resolve: (r: WriteResult) => void;
  reject: (e: unknown) => void;
}

const key = (siteId: string, messageId: string) => siteId + '\u0000' + messageId;

/**
 * Group commit: requests that arrive while a transaction is in flight wait and are written together in
 * the next one, so N concurrent requests cost a few transactions rather than N. A request resolves only
 * after the transaction that holds its rows has committed: nothing is acknowledged before the database
 * has it.
 */
export function createBatchWriter(options: BatchWriterOptions) {
  const { db, applyIdentities } = options;
  const maxConcurrent = options.maxConcurrentFlushes ?? (db.engine === 'pglite' ? 1 : 4);
  const maxRows = options.maxRowsPerFlush ?? 5_000;
  const maxPending = options.maxPendingRows ?? 100_000;
  const minRowsToOverlap = options.minRowsToOverlap ?? 200;
  const queue: Pending[] = [];
  let pendingRows = 0;
  let inFlight = 0;
  /** Groups written so far, and the requests and rows they held: how well group commit groups. */
  let groups = 0;
  let groupedRequests = 0;
  let groupedRows = 0;
  let idleWaiters: (() => void)[] = [];

  async function writeGroup(group: Pending[]): Promise<Set<string>> {
    const events = group.flatMap((p) => p.request.events);
    const sessions = group.flatMap((p) => p.request.sessions);
    // Events and sessions are written by one statement, atomic on its own: a group with no identity work
    // needs no BEGIN/COMMIT, which saves two round trips per group.
    if (!group.some((p) => p.request.identities.length > 0)) return insertEventsAndSessions(db, events, sessions);
    return db.transaction(async (tx) => {
      // The identity lock before any visit row: identity writers mark visits while holding it, so a
      // transaction holding visit rows must never be the one waiting for it (store/site-lock.ts).
      await lockSiteIdentity(
        tx,
        group.flatMap((p) => p.request.identities.map((m) => m.siteId)),
      );
      const inserted = await insertEventsAndSessions(tx, events, sessions);
      // Only messages stored now touch identity, so a retried identify is not applied twice.
      const identities = group
        .flatMap((p) => p.request.identities)
        .filter((m) => inserted.has(key(m.siteId, m.messageId)))
        .sort((a, b) => a.ts.getTime() - b.ts.getTime());
      if (identities.length > 0) await applyIdentities(tx, identities);
      return inserted;
    });
  }

  function settle(group: Pending[], inserted: Set<string>) {
    for (const p of group) {
      const mine = new Set<string>();
      for (const e of p.request.events) {
        const k = key(e.siteId, e.messageId);
        // Within one group the first request holding a messageId stored it; a later one is a duplicate.
        if (inserted.delete(k)) mine.add(e.messageId);
      }
      p.resolve({ inserted: mine });
    }
  }

  async function flush(group: Pending[]) {
    try {
      settle(group, await writeGroup(group));
    } catch (e) {
      const unavailable = mapDbError(e);
      if (unavailable || group.length === 1) {
        for (const p of group) p.reject(unavailable ?? e);
      } else {
        // One bad request must not fail its neighbours: write each alone, so only the culprit errs.
        for (const p of group) {
          try {
            settle([p], await writeGroup([p]));
          } catch (err) {
            p.reject(mapDbError(err) ?? err);
          }
        }
      }
    }
  }

  function pump() {
    while (inFlight < maxConcurrent && queue.length > 0 && (inFlight === 0 || pendingRows >= minRowsToOverlap)) {
      const group: Pending[] = [];
      let rows = 0;
      while (queue.length > 0 && (group.length === 0 || rows + queue[0]!.rows <= maxRows)) {
        const p = queue.shift()!;
        rows += p.rows;
        group.push(p);
      }
      pendingRows -= rows;
      groups++;
      groupedRequests += group.length;
      groupedRows += rows;
      inFlight++;
      void flush(group).finally(() => {
        inFlight--;
        if (inFlight === 0 && queue.length === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const w of waiters) w();
        }
        pump();
      });
    }
  }

  return {
    /** Resolves once the request's rows are committed; which of its messageIds were new. */
    write(request: WriteRequest): Promise<WriteResult> {
      const rows = request.events.length;
      if (rows === 0) return Promise.resolve({ inserted: new Set() });
      if (pendingRows + rows > maxPending) return Promise.reject(apiError('LAZO_ERR_OVERLOADED', undefined, 2));
      return new Promise<WriteResult>((resolve, reject) => {
        queue.push({ request, rows, resolve, reject });
        pendingRows += rows;
        // Start on the next tick so requests parsed in the same turn of the event loop share a transaction.
        if (queue.length === 1) setImmediate(pump);
      });
    },
    /** Resolves when everything queued so far is written (graceful shutdown). */
    drain(): Promise<void> {
      if (inFlight === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    stats: () => ({ pendingRows, inFlight, queued: queue.length, groups, groupedRequests, groupedRows }),
  };
}

export type BatchWriter = ReturnType<typeof createBatchWriter>;
