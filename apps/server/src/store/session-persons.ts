import { siteChannelClassifier } from '@lazo/attribution';
import type { Db, Queryable } from './db.js';
import { KEPT_CONVERSION_TYPE } from './moments.js';
import { tallyJourneyTouches } from './touch-tallies.js';
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
 * The sessions of `sessions s` that are touches (migration 0005's rows): resolved at least once (a session
 * written while a report starts is left for the next one) and not a bot's. It is the predicate of
 * sessions_journey_idx (migration 0004), so deriving a journey's touches reads that index.
 */
export const JOURNEY_TOUCH = 's.visitor is not null and not s.is_bot';

/** The journey key of a row of lazo_conversion_persons `c`: one that names nobody is a journey of its own. */
export const conversionJourneyKeySql = (c: string) => `coalesce(${journeyKeySql(`${c}.resolved_person_id`, `${c}.anonymous_id`, `${c}.user_id`)}, '#' || ${c}.conversion_id)`;
const conversionVisitorSql = (c: string) => visitorHashSql(conversionJourneyKeySql(c));

/**
 * Queues the journeys rows of `done` (visitor, left_visitor: the journey a row joined and the one it left)
 * for their touches to be derived again.
 */
const queueJourneysSql = (done: string) => /* sql */ `
          insert into touch_rebuilds (site_id, visitor)
          select distinct $1, x.visitor from ${done}, lateral (values (${done}.visitor), (${done}.left_visitor)) x(visitor)
          where x.visitor is not null
          on conflict do nothing`;

/** Sessions resolved per transaction: a bulk import resolves in steps that each commit (and let identifies in). */
const RESOLVE_CHUNK = 20_000;
/** Journeys whose touches are derived per transaction (about ten touches each). */
const DERIVE_CHUNK = 20_000;

/**
 * Resolves the site's pending sessions (new ones, and those identity changes or late messages marked) into
 * the cache, and its pending conversions into theirs (migration 0008), then derives the touches of every
 * journey they left or joined (migration 0005); how many
 * sessions it resolved. Called before a report reads: the work is what was written or moved since the last
 * call. New landing touches are numbered and classified first (under the lock, so numbers never clash).
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
    await classifyTouchKinds(tx, siteId);
  });
  // The journeys a session leaves and joins are queued for their touches to be derived again.
  const total = await resolveInSteps(
    db,
    siteId,
    chunk,
    /* sql */ `
    with pending as (
      select s.session_id, s.visitor as left_visitor, k.kind_id from sessions s
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
      returning s.visitor, p.left_visitor
    ),
    queued as (${queueJourneysSql('done')})
    select count(*)::int as n from done`,
  );
  // Conversions likewise (migration 0008): a conversion's journey's touches carry its moment.
  await resolveInSteps(
    db,
    siteId,
    chunk,
    /* sql */ `
    with pending as (
      select c.conversion_id, c.visitor as left_visitor from conversions c
      where c.site_id = $1 and not c.resolved
      limit $2
      for update of c skip locked
    ),
    done as (
      update conversions c set visitor = ${conversionVisitorSql('v')}, resolved = true
      from pending p, lazo_conversion_persons v
      where c.site_id = $1 and c.conversion_id = p.conversion_id and v.site_id = $1 and v.conversion_id = p.conversion_id
      returning c.visitor, p.left_visitor
    ),
    queued as (${queueJourneysSql('done')})
    select count(*)::int as n from done`,
  );
  await deriveQueuedTouches(db, siteId);
  return total;
}

/**
 * Runs a resolving statement (`$1` the site, `$2` the rows a step takes; it answers how many it resolved as
 * `n`) in steps that each commit under the site's identity lock, until a step finds less than a full one;
 * how many rows it resolved.
 */
async function resolveInSteps(db: Db, siteId: string, chunk: number, sql: string): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await db.transaction(async (tx) => {
      await lockSiteIdentity(tx, [siteId]);
      const { rows } = await tx.query<{ n: number }>(sql, [siteId, chunk]);
      return rows[0]?.n ?? 0;
    });
    total += n;
    if (n < chunk) return total;
  }
}

type TouchKindValues = { source: string; medium: string; campaign: string };

/**
 * Classifies the site's touch kinds under its current channel rules into touch_kinds.channel. A kind whose
 * channel changed (the rules did) queues the journeys that have touches of it: their previous touch in the
 * same channel is another one now.
 */
async function classifyTouchKinds(tx: Queryable, siteId: string): Promise<void> {
  const [{ rows: kinds }, { rows: sites }] = await Promise.all([
    tx.query<TouchKindValues & { kind_id: number; channel: string | null }>('select kind_id, source, medium, campaign, channel from touch_kinds where site_id = $1', [siteId]),
    tx.query<{ rules: unknown }>(`select settings->'channelRules' as rules from sites where site_id = $1`, [siteId]),
  ]);
  const classify = siteChannelClassifier(sites[0]?.rules);
  const changed = kinds.map((k) => ({ id: k.kind_id, was: k.channel, channel: classify(k) })).filter((k) => k.channel !== k.was);
  if (changed.length === 0) return;
  await tx.query(
    `update touch_kinds k set channel = c.channel from unnest($2::int[], $3::text[]) as c(kind_id, channel) where k.site_id = $1 and k.kind_id = c.kind_id`,
    [siteId, changed.map((k) => k.id), changed.map((k) => k.channel)],
  );
  const reclassified = changed.filter((k) => k.was !== null).map((k) => k.id);
  if (reclassified.length === 0) return;
  await tx.query(
    `insert into touch_rebuilds (site_id, visitor) select distinct $1, visitor from touches where site_id = $1 and kind_id = any($2::int[]) on conflict do nothing`,
    [siteId, reclassified],
  );
}

/**
 * Derives the touches of the queued journeys from their sessions, in steps that each commit, and keeps
 * moment_tallies and touch_tallies the sum of the touches (taken away before and added after). A journey's
 * touches are ordered by (started_at, kind_id): sessions that start at the same instant with different
 * landing touches are taken in kind order, everywhere.
 */
async function deriveQueuedTouches(db: Db, siteId: string): Promise<void> {
  for (;;) {
    const n = await db.transaction(async (tx) => {
      await lockSiteIdentity(tx, [siteId]);
      const { rows } = await tx.query<{ visitor: string }>(
        `delete from touch_rebuilds where site_id = $1 and visitor in (select visitor from touch_rebuilds where site_id = $1 limit $2) returning visitor::text`,
        [siteId, DERIVE_CHUNK],
      );
      if (rows.length === 0) return 0;
      const visitors = rows.map((r) => r.visitor);
      await tallyJourneyTouches(tx, siteId, visitors, -1);
      await tx.query('delete from touches where site_id = $1 and visitor = any($2::bigint[])', [siteId, visitors]);
      await tx.query(
        /* sql */ `
        with journey_sessions as (
          select s.visitor, s.started_at, s.kind_id, s.person_id, (s.started_at at time zone 'UTC')::date as day
          from sessions s
          where s.site_id = $1 and s.visitor = any($2::bigint[]) and ${JOURNEY_TOUCH}
        ),
        -- A person journey's lead moment is its root's creation: a merge keeps the earlier of the two
        -- (store/identity.ts), so it is the earliest among the root and the persons merged into it. One
        -- primary-key lookup, whatever the planner knows of freshly imported sessions.
        ordered as (
          select t.visitor, t.started_at, t.kind_id, t.day, p.created_at as lead_at, k.channel, k.source, k.medium, k.campaign
          from journey_sessions t
          join touch_kinds k on k.site_id = $1 and k.kind_id = t.kind_id
          left join persons p on p.site_id = $1 and p.person_id = t.person_id
        )
        insert into touches (site_id, visitor, started_at, kind_id, day, prev_day, next_day, prev_kind_id,
                             prev_channel_day, prev_source_day, prev_medium_day, prev_campaign_day,
                             lead_at, prev_started_at, next_started_at, conv_at, conv_value, prev_conv_at)
        select $1, t.visitor, t.started_at, t.kind_id, t.day, lag(t.day) over journey, lead(t.day) over journey, lag(t.kind_id) over journey,
               lag(t.day) over (partition by t.visitor, t.channel order by t.started_at, t.kind_id),
               lag(t.day) over (partition by t.visitor, t.source order by t.started_at, t.kind_id),
               lag(t.day) over (partition by t.visitor, t.medium order by t.started_at, t.kind_id),
               lag(t.day) over (partition by t.visitor, t.campaign order by t.started_at, t.kind_id),
               t.lead_at, lag(t.started_at) over journey, lead(t.started_at) over journey,
               next_conversion.at, next_conversion.value, previous_conversion.at
        from ordered t
        -- The journey's conversions of the kept type around the touch (conversions_journey_idx): most journeys
        -- have none, and a probe that finds nothing is cheaper than ordering every touch with the conversions.
        left join lateral (
          select c.occurred_at as at, c.value::float8 as value from conversions c
          where c.site_id = $1 and c.visitor = t.visitor and c.type = $3 and c.occurred_at >= t.started_at
          order by c.occurred_at, c.conversion_id limit 1
        ) next_conversion on true
        left join lateral (
          select max(c.occurred_at) as at from conversions c
          where c.site_id = $1 and c.visitor = t.visitor and c.type = $3 and c.occurred_at < t.started_at
        ) previous_conversion on true
        window journey as (partition by t.visitor order by t.started_at, t.kind_id)`,
        [siteId, visitors, KEPT_CONVERSION_TYPE],
      );
      await tallyJourneyTouches(tx, siteId, visitors, 1);
      return rows.length;
    });
    if (n < DERIVE_CHUNK) return;
  }
}

/**
 * Erased journeys: their touches and what moment_tallies and touch_tallies count of them go at once
 * (erasure leaves nothing behind), and the journeys are queued, as sessions of them that were not erased (another person's, on a
 * shared device) are derived again.
 */
export async function forgetTouches(tx: Queryable, siteId: string, visitors: readonly string[]): Promise<void> {
  if (visitors.length === 0) return;
  await tallyJourneyTouches(tx, siteId, visitors, -1);
  await tx.query('delete from touches where site_id = $1 and visitor = any($2::bigint[])', [siteId, visitors]);
  await tx.query('insert into touch_rebuilds (site_id, visitor) select distinct $1, v from unnest($2::bigint[]) v on conflict do nothing', [siteId, visitors]);
}

/**
 * What an identity change may have moved: sessions of these browsers, userIds and (root) persons; and the
 * (root) persons whose lead moment may have moved though none of their visits did (a merge's survivor).
 */
export interface IdentityChange {
  anonymousIds: Set<string>;
  userIds: Set<string>;
  personIds: Set<string>;
  leadMoved: Set<string>;
}

export const emptyIdentityChange = (): IdentityChange => ({ anonymousIds: new Set(), userIds: new Set(), personIds: new Set(), leadMoved: new Set() });

/**
 * Marks the site's resolved sessions an identity change may have moved as unresolved, and queues the
 * journeys whose lead moment may have moved. Runs inside the identity transaction, under the site's
 * identity lock.
 */
export async function markSessionsUnresolved(tx: Queryable, siteId: string, change: IdentityChange): Promise<void> {
  if (change.leadMoved.size > 0) {
    await tx.query(
      `insert into touch_rebuilds (site_id, visitor) select distinct $1, ${visitorHashSql(`'p:' || p`)} from unnest($2::text[]) p on conflict do nothing`,
      [siteId, [...change.leadMoved]],
    );
  }
  if (change.anonymousIds.size + change.userIds.size + change.personIds.size + change.leadMoved.size === 0) return;
  const ids = [[...change.anonymousIds], [...change.userIds], [...change.personIds]];
  if (change.anonymousIds.size + change.userIds.size + change.personIds.size > 0) {
    await tx.query(
      `update sessions set resolved = false
       where site_id = $1 and resolved
         and (anonymous_id = any($2::text[]) or user_id = any($3::text[]) or person_id = any($4::text[]))`,
      [siteId, ...ids],
    );
  }
  // A conversion may reach its person through its own person, a userId or a browser: those that a merge
  // moves are told by the journey they are cached in (a root's), the others by the browsers and userIds.
  // The journeys as an array rather than a subquery, so that the three are index scans (an `in` made the
  // whole a scan of the site's conversions: 14.9 against 0.06–2.7 ms at 10,000 conversions).
  await tx.query(
    `update conversions set resolved = false
     where site_id = $1 and resolved
       and (anonymous_id = any($2::text[]) or user_id = any($3::text[])
            or visitor = any(array(select ${visitorHashSql(`'p:' || p`)} from unnest($4::text[]) p)))`,
    [siteId, ids[0], ids[1], [...change.personIds, ...change.leadMoved]],
  );
}
