import type { Queryable } from './db.js';
import { LEFT_SPAN, RIGHT_SPAN } from './migrations/0011-touch-tallies.js';
import { MOMENTS, tallyMomentPaths, utcDay, wholeUtcDays, type Moment, type MomentWindow } from './moments.js';

/**
 * What the reports count over every touch of a window, per day (migration 0011): the funnel's visitors per
 * group and Markov's paths that led nowhere. A window's counts are the days' tallies, corrected by the few
 * touches whose neighbours cross one of its edges (touches_left_idx, touches_right_idx).
 */

/** Per dimension, the column of touches with the day of the journey's previous touch in the same group. */
export const PREVIOUS_IN_GROUP = { channel: 'prev_channel_day', source: 'prev_source_day', medium: 'prev_medium_day', campaign: 'prev_campaign_day' } as const;
export type PartitionColumn = keyof typeof PREVIOUS_IN_GROUP;

/**
 * Whether a touch of `t` in a window starting on the day `$2` is its journey's first there (given the day of
 * the previous touch, in the journey or in a group): the previous one is before the window, or none.
 */
export const firstInWindowSql = (previousDay: string) => `(t.${previousDay} is null or t.${previousDay} < $2::date)`;

/** A touch of `t` of a window from the day $2 to the day $3 (exclusive) starts its path there, or ends it. */
const STARTS = firstInWindowSql('prev_day');
const ENDS = '(t.next_day is null or t.next_day >= $3::date)';
/** The same in a window of all time: the journey's first touch, its last. */
const STARTS_ALWAYS = 't.prev_day is null';
const ENDS_ALWAYS = 't.next_day is null';

/** A touch of `t` is its journey's first of a group (the column of PREVIOUS_IN_GROUP) in a window of all time. */
const firstAlwaysSql = (previousDay: string) => `t.${previousDay} is null`;

type Counted = [column: string, condition: string];

/**
 * A moment's three counts as touch_tallies names them: the touches of the journeys that `keeps` keeps that
 * start a path (`starts`), follow in one and end one (`ends`).
 */
const momentCounts = (m: Moment, keeps: string, starts: string, ends: string): Counted[] => [
  [`${m.tally}_starts`, `${keeps} and ${starts}`],
  [`${m.tally}_follows`, `${keeps} and not ${starts}`],
  [`${m.tally}_ends`, `${keeps} and ${ends}`],
];
const momentCountsAlways = (m: Moment) => momentCounts(m, m.keepsAlways, STARTS_ALWAYS, ENDS_ALWAYS);

/** touch_tallies' counts: each the touches of `t` that a condition holds for, in a window of all time. */
const TALLIED: readonly Counted[] = [
  ['touches', 'true'],
  ['starts', STARTS_ALWAYS],
  ...Object.entries(PREVIOUS_IN_GROUP).map(([dim, column]): Counted => [`${dim}_firsts`, firstAlwaysSql(column)]),
  ...MOMENTS.flatMap(momentCountsAlways),
];

/**
 * Adds (`sign` 1) or takes away (-1) journeys' touches to or from both tallies, `moment_tallies` and
 * `touch_tallies`: the writers of touches call it with -1 before they delete a journey's touches and with 1
 * after they insert them, in the same transaction, under the site's identity lock, so that the tallies stay
 * the sum of the touches.
 */
export async function tallyJourneyTouches(tx: Queryable, siteId: string, visitors: readonly string[], sign: 1 | -1): Promise<void> {
  if (visitors.length === 0) return;
  await tallyMomentPaths(tx, siteId, visitors, sign);
  const columns = TALLIED.map(([column]) => column);
  await tx.query(
    /* sql */ `
    insert into touch_tallies as x (site_id, day, prev_kind_id, kind_id, ${columns.join(', ')})
    select $1, t.day, coalesce(t.prev_kind_id, 0), t.kind_id, ${TALLIED.map(([, condition]) => `$3 * count(*) filter (where ${condition})`).join(', ')}
    from touches t
    where t.site_id = $1 and t.visitor = any($2::bigint[])
    group by t.day, t.prev_kind_id, t.kind_id
    on conflict (site_id, day, prev_kind_id, kind_id) do update
      set ${columns.map((c) => `${c} = x.${c} + excluded.${c}`).join(', ')}`,
    [siteId, visitors, sign],
  );
}

/**
 * The pass over a window's touches (whole UTC days), as the days' tallies and the touches that cross the
 * window's edges give it: per (previous kind, kind), the touches (`sessions`), those that start their path
 * in the window, with `countsBy` those first of their group, and per moment (`kept`, three numbers each)
 * the touches of the journeys its paths that led nowhere keep that start, follow in and end a path. A
 * touch whose previous days (touch, group touches, previous conversion) are in the window and whose next
 * ones (touch, lead, next conversion) are before its end adds what it adds to a window of all time; any
 * other is read (its span contains the window's first or its end day) and adds the difference.
 */
export function windowPassSql(w: MomentWindow, moments: readonly Moment[], countsBy?: PartitionColumn): { sql: string; params: unknown[] } {
  const params: unknown[] = [w.siteId, utcDay(w.from), utcDay(w.to)];
  const param = (value: unknown) => `$${params.push(value)}`;
  /** What a crossing touch adds beyond what the tallies count of it. */
  const difference = (now: string, always: string) => `((${now})::int - (${always})::int)::bigint`;
  // Per moment in order, three counts (k0, k1, …: a moment may come twice): the tallied column, and what a
  // crossing touch adds to it.
  const kept = moments
    .flatMap((m) => {
      const always = momentCountsAlways(m);
      return momentCounts(m, m.keeps(w, param), STARTS, ENDS).map(([column, now], j) => ({ column, added: difference(now, always[j]![1]) }));
    })
    .map((k, i) => ({ ...k, alias: `k${i}` }));
  const previousDay = countsBy && PREVIOUS_IN_GROUP[countsBy];
  const group = previousDay ? { tallied: `${countsBy}_firsts`, crossing: difference(firstInWindowSql(previousDay), firstAlwaysSql(previousDay)) } : undefined;
  const tallied = [...(group ? [`d.${group.tallied} as group_visitors`] : []), ...kept.map((k) => `d.${k.column} as ${k.alias}`)];
  const crossing = [...(group ? [group.crossing] : []), ...kept.map((k) => k.added)];
  const sql = /* sql */ `
  select c.prev_kind_id, c.kind_id, sum(c.sessions)::float8 as sessions, sum(c.starts)::float8 as starts,
         ${group ? 'sum(c.group_visitors)::float8 as group_visitors,' : ''}
         array[${kept.map((k) => `sum(c.${k.alias})`).join(', ')}]::float8[] as kept
  from (
    select nullif(d.prev_kind_id, 0) as prev_kind_id, d.kind_id, d.touches as sessions, ${['d.starts', ...tallied].join(', ')}
    from touch_tallies d
    where d.site_id = $1 and d.day >= $2::date and d.day < $3::date
    union all
    select t.prev_kind_id, t.kind_id, 0::bigint, ${[difference(STARTS, STARTS_ALWAYS), ...crossing].join(', ')}
    from touches t
    where t.site_id = $1 and t.day >= $2::date and t.day < $3::date and ((${LEFT_SPAN}) @> $2::date or (${RIGHT_SPAN}) @> $3::date)
  ) c
  group by 1, 2`;
  return { sql, params };
}

/**
 * Whether a window holds every touch of the site: none before its first day, none from its end on. Then
 * hardly a touch crosses its edges, and its pass is read from the days' tallies (windowPassSql) where the
 * window is whole UTC days. Where the edges cut journeys, about half of the window's touches cross them
 * (the last 30 days at 1 M sessions: ~120,000 of 263,000), and reading those one by one through the spans'
 * indexes (~290 ms) cost twice the pass over every touch of the window (~135 ms).
 */
export async function holdsEveryTouch(db: Queryable, w: MomentWindow): Promise<boolean> {
  const { rows } = await db.query<{ cut: boolean }>(
    `select exists (select 1 from touches where site_id = $1 and day < $2::date) or exists (select 1 from touches where site_id = $1 and day >= $3::date) as cut`,
    [w.siteId, utcDay(w.from), utcDay(w.to)],
  );
  return !rows[0]!.cut;
}

/** Whether a window's pass is read from the days' tallies: whole UTC days, holding every touch. */
export const readsTallies = async (db: Queryable, w: MomentWindow): Promise<boolean> => wholeUtcDays(w) && (await holdsEveryTouch(db, w));
