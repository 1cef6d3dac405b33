import type { Journey, Touch } from '@lazo/attribution';
import type { Queryable } from './db.js';

/**
 * Journeys from the store: for a site, a window and a conversion type, the paths of touches that led
 * to each conversion, and (for Markov) the paths that led nowhere.
 *
 * Whose a visit is comes from migration 0002's views (`lazo_session_persons`, `lazo_conversion_persons`):
 * a person's touches are the sessions of all its browsers (through identity links, merges rooted) plus
 * its offline touches (sessions a backend's track created, with a userId and no browser). A journey key
 * is that person, else the browser (`a:`), else the userId (`u:`), so anonymous visitors are journeys too.
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
 * Sessions are labelled with kinds (a distinct source/medium/campaign, classified once by the caller) and
 * only paths come back: for the models that credit converting journeys only, one row per conversion, from
 * a scan that keeps just those journeys' browsers and userIds; for Markov, every path of the window
 * aggregated in SQL with its conversion and null counts, so that a million sessions come back as a few
 * thousand rows.
 */

/** A distinct landing touch of the site's sessions. */
export interface TouchKind {
  source: string;
  medium: string;
  campaign: string;
}

/**
 * Every distinct (source, medium, campaign) of a site's sessions. A loose index scan over
 * `sessions_touch_kind_idx` (migration 0003): one index probe per kind, whatever the number of sessions.
 */
export async function loadTouchKinds(db: Queryable, siteId: string): Promise<TouchKind[]> {
  const { rows } = await db.query<{ source: string; medium: string; campaign: string }>(
    /* sql */ `
    with recursive kinds as (
      (select source, medium, campaign from sessions where site_id = $1 order by source, medium, campaign limit 1)
      union all
      select next.source, next.medium, next.campaign
      from kinds k cross join lateral (
        select s.source, s.medium, s.campaign from sessions s
        where s.site_id = $1 and (s.source, s.medium, s.campaign) > (k.source, k.medium, k.campaign)
        order by s.source, s.medium, s.campaign limit 1
      ) next
    )
    select source, medium, campaign from kinds`,
    [siteId],
  );
  return rows;
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
  kinds: ReadonlyArray<{ kind: TouchKind; touch: Touch }>;
  /** Also load the paths that did not convert (Markov needs them). Default false. */
  nonConverting?: boolean;
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
};

/**
 * The journeys of a window, as `attribute` takes them: one per path with counts (conversions, value,
 * nulls), or with `withTimes` one per conversion with each touch's time. Conversions whose journey has no
 * touch come back with an empty path (no model can credit them).
 */
export async function loadJourneys(db: Queryable, q: JourneyQuery): Promise<Journey[]> {
  return (await loadJourneySets(db, { ...q, conversions: [q.conversion] }))[0]!;
}

/**
 * The journeys of several conversion types at once (the funnel's leads and customers), one list per type
 * in the order asked. Without null paths, all types share one pass over the sessions.
 */
export async function loadJourneySets(db: Queryable, q: Omit<JourneyQuery, 'conversion'> & { conversions: readonly string[] }): Promise<Journey[][]> {
  const touches: Touch[] = [];
  const index = new Map<string, number>();
  const kindGid = q.kinds.map(({ touch }) => {
    const key = touchKey(touch);
    let gid = index.get(key);
    if (gid === undefined) {
      gid = touches.length;
      index.set(key, gid);
      touches.push(touch);
    }
    return gid;
  });
  const toTouches = (path: string | null, times: string | null): Touch[] => {
    if (!path) return [];
    const at = times?.split(' ');
    return path.split(' ').map((g, i) => {
      // -1: a kind that appeared after the kinds were read (outside a repeatable-read snapshot).
      const touch = touches[Number(g)] ?? UNKNOWN_KIND;
      return at ? { ...touch, at: Number(at[i]) } : touch;
    });
  };
  const lookback = `${q.lookbackDays} days`;
  const sets: WindowConversion[][] = [];
  for (const conversion of q.conversions) sets.push(await loadWindowConversions(db, { ...q, conversion }, lookback));
  const kindParams = [q.kinds.map((k) => k.kind.source), q.kinds.map((k) => k.kind.medium), q.kinds.map((k) => k.kind.campaign), kindGid];
  // Conversions travel back as arrays: unnest of a bound array is estimated at its true length, so the
  // planner hashes them rather than sorting the sessions to merge-join (it misjudges the views' output).
  const convParams = (conv: WindowConversion[]) => [conv.map((c) => c.jkey), conv.map((c) => c.at), conv.map((c) => c.prev_at)];

  if (q.nonConverting) {
    // Markov: every journey of the window, paths aggregated in SQL; one pass per type.
    return Promise.all(
      sets.map(async (conv, i) => {
        const { rows } = await db.query<{ path: string | null; conversions: number; value: number; nulls: number }>(nullPathSql(q.conversions[i] === 'lead'), [
          q.siteId, q.from, q.to, lookback, ...kindParams, ...convParams(conv), conv.map((c) => c.value),
        ]);
        const journeys: Journey[] = rows.map((r) => ({ touches: toTouches(r.path, null), conversions: Number(r.conversions), value: Number(r.value), nulls: Number(r.nulls) }));
        const inPaths = journeys.reduce((n, j) => n + j.conversions, 0);
        if (inPaths < conv.length) {
          const value = conv.reduce((v, c) => v + c.value, 0) - journeys.reduce((v, j) => v + (j.value ?? 0), 0);
          journeys.push({ touches: [], conversions: conv.length - inPaths, value, nulls: 0 });
        }
        return journeys;
      }),
    );
  }

  // Only the converting journeys' browsers and userIds matter: the scan keeps just their sessions (a
  // hashed = ANY per row) before resolving identities; one row per conversion comes back.
  const all = sets.flat();
  const scope = await journeyScope(db, q.siteId, all.map((c) => c.jkey));
  const { rows } = await db.query<{ conversion: number; path: string; times: string | null }>(convertingSql(q.withTimes ?? false), [
    q.siteId, q.from, q.to, lookback, ...kindParams, ...convParams(all), scope.anonymousIds, scope.userIds,
  ]);
  const paths = new Map(rows.map((r) => [r.conversion, r]));
  let n = 0;
  return sets.map((conv) => {
    const journeys: Journey[] = [];
    const byPath = new Map<string, Journey>();
    for (const c of conv) {
      const row = paths.get(++n);
      if (q.withTimes) {
        journeys.push({ touches: toTouches(row?.path ?? null, row?.times ?? null), conversions: 1, value: c.value, nulls: 0, at: c.at.getTime() });
        continue;
      }
      const key = row?.path ?? '';
      const same = byPath.get(key);
      if (same) {
        same.conversions += 1;
        same.value = (same.value ?? 0) + c.value;
      } else {
        const journey: Journey = { touches: toTouches(row?.path ?? null, null), conversions: 1, value: c.value, nulls: 0 };
        byPath.set(key, journey);
        journeys.push(journey);
      }
    }
    return journeys;
  });
}

/** The browsers and userIds whose sessions may belong to journeys (keys `p:person`, `a:browser`, `u:userId`). */
export async function journeyScope(db: Queryable, siteId: string, jkeys: readonly string[]): Promise<{ anonymousIds: string[]; userIds: string[] }> {
  const keys = [...new Set(jkeys)];
  const of = (prefix: string) => keys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(2));
  const { rows } = await db.query<{ anonymous_ids: string[]; user_ids: string[] }>(
    /* sql */ `
    with member as (
      select person_id, user_id from persons where site_id = $1 and coalesce(merged_into, person_id) = any($2::text[])
    )
    select array(select distinct l.anonymous_id from identity_links l join member m on m.person_id = l.person_id where l.site_id = $1) as anonymous_ids,
           array(select user_id from member where user_id is not null) as user_ids`,
    [siteId, of('p:')],
  );
  return { anonymousIds: [...rows[0]!.anonymous_ids, ...of('a:')], userIds: [...rows[0]!.user_ids, ...of('u:')] };
}

async function loadWindowConversions(db: Queryable, q: JourneyQuery, lookback: string): Promise<WindowConversion[]> {
  const sql =
    q.conversion === 'lead'
      ? // A lead is a root person; its moment is the earliest creation among it and those merged into it.
        /* sql */ `
        select 'p:' || root as jkey, at, 0 as value, null::timestamptz as prev_at from (
          select coalesce(merged_into, person_id) as root, min(created_at) as at from persons where site_id = $1 group by 1
        ) leads
        where at >= $2 and at < $3
        order by at, jkey`
      : /* sql */ `
        select jkey, at, value, prev_at from (
          select jkey, occurred_at as at, value, conversion_id,
                 lag(occurred_at) over (partition by jkey order by occurred_at, conversion_id) as prev_at
          from (
            select coalesce('p:' || c.resolved_person_id, 'a:' || c.anonymous_id, 'u:' || c.user_id, '#' || c.conversion_id) as jkey,
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

/** Sessions of a window as journey touches: key, time, kind ($1 site, $2–$3 window, $4 lookback, $5–$8 kinds). */
function touchCte(scoped: boolean): string {
  // Every kind is in the kind list (the caller loads them all), so the left join only labels sessions; an
  // inner join would make the planner expect it to filter, and fetch sessions kind by kind through an index.
  return /* sql */ `
    kind as (
      select * from unnest($5::text[], $6::text[], $7::text[], $8::int[]) as k(source, medium, campaign, gid)
    ),
    touch as (
      select coalesce('p:' || s.person_id, 'a:' || s.anonymous_id, 'u:' || s.user_id) as jkey, s.started_at as at, coalesce(k.gid, -1) as gid
      from lazo_session_persons s
      left join kind k on k.source = s.source and k.medium = s.medium and k.campaign = s.campaign
      where s.site_id = $1 and s.started_at >= $2::timestamptz - $4::interval and s.started_at < $3 and not s.is_bot
        ${scoped ? 'and (s.anonymous_id = any($12::text[]) or s.user_id = any($13::text[]))' : ''}
    ),
    conv as (
      select * from unnest($9::text[], $10::timestamptz[], $11::timestamptz[]) with ordinality as c(jkey, at, prev_at, n)
    )`;
}

// A touch belongs to the conversion whose lookback holds it: at most one per type, since a journey's
// conversions of a type split its time into disjoint spans.
const IN_LOOKBACK = `c.jkey = t.jkey and t.at <= c.at and t.at >= c.at - $4::interval and (c.prev_at is null or t.at > c.prev_at)`;

/** One row per conversion (numbered from 1 in the order of $9–$11) that has touches: its path of kinds, and times. */
function convertingSql(withTimes: boolean): string {
  const times = withTimes ? `string_agg((extract(epoch from t.at) * 1000)::bigint::text, ' ' order by t.at, t.gid)` : 'null';
  return /* sql */ `
    with ${touchCte(true)}
    select c.n as conversion, string_agg(t.gid::text, ' ' order by t.at, t.gid) as path, ${times} as times
    from touch t join conv c on ${IN_LOOKBACK}
    group by c.n`;
}

/**
 * Every path of the window with how often it converted and how often it did not ($12: the conversions'
 * values). A touch that no conversion holds makes a null path when its journey did not convert in the window.
 * Journeys are grouped on a 64-bit hash of their key: sorting a million narrow rows, not text.
 */
function nullPathSql(lead: boolean): string {
  // Persons who were leads before the window cannot become leads in it: no null path for them.
  const settled = lead
    ? `select 'p:' || coalesce(merged_into, person_id) as jkey from persons where site_id = $1 group by 1 having min(created_at) < $2`
    : `select null::text as jkey where false`;
  return /* sql */ `
    with ${touchCte(false)},
    settled as (${settled}),
    journey_touch as (
      select coalesce(hashtextextended('#' || c.n, 0), hashtextextended(t.jkey, 0)) as jid, c.n as conversion, t.at, t.gid
      from touch t
      left join conv c on ${IN_LOOKBACK}
      where c.n is not null
         or (t.at >= $2 and not exists (select 1 from conv c2 where c2.jkey = t.jkey) and not exists (select 1 from settled s where s.jkey = t.jkey))
    ),
    paths as (
      select string_agg(gid::text, ' ' order by at, gid) as path, max(conversion) as conversion
      from journey_touch group by jid
    )
    select path, count(conversion) as conversions, coalesce(sum(($12::numeric[])[conversion]), 0) as value, count(*) - count(conversion) as nulls
    from paths group by path`;
}
