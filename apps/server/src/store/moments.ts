import type { Queryable } from './db.js';

/**
 * Conversion moments that a journey's touches carry (migrations 0006 and 0008): a lead (the person's first
 * identification) and a conversion of the kept type. A window's conversions of such a type and their
 * touches in the lookback are one range of an index, each conversion's touches together and in order,
 * instead of a probe per conversion; and at the reports' default lookback, Markov's input for them is kept
 * counted per day (`moment_tallies`, migration 0009), so that a window's is a sum of a few thousand rows.
 */

/**
 * The conversion type whose moments touches carry (migration 0008: conv_at, prev_conv_at, conv_value): the
 * reports' default, so that the funnel and attribution of purchases read them from their touches. Other
 * types are read by probing their journeys.
 */
export const KEPT_CONVERSION_TYPE = 'customer';

/** The reports' default lookback, in days: the one `moment_tallies` counts paths under. */
export const DEFAULT_LOOKBACK_DAYS = 90;

/**
 * A lookback as the statements' `$4::interval`: days of 24 hours, as the reports' UTC days are. In hours,
 * not days: subtracting an interval with days from a timestamptz is calendar arithmetic in the session's
 * time zone, which costs more than the rest of a lead's row (the leads' Markov input measured 63 → 41 ms
 * at 1 M sessions), and would stretch or shrink a lookback across a daylight-saving change.
 */
export const lookbackInterval = (days: number) => `${days * 24} hours`;

/**
 * The moment of each lead of site $1 (`at`): a lead is a root person, its moment the earliest creation among
 * it and the persons merged into it, which is the root's own (a merge keeps the earlier of the two,
 * store/identity.ts) — one filtered read of persons instead of grouping every person by its root.
 */
export const LEAD_MOMENTS_SQL = 'select created_at as at from persons where site_id = $1 and merged_into is null';

/** The UTC day of an instant, as `YYYY-MM-DD` (the windows of reports are whole UTC days). */
export const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/** A site and a window of instants: from (inclusive) to (exclusive). */
export interface MomentWindow {
  siteId: string;
  from: Date;
  to: Date;
}

/**
 * A conversion type whose moments its journeys' touches carry. Its SQL reads `touches t` with $4 the
 * lookback, and `touches` with $1 site, $2–$3 window.
 */
export interface Moment {
  /** The conversion type, as `moment_tallies.type` holds it. */
  type: string;
  /** The conversion's instant and value, as the touch carries them. */
  at: string;
  value: string;
  /** A touch is in the lookback of its journey's moment (whichever window that moment is in). */
  inLookback: string;
  /** The window's conversions' touches in their lookback. */
  touches: string;
  /** A touch is the first of its conversion's path. */
  first: string;
  /** A touch is the last of its conversion's path. */
  last: string;
  /** The window's conversions (`n`) and their value, with a touch in their lookback or not. */
  totals: (w: MomentWindow) => { sql: string; params: unknown[] };
  /**
   * A touch of the window is of a journey that may still convert: Markov's paths that led nowhere keep it
   * (`param` spells a value as a parameter of the statement).
   */
  keeps: (w: MomentWindow, param: (value: unknown) => string) => string;
  /** `keeps` in a window of all time: the journey never converts around the touch (touch_tallies). */
  keepsAlways: string;
  /** The prefix of its columns in touch_tallies (migration 0011). */
  tally: 'lead' | 'kept';
}

const moment = (m: Omit<Moment, 'touches'>): Moment => ({
  ...m,
  touches: `from touches t
      where t.site_id = $1 and ${m.at} >= $2 and ${m.at} < $3 and ${m.inLookback}`,
});

/**
 * Leads (migration 0006): a lead is a root person, and its moment the earliest creation among it and those
 * merged into it, which its journey's touches carry (touches_lead_idx, whose predicate the lookback
 * repeats). The previous touch is before the lookback for the first of a path; the next is after the lead
 * for the last.
 */
export const LEAD_MOMENT: Moment = moment({
  type: 'lead',
  at: 't.lead_at',
  value: '0',
  inLookback: 't.started_at <= t.lead_at and t.started_at >= t.lead_at - $4::interval',
  first: '(t.prev_started_at is null or t.prev_started_at < t.lead_at - $4::interval)',
  last: '(t.next_started_at is null or t.next_started_at > t.lead_at)',
  totals: (w) => ({
    sql: `select count(*)::int as n, 0::float8 as value from (${LEAD_MOMENTS_SQL}) l where at >= $2 and at < $3`,
    params: [w.siteId, w.from, w.to],
  }),
  // A journey that became a lead before the window's end converted in it, or cannot any more.
  keeps: (w, param) => `(t.lead_at is null or t.lead_at >= ${param(w.to)})`,
  keepsAlways: 't.lead_at is null',
  tally: 'lead',
});

/**
 * The kept conversion type (migration 0008): a touch's conversion is its journey's first at or after it
 * (touches_conversion_idx). A touch starts its path when the previous touch is before the lookback, or at
 * or before the journey's previous conversion; it ends it when the next touch is after the conversion. Two
 * conversions of one journey at one instant share one path: the first by conversionId has it (its value is
 * the one the touches carry), the other none, as when paths are probed.
 */
export const KEPT_MOMENT: Moment = moment({
  type: KEPT_CONVERSION_TYPE,
  at: 't.conv_at',
  value: 't.conv_value',
  inLookback: 't.started_at >= t.conv_at - $4::interval',
  first: '(t.prev_started_at is null or t.prev_started_at < t.conv_at - $4::interval or coalesce(t.prev_started_at <= t.prev_conv_at, false))',
  last: '(t.next_started_at is null or t.next_started_at > t.conv_at)',
  totals: (w) => ({
    sql: `select count(*)::int as n, coalesce(sum(value), 0)::float8 as value from conversions
          where site_id = $1 and type = $4 and occurred_at >= $2 and occurred_at < $3`,
    params: [w.siteId, w.from, w.to, KEPT_CONVERSION_TYPE],
  }),
  // The journey's conversions around the touch (which is in the window): none of them in the window.
  keeps: (w, param) => `not (coalesce(t.conv_at < ${param(w.to)}, false) or coalesce(t.prev_conv_at >= ${param(w.from)}, false))`,
  keepsAlways: '(t.conv_at is null and t.prev_conv_at is null)',
  tally: 'kept',
});

/** Every moment touches carry. */
export const MOMENTS = [LEAD_MOMENT, KEPT_MOMENT];

/** The moment a conversion type's touches carry, if they carry one. */
export const momentOf = (type: string): Moment | undefined => MOMENTS.find((m) => m.type === type);

/**
 * Per (previous kind, kind) of the touches of `touches t` (whose SQL follows `from`), for a moment's
 * conversions: how often a touch starts a path, follows another of it and ends it in the conversion, and
 * the value of the conversions whose paths start (`start_value`) and end (`value`) there; `byDay`, per UTC
 * day of the conversion too (`moment_day`). Markov's input, counted alike from an index range and into
 * `moment_tallies`, so that the two agree by construction.
 */
export function countedPathsSql(m: Moment, touches: string, byDay: boolean): string {
  return /* sql */ `
    select ${byDay ? `(${m.at} at time zone 'UTC')::date as moment_day, ` : ''}t.prev_kind_id, t.kind_id,
           count(*) filter (where ${m.first}) as starts, count(*) filter (where not ${m.first}) as follows,
           count(*) filter (where ${m.last}) as ends, coalesce(sum(${m.value}::numeric) filter (where ${m.first}), 0) as start_value,
           coalesce(sum(${m.value}::numeric) filter (where ${m.last}), 0) as value
    ${touches}
    group by ${byDay ? '1, 2, 3' : '1, 2'}`;
}

/**
 * Adds (`sign` 1) or takes away (-1) the moment paths of journeys' touches to or from `moment_tallies`: the
 * writers of touches call it with -1 before they delete a journey's touches and with 1 after they insert
 * them, in the same transaction, under the site's identity lock, so that the tallies stay the sum of the
 * touches. Counts are integers and values numeric: adding and taking away leaves no rounding behind.
 */
export async function tallyMomentPaths(tx: Queryable, siteId: string, visitors: readonly string[], sign: 1 | -1): Promise<void> {
  if (visitors.length === 0) return;
  const counted = MOMENTS.map(
    (m) => `select '${m.type}' as type, c.* from (${countedPathsSql(m, `from touches t where t.site_id = $1 and t.visitor = any($2::bigint[]) and ${m.inLookback}`, true)}) c`,
  ).join('\n    union all\n    ');
  await tx.query(
    /* sql */ `
    insert into moment_tallies as m (site_id, type, day, prev_kind_id, kind_id, starts, follows, ends, start_value, end_value)
    select $1, c.type, c.moment_day, coalesce(c.prev_kind_id, 0), c.kind_id, $3 * c.starts, $3 * c.follows, $3 * c.ends, $3 * c.start_value, $3 * c.value
    from (${counted}) c
    on conflict (site_id, type, day, prev_kind_id, kind_id) do update
      set starts = m.starts + excluded.starts, follows = m.follows + excluded.follows, ends = m.ends + excluded.ends,
          start_value = m.start_value + excluded.start_value, end_value = m.end_value + excluded.end_value`,
    [siteId, visitors, sign, lookbackInterval(DEFAULT_LOOKBACK_DAYS)],
  );
}

/** Whether a window is whole UTC days (as every window of the API is): what per-day tallies can sum. */
export const wholeUtcDays = (w: MomentWindow) => w.from.getTime() % 86_400_000 === 0 && w.to.getTime() % 86_400_000 === 0;

/** Whether a window's conversions can be summed from `moment_tallies`: whole UTC days, the default lookback. */
const tallied = (w: MomentWindow, lookbackDays: number) => lookbackDays === DEFAULT_LOOKBACK_DAYS && wholeUtcDays(w);
const talliedDays = (w: MomentWindow, m: Moment) => [w.siteId, m.type, utcDay(w.from), utcDay(w.to)];

/**
 * Markov's input for a moment's conversions of a window (`countedPathsSql` summed over the window): from
 * `moment_tallies` when the window is whole UTC days under the default lookback (a few thousand rows),
 * else counted from the window's index range.
 */
export function windowCountedPathsSql(w: MomentWindow, lookbackDays: number, m: Moment): { sql: string; params: unknown[]; fromTallies: boolean } {
  if (tallied(w, lookbackDays)) {
    return {
      fromTallies: true,
      sql: /* sql */ `
    select nullif(prev_kind_id, 0) as prev_kind_id, kind_id, sum(starts)::float8 as starts, sum(follows)::float8 as follows,
           sum(ends)::float8 as ends, sum(end_value)::float8 as value
    from moment_tallies
    where site_id = $1 and type = $2 and day >= $3::date and day < $4::date
    group by 1, 2`,
      params: talliedDays(w, m),
    };
  }
  return {
    fromTallies: false,
    sql: /* sql */ `
    select c.prev_kind_id, c.kind_id, c.starts::float8 as starts, c.follows::float8 as follows, c.ends::float8 as ends, c.value::float8 as value
    from (${countedPathsSql(m, m.touches, false)}) c`,
    params: [w.siteId, w.from, w.to, lookbackInterval(lookbackDays)],
  };
}

/**
 * The touches first touch (`first`) or last touch (`last`) credits with a moment's conversions of a window,
 * per kind: how many conversions (`n`) and their value. Summed from `moment_tallies` (a path's start or end
 * is one per conversion with a touch in its lookback); undefined where the window is not tallied.
 */
export function windowCreditedKindsSql(w: MomentWindow, lookbackDays: number, m: Moment, reads: 'first' | 'last'): { sql: string; params: unknown[] } | undefined {
  if (!tallied(w, lookbackDays)) return undefined;
  const [n, value] = reads === 'first' ? ['starts', 'start_value'] : ['ends', 'end_value'];
  return {
    sql: /* sql */ `
    select kind_id, sum(${n})::float8 as n, sum(${value})::float8 as value
    from moment_tallies
    where site_id = $1 and type = $2 and day >= $3::date and day < $4::date
    group by 1
    having sum(${n}) > 0`,
    params: talliedDays(w, m),
  };
}
