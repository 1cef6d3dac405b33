import type { TimeseriesPoint } from '@lazo/protocol/reports';
import { readSnapshot, type Db, type Queryable, type Snapshot } from './db.js';
import { groupOfKind, kindCountsOfPass, type KindCounts, type NullRow, type StoredTouchKind } from './journeys.js';
import { PREVIOUS_IN_GROUP, firstInWindowSql, readsTallies, windowPassSql, type PartitionColumn } from './touch-tallies.js';
import { LEAD_MOMENTS_SQL, utcDay } from './moments.js';
import { journeyKeySql, resolvePendingSessions, visitorHashSql } from './session-persons.js';

/**
 * The queries behind `/v1/reports/*`. Shaping (grouping, ratios, zero-filled series) lives in
 * `src/reports/`; here is only SQL. A visitor is a person when the browser was identified (the session's
 * person as migration 0004 caches it), else the browser (`anonymous_id`), else the userId of a backend
 * touch; bots never count.
 */

/**
 * Runs a report's queries in one read-only snapshot (kinds read first stay valid for the queries after
 * them; independent reads may run concurrently in it, Snapshot.all) with settings for large scans: no JIT
 * (compiling costs more than it saves on these plans), sorts and hashes in memory, and no merge joins — the
 * planner misjudges how many rows the identity views return and would sort a million sessions to merge them
 * with a few thousand conversions. The site's
 * sessions written or moved since the last report are resolved to their persons, and their journeys'
 * touches derived, first.
 */
export async function readReport<T>(db: Db, siteId: string, fn: (q: Snapshot) => Promise<T>): Promise<T> {
  await resolvePendingSessions(db, siteId);
  await refreshStatistics(db);
  const settings = [...(db.engine === 'postgres' ? ['set local jit = off'] : []), `set local work_mem = '64MB'`, 'set local enable_mergejoin = off'];
  return readSnapshot(db, settings, fn);
}

const ANALYZE_EVERY_MS = 10 * 60_000;
const analyzedAt = new WeakMap<Db, number>();

/**
 * PGlite has no autovacuum, so its tables are never analyzed on their own, and without statistics the
 * planner picks nested loops that take seconds over a few thousand sessions. Reports on PGlite refresh the
 * statistics of the tables they read at most every ten minutes (a few hundred ms); PostgreSQL's autovacuum
 * does this by itself.
 */
async function refreshStatistics(db: Db): Promise<void> {
  if (db.engine !== 'pglite') return;
  const last = analyzedAt.get(db);
  if (last !== undefined && Date.now() - last < ANALYZE_EVERY_MS) return;
  analyzedAt.set(db, Date.now());
  await db.exec('analyze sessions, touches, persons, identity_links, conversions, spend');
}

export interface Window {
  siteId: string;
  /** Inclusive. */
  start: Date;
  /** Exclusive. */
  end: Date;
}

/**
 * Sessions and distinct visitors per group (kinds with gid −1 are left out), and over all kept groups.
 *
 * `partitionedBy`: the caller's groups are exactly the touches' values of that column (one dimension, every
 * kind kept). Then a journey's first touch of a group in the window is one whose previous touch in the same
 * group is before the window (migration 0005), and one pass counts everything: from the days' tallies and
 * the touches that cross its edges where the window holds every touch (readsTallies, migration 0011), else
 * over the window's touches. Otherwise (groups of several dimensions, or filters) the window's (visitor,
 * group) pairs are hashed.
 */
export async function sessionCounts(
  db: Queryable,
  w: Window,
  kinds: ReadonlyArray<{ kind: StoredTouchKind; gid: number }>,
  partitionedBy?: PartitionColumn,
): Promise<SessionCounts> {
  const params = [w.siteId, utcDay(w.start), utcDay(w.end)];
  const window = { siteId: w.siteId, from: w.start, to: w.end };
  if (partitionedBy && (await readsTallies(db, window))) {
    const pass = windowPassSql(window, [], partitionedBy);
    return sessionCountsOfKinds(kindCountsOfPass((await db.query<NullRow>(pass.sql, pass.params)).rows), kinds);
  }
  if (partitionedBy) {
    const { rows } = await db.query<{ kind_id: number; sessions: number; visitors: number; group_visitors: number }>(
      /* sql */ `
      select t.kind_id, count(*)::int as sessions,
             count(*) filter (where ${firstInWindowSql('prev_day')})::int as visitors,
             count(*) filter (where ${firstInWindowSql(PREVIOUS_IN_GROUP[partitionedBy])})::int as group_visitors
      from touches t
      where t.site_id = $1 and t.day >= $2::date and t.day < $3::date
      group by t.kind_id`,
      params,
    );
    return sessionCountsOfKinds(
      rows.map((r) => ({ kindId: r.kind_id, sessions: r.sessions, visitors: r.visitors, groupVisitors: r.group_visitors })),
      kinds,
    );
  }
  const groups = new Map<number, { visitors: number; sessions: number }>();
  const total = { visitors: 0, sessions: 0 };
  const gids = groupOfKind(kinds);
  const { rows } = await db.query<{ gid: number | null; visitors: number; sessions: number }>(
    /* sql */ `
    with per_visitor as (
      select t.visitor, coalesce(($4::int[])[t.kind_id], -1) as gid, count(*) as sessions
      from touches t
      where t.site_id = $1 and t.day >= $2::date and t.day < $3::date
      group by 1, 2
    ),
    kept as materialized (
      select * from per_visitor where gid >= 0
    )
    select gid, count(*)::int as visitors, sum(sessions)::int as sessions from kept group by gid
    union all
    select null, (select count(distinct visitor) from kept)::int, coalesce((select sum(sessions) from kept), 0)::int`,
    [...params, gids],
  );
  for (const r of rows) {
    const counts = { visitors: Number(r.visitors), sessions: Number(r.sessions) };
    if (r.gid === null) Object.assign(total, counts);
    else groups.set(r.gid, counts);
  }
  return { groups, total };
}

/** Sessions and distinct visitors per group number, and over all kept groups. */
export interface SessionCounts {
  groups: Map<number, { visitors: number; sessions: number }>;
  total: { visitors: number; sessions: number };
}

/**
 * A partitioned count's groups from its kinds' counts (KindCounts: the groups are exactly the values of the
 * dimension counted, so a group's first touches are its kinds'); kinds with gid −1 are left out.
 */
export function sessionCountsOfKinds(counts: readonly KindCounts[], kinds: ReadonlyArray<{ kind: StoredTouchKind; gid: number }>): SessionCounts {
  const groups = new Map<number, { visitors: number; sessions: number }>();
  const total = { visitors: 0, sessions: 0 };
  const gids = groupOfKind(kinds);
  for (const c of counts) {
    const gid = gids[c.kindId - 1] ?? -1;
    if (gid < 0) continue;
    const group = groups.get(gid) ?? { visitors: 0, sessions: 0 };
    group.visitors += c.groupVisitors;
    group.sessions += c.sessions;
    groups.set(gid, group);
    total.visitors += c.visitors;
    total.sessions += c.sessions;
  }
  return { groups, total };
}

/** Ad spend of some days for a (source, medium, campaign) as uploaded. */
export type SpendRow = { source: string; medium: string; campaign: string; amount: number };

/** Ad spend of the window's days per (source, medium, campaign) as uploaded. */
export async function spendByKind(db: Queryable, w: Window): Promise<SpendRow[]> {
  const { rows } = await db.query<{ source: string; medium: string; campaign: string; amount: number }>(
    `select source, medium, campaign, sum(amount) as amount from spend
     where site_id = $1 and day >= $2::date and day < $3::date
     group by 1, 2, 3`,
    [w.siteId, utcDay(w.start), utcDay(w.end)],
  );
  return rows.map((r) => ({ ...r, amount: Number(r.amount) }));
}

export interface NpsCounts {
  promoters: number;
  passives: number;
  detractors: number;
}

/** NPS answers counted for a first touch (its touch_kinds number; null: the answerers had no touch). */
export type NpsRow = { kind_id: number | null } & NpsCounts;

/**
 * `NPS Submitted` answers (`properties.score` 0–10) of the window, counted by the first touch ever of the
 * person (or browser) who answered, as its touch_kinds number; answers of someone without any touch come
 * back with `kind_id` null.
 */
export async function npsByFirstTouch(db: Queryable, w: Window): Promise<NpsRow[]> {
  // Each answer's journey key is resolved once (the fence: the planner would otherwise resolve it again for
  // every place it is used); the first touch of each journey that answered is the head of its touches in
  // touches_journey_idx.
  const { rows } = await db.query<{ promoters: number; passives: number; detractors: number; kind_id: number | null }>(
    /* sql */ `
    with answers as materialized (
      select ${journeyKeySql('ep.person_id', 'ep.anonymous_id', 'ep.user_id')} as jkey,
             case when ep.properties->>'score' ~ '^\\s*\\d+(\\.\\d+)?\\s*$' then (ep.properties->>'score')::numeric end as score
      from lazo_event_persons ep
      where ep.site_id = $1 and ep.type = 'track' and ep.event = 'NPS Submitted' and ep.ts >= $2 and ep.ts < $3
    ),
    per_journey as (
      select jkey, count(*) filter (where score >= 9)::int as promoters, count(*) filter (where score >= 7 and score < 9)::int as passives,
             count(*) filter (where score < 7)::int as detractors
      from answers
      where score between 0 and 10 and jkey is not null
      group by jkey
    )
    select a.promoters, a.passives, a.detractors, (
      select s.kind_id from touches s
      where s.site_id = $1 and s.visitor = ${visitorHashSql('a.jkey')}
      order by s.started_at, s.kind_id limit 1
    ) as kind_id
    from per_journey a`,
    [w.siteId, w.start, w.end],
  );
  return rows;
}

/** A day's or week's figures, as the timeseries report answers them (before the empty buckets are filled). */
export type SeriesBucket = TimeseriesPoint;

/** Per day or ISO week (UTC): visitors, sessions, leads (first identifications), conversions of a type and their value, spend. */
export async function timeseries(db: Queryable, w: Window, interval: 'day' | 'week', conversion: string): Promise<SeriesBucket[]> {
  const bucketOfDay = (day: string) => (interval === 'day' ? day : `date_trunc('week', ${day})::date`);
  const bucketOf = (ts: string) => bucketOfDay(`(${ts} at time zone 'UTC')::date`);
  const { rows } = await db.query<{ bucket: string; metric: string; value: number }>(
    /* sql */ `
    with per_day as (
      -- A touch is its journey's first of the day when the journey's previous touch is on an earlier day, and
      -- its first of the week (in the window) when that one is before the week's Monday (1900-01-01 was
      -- one) or before the window: distinct visitors as filtered counts (migration 0005).
      select t.day, count(*) as sessions,
             count(*) filter (where t.prev_day is null or t.prev_day < t.day) as day_visitors,
             count(*) filter (where t.prev_day is null or t.prev_day < $5::date or t.day - t.prev_day > (t.day - date '1900-01-01') % 7) as week_visitors
      from touches t
      where t.site_id = $1 and t.day >= $5::date and t.day < $6::date
      group by t.day
    ),
    per_bucket as (
      select ${bucketOfDay('day')} as bucket, sum(sessions) as sessions,
             sum(${interval === 'day' ? 'day_visitors' : 'week_visitors'}) as visitors
      from per_day group by 1
    ),
    leads as (${LEAD_MOMENTS_SQL})
    select bucket::text, 'visitors' as metric, visitors::float8 as value from per_bucket
    union all select bucket::text, 'sessions', sessions::float8 from per_bucket
    union all select ${bucketOf('at')}::text, 'leads', count(*)::float8 from leads where at >= $2 and at < $3 group by 1
    union all select ${bucketOf('occurred_at')}::text, 'customers', count(*)::float8 from conversions
      where site_id = $1 and type = $4 and occurred_at >= $2 and occurred_at < $3 group by 1
    union all select ${bucketOf('occurred_at')}::text, 'revenue', sum(value)::float8 from conversions
      where site_id = $1 and type = $4 and occurred_at >= $2 and occurred_at < $3 group by 1
    union all select ${bucketOfDay('day')}::text, 'spend', sum(amount)::float8 from spend
      where site_id = $1 and day >= $5::date and day < $6::date group by 1`,
    [w.siteId, w.start, w.end, conversion, utcDay(w.start), utcDay(w.end)],
  );
  const buckets = new Map<string, SeriesBucket>();
  for (const r of rows) {
    let b = buckets.get(r.bucket);
    if (!b) buckets.set(r.bucket, (b = { date: r.bucket, visitors: 0, sessions: 0, leads: 0, customers: 0, revenue: 0, spend: 0 }));
    b[r.metric as Exclude<keyof SeriesBucket, 'date'>] = Number(r.value);
  }
  return [...buckets.values()];
}
