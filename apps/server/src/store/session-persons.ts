import type { Db, Queryable } from './db.js';
import { lockSiteIdentity } from './site-lock.js';

/**
 * The cache of migration 0004: each session's person (`sessions.person_id`), journey key hash
 * (`sessions.visitor`) and landing touch number (`sessions.kind_id`), as the view `lazo_session_persons`
 * and the site's `touch_kinds` say.
 *
 * Consistency rests on the site's identity lock (store/site-lock.ts): identity changes mark the sessions
 * they may move as unresolved while holding it, and resolution runs holding it, so it never reads links
 * half-written and no identity change slips between its read and its write. Sessions another transaction
 * is writing at that moment are skipped (SKIP LOCKED) rather than waited for, and resolved next time.
 */

/**
 * The journey key of a session or conversion as SQL: the person, else the browser, else the userId.
 * Sessions and conversions build it alike, so that the two can be joined.
 */
export const journeyKeySql = (person: string, anonymous: string, user: string) => `coalesce('p:' || ${person}, 'a:' || ${anonymous}, 'u:' || ${user})`;
/** 64-bit hash of a journey key: grouping and joining a million sessions on a bigint is far cheaper than on text. */
export const visitorHashSql = (journeyKey: string) => `hashtextextended(${journeyKey}, 0)`;

/**
 * The sessions of `sessions s` a report reads as touches: resolved at least once (a session written while
 * the report starts is left for the next one) and not a bot's. It is the predicate of sessions_journey_idx
 * (migration 0004), so a query that states it can read that index.
 */
export const JOURNEY_TOUCH = 's.visitor is not null and not s.is_bot';

/** Sessions resolved per transaction: a bulk import resolves in steps that each commit (and let identifies in). */
const RESOLVE_CHUNK = 20_000;

/**
 * Resolves the site's pending sessions (new ones, and those identity changes or late messages marked) into
 * the cache; how many it resolved. Called before a report reads: the work is the sessions written or moved
 * since the last call. New landing touches are numbered first (under the lock, so numbers never clash).
 */
export async function resolvePendingSessions(db: Db, siteId: string, chunk = RESOLVE_CHUNK): Promise<number> {
  await db.transaction(async (tx) => {
    await lockSiteIdentity(tx, [siteId]);
    await tx.query(
      /* sql */ `
      insert into touch_kinds (site_id, kind_id, source, medium, campaign)
      select $1, coalesce((select max(kind_id) from touch_kinds where site_id = $1), 0) + row_number() over (order by source, medium, campaign),
             source, medium, campaign
      from (
        select distinct s.source, s.medium, s.campaign from sessions s
        where s.site_id = $1 and not s.resolved
          and not exists (select 1 from touch_kinds k where k.site_id = $1 and k.source = s.source and k.medium = s.medium and k.campaign = s.campaign)
      ) fresh`,
      [siteId],
    );
  });
  let total = 0;
  for (;;) {
    const n = await db.transaction(async (tx) => {
      await lockSiteIdentity(tx, [siteId]);
      const { rows } = await tx.query<{ n: number }>(
        /* sql */ `
        with pending as (
          select s.session_id, k.kind_id from sessions s
          join touch_kinds k on k.site_id = $1 and k.source = s.source and k.medium = s.medium and k.campaign = s.campaign
          where s.site_id = $1 and not s.resolved
          limit $2
          for update of s skip locked
        ),
        done as (
          update sessions s set person_id = v.person_id, visitor = ${visitorHashSql(journeyKeySql('v.person_id', 'v.anonymous_id', 'v.user_id'))},
                                kind_id = p.kind_id, resolved = true
          from pending p, lazo_session_persons v
          where s.site_id = $1 and s.session_id = p.session_id and v.site_id = $1 and v.session_id = p.session_id
          returning 1
        )
        select count(*)::int as n from done`,
        [siteId, chunk],
      );
      return rows[0]?.n ?? 0;
    });
    total += n;
    if (n < chunk) return total;
  }
}

/** What an identity change may have moved: sessions of these browsers, userIds and (root) persons. */
export interface IdentityChange {
  anonymousIds: Set<string>;
  userIds: Set<string>;
  personIds: Set<string>;
}

export const emptyIdentityChange = (): IdentityChange => ({ anonymousIds: new Set(), userIds: new Set(), personIds: new Set() });

/**
 * Marks the site's resolved sessions an identity change may have moved as unresolved. Runs inside the
 * identity transaction, under the site's identity lock.
 */
export async function markSessionsUnresolved(tx: Queryable, siteId: string, change: IdentityChange): Promise<void> {
  if (change.anonymousIds.size + change.userIds.size + change.personIds.size === 0) return;
  await tx.query(
    `update sessions set resolved = false
     where site_id = $1 and resolved
       and (anonymous_id = any($2::text[]) or user_id = any($3::text[]) or person_id = any($4::text[]))`,
    [siteId, [...change.anonymousIds], [...change.userIds], [...change.personIds]],
  );
}
