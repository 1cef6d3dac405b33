import type { Db, Queryable } from './db.js';
import { journeyScope, type TouchKind } from './journeys.js';

/**
 * The queries behind `/v1/reports/*`. Shaping (grouping, ratios, zero-filled series) lives in
 * `src/reports/`; here is only SQL. A visitor is a person when the browser was identified (through the
 * identity views of migration 0002), else the browser (`anonymous_id`), else the userId of a backend touch;
 * bots never count.
 */

/**
 * Runs a report's queries in one read-only snapshot (kinds read first stay valid for the queries after
 * them) with settings for large scans: no JIT (compiling costs more than it saves on these plans), sorts
 * and hashes in memory, and no merge joins — the planner misjudges how many rows the identity views
 * return and would sort a million sessions to merge them with a few thousand conversions.
 */
export async function readReport<T>(db: Db, fn: (q: Queryable) => Promise<T>): Promise<T> {
  await refreshStatistics(db);
  return db.transaction(async (tx) => {
    await tx.query('set transaction isolation level repeatable read, read only');
    if (db.engine === 'postgres') await tx.query('set local jit = off');
    await tx.query(`set local work_mem = '64MB'`);
    await tx.query('set local enable_mergejoin = off');
    return fn(tx);
  });
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
  await db.exec('analyze sessions, persons, identity_links, conversions, spend');
}

/**
 * A visitor as a 64-bit hash: the person, else the browser, else the userId, each hashed with its own seed
 * so that a person id and an anonymous id that happen to be equal stay apart. Grouping a million sessions on
 * a bigint is much cheaper than on a concatenated text; two visitors colliding among millions is ~1e-7.
 */
const VISITOR = `coalesce(hashtextextended(s.person_id, 1), hashtextextended(s.anonymous_id, 2), hashtextextended(s.user_id, 3))`;

export interface Window {
  siteId: string;
  /** Inclusive. */
  start: Date;
  /** Exclusive. */
  end: Date;
}

/** Sessions and distinct visitors per group (kinds with gid −1 are left out), and over all kept groups. */
export async function sessionCounts(
  db: Queryable,
  w: Window,
  kinds: ReadonlyArray<{ kind: TouchKind; gid: number }>,
): Promise<{ groups: Map<number, { visitors: number; sessions: number }>; total: { visitors: number; sessions: number } }> {
  const { rows } = await db.query<{ gid: number | null; visitors: number; sessions: number }>(
    /* sql */ `
    with kind as (
      select * from unnest($4::text[], $5::text[], $6::text[], $7::int[]) as k(source, medium, campaign, gid)
    ),
    per_visitor as (
      select coalesce(k.gid, -1) as gid, ${VISITOR} as visitor, count(*) as sessions
      from lazo_session_persons s
      left join kind k on k.source = s.source and k.medium = s.medium and k.campaign = s.campaign
      where s.site_id = $1 and s.started_at >= $2 and s.started_at < $3 and not s.is_bot
      group by 1, 2
    )
    select gid, count(*)::int as visitors, sum(sessions)::int as sessions from per_visitor where gid >= 0 group by gid
    union all
    select null, (select count(*) from (select visitor from per_visitor where gid >= 0 group by visitor) v)::int,
           coalesce((select sum(sessions) from per_visitor where gid >= 0), 0)::int`,
    [w.siteId, w.start, w.end, kinds.map((k) => k.kind.source), kinds.map((k) => k.kind.medium), kinds.map((k) => k.kind.campaign), kinds.map((k) => k.gid)],
  );
  const groups = new Map<number, { visitors: number; sessions: number }>();
  let total = { visitors: 0, sessions: 0 };
  for (const r of rows) {
    const counts = { visitors: Number(r.visitors), sessions: Number(r.sessions) };
    if (r.gid === null) total = counts;
    else groups.set(r.gid, counts);
  }
  return { groups, total };
}

/** Ad spend of the window's days per (source, medium, campaign) as uploaded. */
export async function spendByKind(db: Queryable, w: Window): Promise<Array<{ source: string; medium: string; campaign: string; amount: number }>> {
  const { rows } = await db.query<{ source: string; medium: string; campaign: string; amount: number }>(
    `select source, medium, campaign, sum(amount) as amount from spend
     where site_id = $1 and day >= ($2::timestamptz at time zone 'UTC')::date and day < ($3::timestamptz at time zone 'UTC')::date
     group by 1, 2, 3`,
    [w.siteId, w.start, w.end],
  );
  return rows.map((r) => ({ ...r, amount: Number(r.amount) }));
}

export interface NpsCounts {
  promoters: number;
  passives: number;
  detractors: number;
}

/**
 * `NPS Submitted` answers (`properties.score` 0–10) of the window, counted by the first touch ever of the
 * person (or browser) who answered; answers of someone without any touch come back with `kind` null.
 */
export async function npsByFirstTouch(db: Queryable, w: Window): Promise<Array<{ kind: TouchKind | null } & NpsCounts>> {
  const { rows: answers } = await db.query<{ jkey: string; promoters: number; passives: number; detractors: number }>(
    /* sql */ `
    select jkey, count(*) filter (where score >= 9)::int as promoters, count(*) filter (where score >= 7 and score < 9)::int as passives,
           count(*) filter (where score < 7)::int as detractors
    from (
      select coalesce('p:' || ep.person_id, 'a:' || ep.anonymous_id, 'u:' || ep.user_id) as jkey,
             case when e.properties->>'score' ~ '^\\s*\\d+(\\.\\d+)?\\s*$' then (e.properties->>'score')::numeric end as score
      from lazo_event_persons ep
      join events e on e.site_id = ep.site_id and e.message_id = ep.message_id
      where ep.site_id = $1 and ep.type = 'track' and ep.event = 'NPS Submitted' and ep.ts >= $2 and ep.ts < $3
    ) a
    where score between 0 and 10 and jkey is not null
    group by jkey`,
    [w.siteId, w.start, w.end],
  );
  if (answers.length === 0) return [];
  const jkeys = answers.map((a) => a.jkey);
  const scope = await journeyScope(db, w.siteId, jkeys);
  const { rows: firsts } = await db.query<{ jkey: string; source: string; medium: string; campaign: string }>(
    /* sql */ `
    select distinct on (jkey) jkey, source, medium, campaign from (
      select coalesce('p:' || s.person_id, 'a:' || s.anonymous_id, 'u:' || s.user_id) as jkey, s.started_at, s.source, s.medium, s.campaign
      from lazo_session_persons s
      where s.site_id = $1 and not s.is_bot and (s.anonymous_id = any($2::text[]) or s.user_id = any($3::text[]))
    ) s
    where jkey = any($4::text[])
    order by jkey, started_at`,
    [w.siteId, scope.anonymousIds, scope.userIds, jkeys],
  );
  const first = new Map(firsts.map((f) => [f.jkey, { source: f.source, medium: f.medium, campaign: f.campaign }]));
  return answers.map((a) => ({ kind: first.get(a.jkey) ?? null, promoters: a.promoters, passives: a.passives, detractors: a.detractors }));
}

export interface SeriesBucket {
  /** `YYYY-MM-DD`: the day, or the Monday of the ISO week. */
  date: string;
  visitors: number;
  sessions: number;
  leads: number;
  customers: number;
  revenue: number;
  spend: number;
}

/** Per day or ISO week (UTC): visitors, sessions, leads (first identifications), conversions of a type and their value, spend. */
export async function timeseries(db: Queryable, w: Window, interval: 'day' | 'week', conversion: string): Promise<SeriesBucket[]> {
  const bucketOf = (ts: string) => (interval === 'day' ? `(${ts} at time zone 'UTC')::date` : `date_trunc('week', ${ts} at time zone 'UTC')::date`);
  const { rows } = await db.query<{ bucket: string; metric: string; value: number }>(
    /* sql */ `
    with per_visitor as (
      select ${bucketOf('s.started_at')} as bucket, ${VISITOR} as visitor, count(*) as sessions
      from lazo_session_persons s
      where s.site_id = $1 and s.started_at >= $2 and s.started_at < $3 and not s.is_bot
      group by 1, 2
    ),
    leads as (
      select min(created_at) as at from persons where site_id = $1 group by coalesce(merged_into, person_id)
    )
    select bucket::text, 'visitors' as metric, count(*)::float8 as value from per_visitor group by bucket
    union all select bucket::text, 'sessions', sum(sessions)::float8 from per_visitor group by bucket
    union all select ${bucketOf('at')}::text, 'leads', count(*)::float8 from leads where at >= $2 and at < $3 group by 1
    union all select ${bucketOf('occurred_at')}::text, 'customers', count(*)::float8 from conversions
      where site_id = $1 and type = $4 and occurred_at >= $2 and occurred_at < $3 group by 1
    union all select ${bucketOf('occurred_at')}::text, 'revenue', sum(value)::float8 from conversions
      where site_id = $1 and type = $4 and occurred_at >= $2 and occurred_at < $3 group by 1
    union all select ${interval === 'day' ? 'day' : `date_trunc('week', day)::date`}::text, 'spend', sum(amount)::float8 from spend
      where site_id = $1 and day >= ($2::timestamptz at time zone 'UTC')::date and day < ($3::timestamptz at time zone 'UTC')::date group by 1`,
    [w.siteId, w.start, w.end, conversion],
  );
  const buckets = new Map<string, SeriesBucket>();
  for (const r of rows) {
    let b = buckets.get(r.bucket);
    if (!b) buckets.set(r.bucket, (b = { date: r.bucket, visitors: 0, sessions: 0, leads: 0, customers: 0, revenue: 0, spend: 0 }));
    b[r.metric as Exclude<keyof SeriesBucket, 'date'>] = Number(r.value);
  }
  return [...buckets.values()];
}
