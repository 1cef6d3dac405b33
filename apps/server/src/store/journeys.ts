import { tallyJourneys, type Journey, type MarkovTallies, type Touch } from '@lazo/attribution';
import type { Queryable } from './db.js';
import { journeyKeySql, visitorHashSql } from './session-persons.js';

/**
 * Journeys from the store: for a site, a window and a conversion type, the paths of touches that led
 * to each conversion, and (for Markov) the paths that led nowhere.
 *
 * Whose a visit is comes from the identity resolution of migration 0002 (sessions through the cache of
 * migration 0004, conversions through `lazo_conversion_persons`): a person's touches are the sessions of
 * all its browsers (through identity links, merges rooted) plus its offline touches (sessions a backend's
 * track created, with a userId and no browser). A journey key is that person, else the browser (`a:`),
 * else the userId (`u:`), so anonymous visitors are journeys too; SQL joins them as 64-bit hashes.
 *
 * - conversion `lead`: the person's first identification (the earliest `created_at` among it and the
 *   persons merged into it); any other type: a row of `conversions` of that type, with its value.
 * - A conversion's touches: the journey's sessions in [conversion − lookback, conversion], after the
 *   journey's previous conversion of the same type (a repeat purchase does not re-credit old touches).
 * - A non-converting journey (Markov's null paths): a journey key with sessions in the window and no
 *   conversion in it; its touches are its sessions in the window. For `lead`, persons who were already
 *   leads before the window are not at risk of becoming one, and are left out.
 * - Bots (`sessions.is_bot`) are never touches.
 *
 * Touches (migration 0005: a journey's sessions that are not bots') are labelled with groups (their
 * `kind_id` mapped to the group the caller classified it into) and only paths or counts come back: for
 * each conversion, its path, read by probing its journey in touches_journey_idx; for Markov's paths that
 * led nowhere, transition tallies counted in SQL from each touch's previous and next touch, so that a
 * million touches come back as a few hundred rows.
 */

/** A distinct landing touch of the site's sessions. */
export interface TouchKind {
  source: string;
  medium: string;
  campaign: string;
}

/** A landing touch as the store numbers it (`touch_kinds`, migrations 0004 and 0005). */
export interface StoredTouchKind extends TouchKind {
  id: number;
  /** Its channel when the touches were last derived (what touches.prev_channel_day is relative to). */
  channel: string | null;
}

/** Every landing touch of a site's resolved sessions, numbered (a few hundred rows, whatever the number of sessions). */
export async function loadTouchKinds(db: Queryable, siteId: string): Promise<StoredTouchKind[]> {
  const { rows } = await db.query<{ id: number; source: string; medium: string; campaign: string; channel: string | null }>(
    'select kind_id as id, source, medium, campaign, channel from touch_kinds where site_id = $1 order by kind_id',
    [siteId],
  );
  return rows;
}

/**
 * The SQL array parameter that maps a session's `kind_id` to a group number: `($n::int[])[s.kind_id]`,
 * -1 for kinds left out (and null beyond the array: a kind numbered after the kinds were read).
 */
export function groupOfKind(kinds: ReadonlyArray<{ kind: StoredTouchKind; gid: number }>): number[] {
  const byId = new Array<number>(kinds.reduce((max, k) => Math.max(max, k.kind.id), 0)).fill(-1);
  for (const { kind, gid } of kinds) byId[kind.id - 1] = gid;
  return byId;
}

export interface JourneyQuery {
  siteId: string;
  /** Conversions counted: from this instant (inclusive)… */
  from: Date;
  /** …to this one (exclusive). */
  to: Date;
  /** `lead` or a conversion type of `/v1/conversions`. */
  conversion: string;
  /** Touches older than this before a conversion are not part of its journey. */
  lookbackDays: number;
  /**
   * The touch a kind stands for in the journeys (e.g. `{channel}` or `{channel, campaign}`): kinds
   * mapped to equal touches share one, so identical paths aggregate. Touches are compared by `touchKey`.
   */
  kinds: ReadonlyArray<{ kind: StoredTouchKind; touch: Touch }>;
  /** Give every touch its time (`time_decay`), one journey per conversion instead of one per path. Default false. */
  withTimes?: boolean;
}

const UNKNOWN_KIND: Touch = { channel: 'Unassigned' };
const touchKey = (t: Touch) => `${t.channel}\u001f${t.source ?? ''}\u001f${t.medium ?? ''}\u001f${t.campaign ?? ''}`;

/** A conversion of the window with its journey key (`p:` person, `a:` browser, `u:` userId). */
type WindowConversion = {
  jkey: string;
  at: Date;
  value: number;
  /** The journey's previous conversion of the same type, if any within the lookback. */
  prev_at: Date | null;
  /** The journey key's 64-bit hash, as sessions.visitor holds it (a decimal string). */
  visitor: string;
};

/**
 * The journeys of a window, as `attribute` takes them: one per path with counts (conversions, value,
 * nulls), or with `withTimes` one per conversion with each touch's time. Conversions whose journey has no
 * touch come back with an empty path (no model can credit them).
 */
export async function loadJourneys(db: Queryable, q: JourneyQuery): Promise<Journey[]> {
  return (await loadJourneySets(db, { ...q, conversions: [q.conversion] }))[0]!;
}

type JourneySetsQuery = Omit<JourneyQuery, 'conversion'> & { conversions: readonly string[] };

/** What both readers of journeys share: the touches of groups, each kind's group, the conversions of each type. */
async function prepareJourneys(db: Queryable, q: JourneySetsQuery) {
  const touches: Touch[] = [];
  const index = new Map<string, number>();
  const kindGids = q.kinds.map(({ kind, touch }) => {
    const key = touchKey(touch);
    let gid = index.get(key);
    if (gid === undefined) {
      gid = touches.length;
      index.set(key, gid);
      touches.push(touch);
    }
    return { kind, gid };
  });
  const lookback = `${q.lookbackDays} days`;
  const sets: WindowConversion[][] = [];
  for (const conversion of q.conversions) sets.push(await loadWindowConversions(db, { ...q, conversion }, lookback));
  // -1: a kind numbered after the kinds were read.
  const touchOf = (gid: number): Touch => touches[gid] ?? UNKNOWN_KIND;
  return { touchOf, touches, gids: groupOfKind(kindGids), lookback, sets };
}

type PreparedJourneys = Awaited<ReturnType<typeof prepareJourneys>>;

// Conversions travel as arrays: unnest of a bound array is estimated at its true length.
const convParams = (conv: WindowConversion[]) => [conv.map((c) => c.jkey), conv.map((c) => c.at), conv.map((c) => c.prev_at)];

/**
 * Markov's input for several conversion types (one per type, in the order asked): over every journey of
 * the window, converting or not, how often each touch starts a path, follows another and ends one. The
 * converting journeys are the other models' (their paths, counted here); the paths that led nowhere are
 * counted in SQL (markovNullTalliesSql) without building them.
 */
export async function loadMarkovTallies(db: Queryable, q: JourneySetsQuery): Promise<MarkovTallies[]> {
  const prepared = await prepareJourneys(db, q);
  const { touches, touchOf, gids, sets } = prepared;
  const converting = await convertingJourneys(db, q, prepared, false);
  // States are the groups' touches in group order, then the unknown kind's: a group number is a state.
  const states = [...touches, touchOf(-1)];
  const state = (gid: number) => (gid < 0 ? touches.length : gid);
  // Each type leaves out its own visitors; one pass counts for all types, grouped by which keep the touch.
  const skipped = await Promise.all(
    sets.map(async (conv, i) => [...conv.map((c) => c.visitor), ...(q.conversions[i] === 'lead' ? await settledLeadVisitors(db, q) : [])]),
  );
  const { rows } = await db.query<{ prev_kind_id: number | null; kind_id: number; kept_by: boolean[]; follows: number; starts: number; ends: number }>(
    markovNullTalliesSql(sets.length),
    [q.siteId, utcDay(q.from), utcDay(q.to), ...skipped],
  );
  // A kind numbered after the kinds were read is the unknown touch.
  const stateOfKind = (kindId: number) => state(gids[kindId - 1] ?? -1);
  return sets.map((_, i) => {
    const tallies = tallyJourneys(converting[i]!, states);
    const starts = tallies.starts as [number, number][];
    const transitions = tallies.transitions as [number, number, number][];
    const ends = tallies.ends as [number, number, number][];
    for (const r of rows) {
      if (!r.kept_by[i]) continue;
      const to = stateOfKind(r.kind_id);
      if (r.starts > 0) starts.push([to, Number(r.starts)]);
      if (r.follows > 0 && r.prev_kind_id !== null) transitions.push([stateOfKind(r.prev_kind_id), to, Number(r.follows)]);
      if (r.ends > 0) ends.push([to, 0, Number(r.ends)]);
    }
    return tallies;
  });
}

/** Visitor hashes of the persons who were leads before the window: they cannot become leads in it. */
async function settledLeadVisitors(db: Queryable, q: JourneySetsQuery): Promise<string[]> {
  const { rows } = await db.query<{ visitor: string }>(
    `select ${visitorHashSql(`'p:' || coalesce(merged_into, person_id)`)}::text as visitor from persons where site_id = $1 group by 1 having min(created_at) < $2`,
    [q.siteId, q.from],
  );
  return rows.map((r) => r.visitor);
}

/**
 * The journeys of several conversion types at once (the funnel's leads and customers), one list per type
 * in the order asked, from one read of the converting journeys' sessions.
 */
export async function loadJourneySets(db: Queryable, q: JourneySetsQuery): Promise<Journey[][]> {
  return convertingJourneys(db, q, await prepareJourneys(db, q), q.withTimes ?? false);
}

async function convertingJourneys(db: Queryable, q: JourneySetsQuery, prepared: PreparedJourneys, withTimes: boolean): Promise<Journey[][]> {
  const { touchOf, gids, lookback, sets } = prepared;
  // A path is `group group …`, or with times `group:ms group:ms …`.
  const toTouches = (path: string | null): Touch[] => {
    if (!path) return [];
    return path.split(' ').map((item) => {
      if (!withTimes) return touchOf(Number(item));
      // The group's touch with its time: an object over the shared one (250 k of them for 10 k
      // conversions), cheaper than copying it, and it keeps what the grouping stored on it.
      const colon = item.indexOf(':');
      const touch: Touch = Object.create(touchOf(Number(item.slice(0, colon))));
      touch.at = Number(item.slice(colon + 1));
      return touch;
    });
  };

  // One row per conversion comes back, its touches read from the index of journeys.
  const all = sets.flat();
  const { rows } = await db.query<{ conversion: number; path: string }>(convertingSql(withTimes), [
    q.siteId, lookback, gids, ...convParams(all),
  ]);
  const paths = new Map(rows.map((r) => [r.conversion, r]));
  let n = 0;
  return sets.map((conv) => {
    const journeys: Journey[] = [];
    const byPath = new Map<string, Journey>();
    for (const c of conv) {
      const row = paths.get(++n);
      if (withTimes) {
        journeys.push({ touches: toTouches(row?.path ?? null), conversions: 1, value: c.value, nulls: 0, at: c.at.getTime() });
        continue;
      }
      const key = row?.path ?? '';
      const same = byPath.get(key);
      if (same) {
        same.conversions += 1;
        same.value = (same.value ?? 0) + c.value;
      } else {
        const journey: Journey = { touches: toTouches(row?.path ?? null), conversions: 1, value: c.value, nulls: 0 };
        byPath.set(key, journey);
        journeys.push(journey);
      }
    }
    return journeys;
  });
}

async function loadWindowConversions(db: Queryable, q: JourneyQuery, lookback: string): Promise<WindowConversion[]> {
  const sql =
    q.conversion === 'lead'
      ? // A lead is a root person; its moment is the earliest creation among it and those merged into it.
        /* sql */ `
        select 'p:' || root as jkey, at, 0 as value, null::timestamptz as prev_at, ${visitorHashSql(`'p:' || root`)}::text as visitor from (
          select coalesce(merged_into, person_id) as root, min(created_at) as at from persons where site_id = $1 group by 1
        ) leads
        where at >= $2 and at < $3
        order by at, jkey`
      : /* sql */ `
        select jkey, at, value, prev_at, ${visitorHashSql('jkey')}::text as visitor from (
          select jkey, occurred_at as at, value, conversion_id,
                 lag(occurred_at) over (partition by jkey order by occurred_at, conversion_id) as prev_at
          from (
            select coalesce(${journeyKeySql('c.resolved_person_id', 'c.anonymous_id', 'c.user_id')}, '#' || c.conversion_id) as jkey,
                   c.occurred_at, c.value, c.conversion_id
            from lazo_conversion_persons c
            where c.site_id = $1 and c.type = $5 and c.occurred_at >= $2::timestamptz - $4::interval and c.occurred_at < $3
          ) c
        ) c
        where at >= $2
        order by at, conversion_id`;
  const params = q.conversion === 'lead' ? [q.siteId, q.from, q.to] : [q.siteId, q.from, q.to, lookback, q.conversion];
  const { rows } = await db.query<WindowConversion>(sql, params);
  return rows.map((r) => ({ ...r, value: Number(r.value) }));
}

/** The window's conversions ($firstParam…+2: journey keys, times, previous times) with their visitor hash and number n. */
const convCte = (first: number) => /* sql */ `
    conv as (
      select c.*, ${visitorHashSql('c.jkey')} as visitor
      from unnest($${first}::text[], $${first + 1}::timestamptz[], $${first + 2}::timestamptz[]) with ordinality as c(jkey, at, prev_at, n)
    )`;

/** A touch of `touches s` as its group gid (the group array at $param; -1: left out or unknown). */
const gidOf = (param: string) => `coalesce((${param}::int[])[s.kind_id], -1)`;

/**
 * One row per conversion (numbered from 1 in the order of $4–$6) that has touches: its path of groups, and
 * times. Each conversion's touches are probed in touches_journey_idx (migration 0005): an index-only read
 * of its journey in its lookback, after the journey's previous conversion of the same type (a repeat
 * purchase does not re-credit old touches), in the journey's order. $1 site, $2 lookback, $3 group of each kind.
 */
function convertingSql(withTimes: boolean): string {
  // With times, each touch is `group:ms` — one aggregate rather than two. (date_part is a float8; extract's
  // numeric costs more than the rest of the probe.)
  const touch = withTimes ? `${gidOf('$3')}::text || ':' || (date_part('epoch', s.started_at) * 1000)::bigint::text` : `${gidOf('$3')}::text`;
  // The journey's touches come in its order from a backward scan of the index, which the aggregate keeps:
  // an ORDER BY inside it would sort every conversion's few touches again.
  return /* sql */ `
    with ${convCte(4)}
    select c.n as conversion, p.path
    from conv c
    cross join lateral (
      select string_agg(j.touch, ' ') as path
      from (
        select ${touch} as touch
        from touches s
        where s.site_id = $1 and s.visitor = c.visitor
          and s.started_at <= c.at and s.started_at >= c.at - $2::interval and (c.prev_at is null or s.started_at > c.prev_at)
        order by s.started_at, s.kind_id
      ) j
    ) p
    where p.path is not null`;
}

/**
 * Markov's paths that led nowhere, counted for `types` conversion types at once ($1 site, $2–$3 the window's
 * UTC days, end exclusive, $4… per type the visitors it leaves out: those who converted in the window, and
 * for leads those who were leads before it): each other journey's touches of the window form one path. A
 * touch follows its journey's previous touch when that one is in the window too, else it starts the path;
 * it ends the path when the journey's next touch is after the window. Per (previous kind, kind, which
 * types keep it): how often each. Grouping on the keeps tests each visitor against each list once.
 */
const markovNullTalliesSql = (types: number) => {
  const each = (f: (i: number) => string) => Array.from({ length: types }, (_, i) => f(i)).join(', ');
  return /* sql */ `
  select t.prev_kind_id, t.kind_id, array[${each((i) => `kept${i}`)}]::boolean[] as kept_by,
         follows::float8, starts::float8, ends::float8
  from (
    select t.prev_kind_id, t.kind_id, ${each((i) => `not (t.visitor = any($${4 + i}::bigint[])) as kept${i}`)},
           count(*) filter (where t.prev_day >= $2::date) as follows,
           count(*) filter (where t.prev_day is null or t.prev_day < $2::date) as starts,
           count(*) filter (where t.next_day is null or t.next_day >= $3::date) as ends
    from touches t
    where t.site_id = $1 and t.day >= $2::date and t.day < $3::date
    group by 1, 2, ${each((i) => String(3 + i))}
  ) t`;
};

/** The UTC day of an instant, as `YYYY-MM-DD` (the windows of reports are whole UTC days). */
export const utcDay = (at: Date) => at.toISOString().slice(0, 10);
