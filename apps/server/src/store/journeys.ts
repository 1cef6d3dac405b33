import { tallyJourneys, type CreditedTouches, type Journey, type MarkovTallies, type Touch } from '@lazo/attribution';
import { concurrently, type Queryable } from './db.js';
import { lookbackInterval, momentOf, utcDay, wholeUtcDays, windowCountedPathsSql, windowCreditedKindsSql, type Moment } from './moments.js';
import { PREVIOUS_IN_GROUP, firstInWindowSql, holdsEveryTouch, windowPassSql, type PartitionColumn } from './touch-tallies.js';
import { conversionJourneyKeySql, visitorHashSql } from './session-persons.js';

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
 * each conversion, its path, read by probing its journey in touches_journey_idx (for leads, whose moment
 * the touches carry, migration 0006: one range of touches_lead_idx; for Markov, the kept conversion type's
 * too, migration 0008: one range of touches_conversion_idx; under the default lookback, their Markov input
 * and the touches first and last touch credit are summed per day from moment_tallies, migration 0009); for
 * Markov's paths that led nowhere, transition tallies counted in SQL from each touch's previous and next
 * touch, so that a million touches come back as a few hundred rows.
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
  /** Give every touch its time (`time_decay`, as `Journey.times`), one journey per conversion instead of one per path. Default false. */
  withTimes?: boolean;
}

const UNKNOWN_KIND: Touch = { channel: 'Unassigned' };
const touchKey = (t: Touch) => `${t.channel}\u001f${t.source ?? ''}\u001f${t.medium ?? ''}\u001f${t.campaign ?? ''}`;

/**
 * The journeys of a window, as `attribute` takes them: one per path with counts (conversions, value,
 * nulls), or with `withTimes` one per conversion with its touches' times. Conversions whose journey has no
 * touch come back with an empty path (no model can credit them).
 */
export async function loadJourneys(db: Queryable, q: JourneyQuery): Promise<Journey[]> {
  return (await loadJourneySets(db, { ...q, conversions: [q.conversion] }))[0]!;
}

type JourneySetsQuery = Omit<JourneyQuery, 'conversion'> & {
  conversions: readonly string[];
  /**
   * Which touches of each conversion's path to read (`creditedTouches` of the model): a rule that credits
   * one touch needs one index probe per conversion, not the whole path. Default `all`.
   */
  reads?: CreditedTouches;
};

/** The groups' touches, in group order, and each kind's group: kinds mapped to equal touches share one. */
function groupKinds(q: JourneySetsQuery) {
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
  // -1: a kind numbered after the kinds were read.
  const touchOf = (gid: number): Touch => touches[gid] ?? UNKNOWN_KIND;
  // last_non_direct's direct kinds (as `attribute` tells them by default: channel Direct).
  const direct = new Array<boolean>(q.kinds.reduce((max, k) => Math.max(max, k.kind.id), 0)).fill(false);
  for (const { kind, touch } of q.kinds) direct[kind.id - 1] = touch.channel === 'Direct';
  return { touchOf, touches, gids: groupOfKind(kindGids), direct };
}

/**
 * Markov's input for several conversion types (one per type, in the order asked): over every journey of
 * the window, converting or not, how often each touch starts a path, follows another and ends one. The
 * converting journeys are the other models' (their paths, counted here; leads' and the kept type's counted
 * in SQL from their touches, countConvertingPaths); the paths that led nowhere are counted in SQL
 * (markovNullTalliesSql) without building them.
 */
export async function loadMarkovTallies(db: Queryable, q: JourneySetsQuery): Promise<MarkovTallies[]> {
  return (await markovTallies(db, q)).tallies;
}

/**
 * Per landing touch (touches.kind_id) of the window: its sessions, how many of them are their visitor's first
 * touch in the window (`visitors`), and how many their visitor's first touch in the window of the group of a
 * dimension (`groupVisitors`: the previous touch with the same value is before the window, migration 0005).
 */
export interface KindCounts {
  kindId: number;
  sessions: number;
  visitors: number;
  groupVisitors: number;
}

/**
 * Markov's input as loadMarkovTallies reads it, with the window's sessions and visitors per kind counted by
 * the same pass over the touches (`countsBy`: the dimension whose first touches are counted). The funnel
 * under Markov needs both, and each is a pass over every touch of the window.
 */
export async function loadMarkovTalliesWithCounts(
  db: Queryable,
  q: JourneySetsQuery,
  countsBy: PartitionColumn,
): Promise<{ tallies: MarkovTallies[]; counts: KindCounts[] }> {
  const { tallies, rows } = await markovTallies(db, q, countsBy);
  return { tallies, counts: kindCountsOfPass(rows) };
}

/** The window's counts per kind from the rows of a pass with counts (every touch of the window is in one row). */
export function kindCountsOfPass(rows: readonly NullRow[]): KindCounts[] {
  const byKind = new Map<number, KindCounts>();
  for (const r of rows) {
    let c = byKind.get(r.kind_id);
    if (!c) byKind.set(r.kind_id, (c = { kindId: r.kind_id, sessions: 0, visitors: 0, groupVisitors: 0 }));
    c.sessions += Number(r.sessions);
    // A touch that starts its path in the window is its visitor's first there.
    c.visitors += Number(r.starts);
    c.groupVisitors += Number(r.group_visitors);
  }
  return [...byKind.values()];
}

/**
 * Markov's input, and the rows of the pass over the paths that led nowhere it was counted from. The
 * converting paths, the leads' counts and that pass are independent reads: they run concurrently where the
 * snapshot can (the pass learns who converted from a list of its own rather than from the paths).
 */
async function markovTallies(db: Queryable, q: JourneySetsQuery, countsBy?: PartitionColumn) {
  const grouped = groupKinds(q);
  const { touches, touchOf, gids } = grouped;
  // States are the groups' touches in group order, then the unknown kind's: a group number is a state.
  const states = [...touches, touchOf(-1)];
  const state = (gid: number) => (gid < 0 ? touches.length : gid);
  // A kind numbered after the kinds were read is the unknown touch.
  const stateOfKind = (kindId: number) => state(gids[kindId - 1] ?? -1);
  // Leads' and the kept type's paths are counted in SQL from the moments their touches carry; any other
  // type's are read by probing each conversion's journey.
  const probed = q.conversions.filter((type) => !momentOf(type));
  let rows: NullRow[] = [];
  let converting: Journey[][] = [];
  const counted = new Map<string, CountedConversions>();
  // Only the reads the types need: each branch costs a connection's transaction.
  await concurrently(db, [
    async (a: Queryable) => void (rows = await markovNullRows(a, q, countsBy)),
    ...(probed.length > 0
      ? [
          async (b: Queryable) => {
            converting = (await convertingJourneys(b, { ...q, conversions: probed, reads: 'all' }, grouped, {})).map((set) => set.journeys);
          },
        ]
      : []),
    ...[...new Set(q.conversions)].flatMap((type) => {
      const moment = momentOf(type);
      return moment ? [async (c: Queryable) => void counted.set(type, await countConvertingPaths(c, q, moment))] : [];
    }),
  ]);
  const tallies = q.conversions.map((type, i) => {
    const count = counted.get(type);
    const tallies = tallyJourneys(count ? [] : converting[probed.indexOf(type)]!, states);
    if (count) {
      // Each conversion with a touch in its lookback ends its path once.
      const ended = addCountedPaths(tallies, count.rows, stateOfKind, 'conversions');
      tallies.conversions = ended;
      tallies.value = count.creditedValue;
      tallies.uncredited = { conversions: count.count - ended, value: count.value - count.creditedValue };
    }
    const kept = rows.map((r) => ({
      prev_kind_id: r.prev_kind_id,
      kind_id: r.kind_id,
      starts: r.kept[3 * i]!,
      follows: r.kept[3 * i + 1]!,
      ends: r.kept[3 * i + 2]!,
    }));
    addCountedPaths(tallies, kept, stateOfKind, 'nulls');
    return tallies;
  });
  return { tallies, rows };
}

/**
 * A row of the pass (markovNullRows), per (previous kind, kind): the window's touches (`sessions`; over each
 * touch with one type and no counts, those it keeps), those that start their path in it, with `countsBy`
 * those first of their group, and per type of the query (three numbers each, `kept`) the touches its paths
 * that led nowhere keep that start, follow and end a path.
 */
export type NullRow = { prev_kind_id: number | null; kind_id: number; sessions: number; starts: number; group_visitors?: number; kept: number[] };

/**
 * The pass over every touch of the window (NullRow): from the days' tallies and the touches that cross the
 * window's edges (windowPassSql, migration 0011) where every type's touches carry its moments and the
 * window is whole UTC days holding every touch (holdsEveryTouch), else over each touch
 * (markovNullTalliesSql); `via` picks one (tests: `tallies` counts any window of whole UTC days).
 */
export async function markovNullRows(db: Queryable, q: JourneySetsQuery, countsBy?: PartitionColumn, via?: 'tallies' | 'touches'): Promise<NullRow[]> {
  const moments = q.conversions.map(momentOf);
  const whole = await holdsEveryTouch(db, q);
  const tallied = via ? via === 'tallies' : wholeUtcDays(q) && whole;
  if (tallied && moments.every((m) => m !== undefined)) {
    const pass = windowPassSql(q, moments as Moment[], countsBy);
    return (await db.query<NullRow>(pass.sql, pass.params)).rows;
  }
  // Each type leaves out its own visitors; one pass counts for all types, grouped by which keep the touch.
  const nulls = markovNullTalliesSql(q, await convertedVisitors(db, q), countsBy);
  const read = () => db.query<NullRow>(nulls.sql, nulls.params);
  // Over every touch of the site, grouped as touches_pass_idx (migration 0010) hands the touches over, by
  // (previous kind, kind), rather than hashing each of a million rows, which costs more than reading it. A
  // window that cuts journeys is read through touches_day_idx and hashed: sorting its rows cost more (the
  // last 30 days at 1 M sessions: ~430 ms sorted, ~210 ms hashed).
  const presorted = nulls.presorted && whole && (await mostlyAllVisible(db, 'touches'));
  return (await (presorted ? withPlannerSetting(db, 'enable_hashagg', 'off', read) : read())).rows;
}

/**
 * Per type of q.conversions, the journeys (as touches.visitor holds them, in text) that converted in the
 * window: the journeys a type's paths that led nowhere leave out (none for the types whose touches tell it:
 * `lead` by lead_at, the kept type by its conversion moments).
 */
async function convertedVisitors(db: Queryable, q: JourneySetsQuery): Promise<string[][]> {
  const params: unknown[] = [q.siteId, q.from, q.to, lookbackInterval(q.lookbackDays)];
  const branches = q.conversions.flatMap((type, i) =>
    momentOf(type) ? [] : [`select ${i} as type, ${visitorHashSql('c.jkey')}::text as visitor from (${conversionsSql(params.push(type))}) c`],
  );
  const visitors = q.conversions.map(() => [] as string[]);
  if (branches.length === 0) return visitors;
  const { rows } = await db.query<{ type: number; visitor: string }>(branches.join('\n  union all\n  '), params);
  for (const r of rows) visitors[r.type]!.push(r.visitor);
  return visitors;
}

/** Paths counted in SQL: per (previous kind, kind), how often a touch starts a path, follows another and ends one. */
type CountedPaths = { prev_kind_id: number | null; kind_id: number; starts: number; follows: number; ends: number };

/** Adds counted paths to tallies, their ends as conversions or as nulls; how many paths ended. */
function addCountedPaths(tallies: MarkovTallies, rows: readonly CountedPaths[], stateOfKind: (kindId: number) => number, endsAs: 'conversions' | 'nulls'): number {
  const starts = tallies.starts as [number, number][];
  const transitions = tallies.transitions as [number, number, number][];
  const ends = tallies.ends as [number, number, number][];
  let ended = 0;
  for (const r of rows) {
    const to = stateOfKind(r.kind_id);
    if (r.starts > 0) starts.push([to, Number(r.starts)]);
    if (r.follows > 0 && r.prev_kind_id !== null) transitions.push([stateOfKind(r.prev_kind_id), to, Number(r.follows)]);
    if (r.ends > 0) {
      ends.push(endsAs === 'conversions' ? [to, Number(r.ends), 0] : [to, 0, Number(r.ends)]);
      ended += Number(r.ends);
    }
  }
  return ended;
}

/**
 * The journeys of several conversion types at once (the funnel's leads and customers), one list per type
 * in the order asked.
 */
export async function loadJourneySets(db: Queryable, q: JourneySetsQuery): Promise<Journey[][]> {
  return (await convertingJourneys(db, q, groupKinds(q), { withTimes: q.withTimes ?? false })).map((set) => set.journeys);
}

/**
 * Each type's conversions of the window with their paths: the leads' and the kept type's from their
 * touches (momentPathsSql), the other types' in one statement that lists them and probes their journeys
 * without a round trip of their keys (convertingSql); all concurrently where the snapshot can.
 */
async function convertingJourneys(
  db: Queryable,
  q: JourneySetsQuery,
  grouped: ReturnType<typeof groupKinds>,
  o: { withTimes?: boolean },
): Promise<Array<{ journeys: Journey[] }>> {
  const { touchOf, gids, direct } = grouped;
  const withTimes = o.withTimes ?? false;
  const sets = q.conversions.map(() => ({ journeys: [] as Journey[], byPath: new Map<string, Journey>() }));
  /** Counts `conversions` conversions of a path (null: no touch) into a set. */
  const add = (set: (typeof sets)[number], path: string | null, value: number, at: number, conversions = 1) => {
    if (withTimes) {
      // Touches shared by group, each journey's times beside them.
      const numbers = path ? pathNumbers(path) : [];
      const touches: Touch[] = [];
      const times: number[] = [];
      for (let i = 0; i < numbers.length; i += 2) {
        touches.push(touchOf(numbers[i]!));
        times.push(numbers[i + 1]!);
      }
      set.journeys.push({ touches, times, conversions, value, nulls: 0, at });
      return;
    }
    const key = path ?? '';
    const same = set.byPath.get(key);
    if (same) {
      same.conversions += conversions;
      same.value = (same.value ?? 0) + value;
    } else {
      const journey: Journey = { touches: path ? pathNumbers(path).map(touchOf) : [], conversions, value, nulls: 0 };
      set.byPath.set(key, journey);
      set.journeys.push(journey);
    }
  };
  const pathOptions = { gids, direct, withTimes };
  const others = q.conversions.flatMap((type, i) => (momentOf(type) ? [] : [i]));
  /** A conversion's path, or (`n`) the path of n conversions and their value. */
  type Path = { at: number; value: number; path: string | null; n?: number };
  type Reads = { others?: Array<Path & { type: number }>; moment?: { type: string; rows: Path[]; count: number; value: number } };
  const reads: Array<(q: Queryable) => Promise<Reads>> = [];
  if (others.length > 0) {
    const statement = convertingSql(q, others, pathOptions);
    reads.push(async (x) => ({ others: (await x.query<NonNullable<Reads['others']>[number]>(statement.sql, statement.params)).rows }));
  }
  const reading = q.reads ?? 'all';
  for (const type of new Set(q.conversions)) {
    const moment = momentOf(type);
    if (!moment) continue;
    // The touch first or last touch credits, per kind with its conversions, where the window is tallied.
    const credited = (reading === 'first' || reading === 'last') && !withTimes ? windowCreditedKindsSql(q, q.lookbackDays, moment, reading) : undefined;
    const paths = credited ? undefined : momentPathsSql(q, pathOptions, moment);
    reads.push(async (x) => {
      const rows: Path[] = credited
        ? (await x.query<{ kind_id: number; n: number; value: number }>(credited.sql, credited.params)).rows.map((r) => ({
            at: 0,
            value: r.value,
            path: String(gids[r.kind_id - 1] ?? -1),
            n: Number(r.n),
          }))
        : (await x.query<Path>(paths!.sql, paths!.params)).rows;
      return { moment: { type, rows, ...(await momentTotals(x, q, moment)) } };
    });
  }
  for (const read of await concurrently(db, reads)) {
    for (const r of read.others ?? []) add(sets[r.type]!, r.path, Number(r.value), Number(r.at));
    if (!read.moment) continue;
    const { type, rows, count, value } = read.moment;
    q.conversions.forEach((t, i) => {
      if (t !== type) return;
      const set = sets[i]!;
      let credited = 0;
      let withTouch = 0;
      for (const r of rows) {
        add(set, r.path, Number(r.value), Number(r.at), r.n);
        credited += Number(r.value);
        withTouch += r.n ?? 1;
      }
      // The window's conversions without a touch in their lookback.
      if (count > withTouch) add(set, null, value - credited, 0, count - withTouch);
    });
  }
  return sets.map(({ journeys }) => ({ journeys }));
}

/**
 * The numbers of a path as the statement spells it: `group group …`, or with times `group:ms group:ms …`.
 * Read digit by digit: splitting 250 k touches into strings and parsing each costs more than the query.
 */
export function pathNumbers(path: string): number[] {
  const numbers: number[] = [];
  let n = 0;
  let sign = 1;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c >= 48 && c <= 57) n = n * 10 + (c - 48);
    else if (c === 45) sign = -1;
    else {
      numbers.push(sign * n);
      n = 0;
      sign = 1;
    }
  }
  numbers.push(sign * n);
  return numbers;
}

/**
 * A conversion type's conversions of the window (`$2`–`$3`) as rows (jkey, at, value, prev_at, tiebreak),
 * to be ordered by (at, tiebreak): a row of conversions of that type (its name at `$typeParam`), with the
 * journey's previous conversion of that type within the lookback (`$4`).
 */
function conversionsSql(typeParam: number): string {
  return /* sql */ `
      select jkey, at, value::float8 as value, prev_at, conversion_id as tiebreak from (
        select jkey, occurred_at as at, value, conversion_id,
               lag(occurred_at) over (partition by jkey order by occurred_at, conversion_id) as prev_at
        from (
          select ${conversionJourneyKeySql('c')} as jkey,
                 c.occurred_at, c.value, c.conversion_id
          from lazo_conversion_persons c
          where c.site_id = $1 and c.type = $${typeParam} and c.occurred_at >= $2::timestamptz - $4::interval and c.occurred_at < $3
        ) c
      ) c
      where at >= $2`;
}

/** A touch of `alias` as the statements spell it (see pathNumbers): its group number, with times `group:ms`. */
function touchSql(alias: string, withTimes: boolean): string {
  // -1: left out or unknown. One aggregate rather than two for times; date_part is a float8 (extract's
  // numeric costs more than the rest of a probe).
  const gid = `coalesce(($5::int[])[${alias}.kind_id], -1)::text`;
  return withTimes ? `${gid} || ':' || (date_part('epoch', ${alias}.started_at) * 1000)::bigint::text` : gid;
}

/** Whether a touch of `alias` is not of a direct kind (last_non_direct's kinds, the boolean array at `param`). */
const notDirectSql = (param: string, alias: string) => `not coalesce((${param}::boolean[])[${alias}.kind_id], false)`;

interface PathOptions {
  gids: number[];
  direct: boolean[];
  withTimes: boolean;
}

/** The window's conversions of a moment's type (their count and value, with a touch or not). */
async function momentTotals(db: Queryable, q: JourneySetsQuery, m: Moment): Promise<{ count: number; value: number }> {
  const totals = m.totals(q);
  const { rows } = await db.query<{ n: number; value: number }>(totals.sql, totals.params);
  return { count: rows[0]!.n, value: Number(rows[0]!.value) };
}

/**
 * A moment's conversions' paths: one row per conversion with a touch in its lookback — its path, or the
 * touch the rule credits (a filter for first and last touch) — from one index range, in a statement that may
 * run in parallel. $5 group of each kind, then last_non_direct's direct kinds.
 */
function momentPathsSql(q: JourneySetsQuery, o: PathOptions, m: Moment): { sql: string; params: unknown[] } {
  const params: unknown[] = [q.siteId, q.from, q.to, lookbackInterval(q.lookbackDays), o.gids];
  const touch = touchSql('t', o.withTimes);
  const at = o.withTimes ? `date_part('epoch', ${m.at}) * 1000` : '0';
  const latestFirst = 'order by t.started_at desc, t.kind_id desc';
  const reads = q.reads ?? 'all';
  let sql: string;
  if (reads === 'first' || reads === 'last') {
    sql = `select ${at} as at, ${m.value} as value, ${touch} as path ${m.touches} and ${reads === 'first' ? m.first : m.last}`;
  } else if (reads === 'last_non_direct') {
    const notDirect = notDirectSql(`$${params.push(o.direct)}`, 't');
    sql = `select ${at} as at, min(${m.value}) as value,
             coalesce((array_agg(${touch} ${latestFirst}) filter (where ${notDirect}))[1], (array_agg(${touch} ${latestFirst}))[1]) as path
      ${m.touches} group by ${m.at}, t.visitor`;
  } else {
    // The aggregate keeps the order its input comes in, which is the moment's index's (touches_lead_idx,
    // touches_conversion_idx): an ORDER BY inside it sorted each path again (purchases' whole paths with
    // times at 1 M sessions: ~250–300 against ~200 ms). Only the columns the statement reads keep the read
    // index-only.
    const columns = [...new Set([m.at, m.value, 't.visitor', 't.started_at', 't.kind_id'].filter((c) => c.startsWith('t.')))];
    sql = `select ${at} as at, min(${m.value}) as value, string_agg(${touch}, ' ') as path
      from (select ${columns.join(', ')} ${m.touches} order by ${m.at}, t.visitor, t.started_at, t.kind_id) t
      group by ${m.at}, t.visitor`;
  }
  return { sql: `${sql}\n      order by 1`, params };
}

/** Markov's input for a moment's conversions counted in SQL (countConvertingPaths), and the window's conversions. */
interface CountedConversions {
  rows: CountedPaths[];
  /** The window's conversions of the type, with a touch in their lookback or not, and their value. */
  count: number;
  value: number;
  /** The value of those with a touch (each path's end carries its conversion's). */
  creditedValue: number;
}

/**
 * Markov's input for the window's conversions of a moment's type, counted in SQL like the paths that led
 * nowhere (windowCountedPathsSql: per day kept in moment_tallies, or from the window's index range): per
 * (previous kind, kind), how often a touch starts a path, follows another of it and ends it in the
 * conversion; and how many conversions the window has (and their value), with a touch or not.
 */
async function countConvertingPaths(db: Queryable, q: JourneySetsQuery, m: Moment): Promise<CountedConversions> {
  const counted = windowCountedPathsSql(q, q.lookbackDays, m);
  const read = () => db.query<CountedPaths & { value: number }>(counted.sql, counted.params);
  // On two cores a parallel index-only scan of a range of a few hundred thousand entries costs more than one
  // process reading it: the leads' Markov input measured 130–140 ms in parallel and about 90 ms without
  // workers on the 1 M-session bench. A tallied window reads a few thousand rows, and needs no setting.
  const { rows } = await (counted.fromTallies ? read() : withPlannerSetting(db, 'max_parallel_workers_per_gather', '0', read));
  const totals = await momentTotals(db, q, m);
  return { rows, ...totals, creditedValue: rows.reduce((sum, r) => sum + Number(r.value), 0) };
}

/**
 * Whether the visibility map covers most of a table's pages, as its last vacuum or analyze counted them. An
 * index-only read then seldom visits the table; where it would (a bulk derivation just rewrote the touches,
 * before autovacuum came by), the planner reads the table and sorts every row instead, which costs more than
 * hashing it: at 1 M touches ~400 against ~160 ms.
 */
async function mostlyAllVisible(db: Queryable, table: 'touches'): Promise<boolean> {
  const { rows } = await db.query<{ visible: boolean }>(`select relallvisible >= 0.8 * relpages as visible from pg_class where oid = $1::regclass`, [table]);
  return rows[0]?.visible ?? false;
}

/**
 * Runs `fn`'s statements under a planner setting, for the rest of the transaction `db` is in or until `fn`
 * ends (outside a transaction it changes nothing): a branch of a report may run in turn on the report's own
 * transaction, whose later statements must not inherit it.
 */
async function withPlannerSetting<T>(db: Queryable, setting: 'max_parallel_workers_per_gather' | 'enable_hashagg', value: string, fn: () => Promise<T>): Promise<T> {
  const { rows } = await db.query<{ was: string }>(`select current_setting($1) as was`, [setting]);
  await db.query(`select set_config($1, $2, true)`, [setting, value]);
  // Restored only after success: a failed statement aborts the transaction, which drops the setting with it
  // (and would refuse the restoring statement, hiding the error).
  const result = await fn();
  await db.query(`select set_config($1, $2, true)`, [setting, rows[0]!.was]);
  return result;
}

/**
 * One row per conversion of each type of `types` (type: its index in q.conversions, none `lead`), in each
 * type's order, with its path: the touches of its journey in its lookback, after the journey's previous
 * conversion of the same type (a repeat purchase does not re-credit old touches), in the journey's order; or
 * only the touch the model credits. Conversions are listed and their journeys probed in touches_journey_idx
 * (migration 0005, an index-only read) in one statement. $1 site, $2–$3 window, $4 lookback, $5 group of
 * each kind, then the conversion types and last_non_direct's direct kinds.
 */
function convertingSql(q: JourneySetsQuery, types: readonly number[], o: PathOptions): { sql: string; params: unknown[] } {
  const params: unknown[] = [q.siteId, q.from, q.to, lookbackInterval(q.lookbackDays), o.gids];
  const param = (value: unknown) => `$${params.push(value)}`;
  const branches = types.map((i) => `select ${i} as type, c.* from (${conversionsSql(params.push(q.conversions[i]))}) c`);
  const touch = touchSql('s', o.withTimes);
  const journey = `from touches s
        where s.site_id = $1 and s.visitor = c.visitor
          and s.started_at <= c.at and s.started_at >= c.at - $4::interval and (c.prev_at is null or s.started_at > c.prev_at)`;
  // touches_journey_idx runs newest first: a backward scan reads a journey in its order, a forward one latest first.
  const first = () => `(select ${touch} ${journey} order by s.started_at, s.kind_id limit 1)`;
  const last = (extra = '') => `(select ${touch} ${journey}${extra} order by s.started_at desc, s.kind_id desc limit 1)`;
  const reads = q.reads ?? 'all';
  const path =
    reads === 'first'
      ? first()
      : reads === 'last'
        ? last()
        : reads === 'last_non_direct'
          ? `coalesce(${last(` and ${notDirectSql(param(o.direct), 's')}`)}, ${last()})`
          : // The aggregate keeps the order its input comes in: an ORDER BY inside it would sort each path again.
            `(select string_agg(j.touch, ' ') from (select ${touch} as touch ${journey} order by s.started_at, s.kind_id) j)`;
  // Journeys are probed in the order of their hashes, which is the index's: each descent then starts near
  // the last one's pages: 35 k probes cost about a quarter less than in the conversions' order.
  const sql = /* sql */ `
    select c.type, ${o.withTimes ? `date_part('epoch', c.at) * 1000` : '0'} as at, c.value,
           ${path} as path
    from (
      select c.*, ${visitorHashSql('c.jkey')} as visitor from (${branches.join('\n      union all\n      ')}) c
      order by visitor
    ) c
    order by c.type, c.at, c.tiebreak`;
  return { sql, params };
}

/**
 * Markov's paths that led nowhere, counted for several conversion types at once: each other journey's
 * touches of the window form one path. A type leaves out the visitors who converted in the window
 * (`visitors`, per type), the kept type those whose touches' conversion moments (migration 0008) say so;
 * `lead` leaves out the journeys that became a lead before the window's end (migration 0006's lead_at):
 * those of the window converted, and the persons who were leads before it cannot become one. A touch
 * follows its journey's previous touch when that one is in the window too, else it starts the path; it
 * ends the path when the journey's next touch is after the window. Per (previous kind, kind), the order of
 * touches_pass_idx: every touch, those that start their path, and per type the touches it keeps that
 * start, follow and end one (filtered counts rather than grouping on the keeps, which would have to sort
 * every group again; with one type and no counts, the touches it does not keep are filtered out). With
 * `countsBy`, each row also counts its first touches of the dimension's groups (KindCounts; its visitors
 * are its starts).
 */
function markovNullTalliesSql(q: JourneySetsQuery, visitors: readonly string[][], countsBy?: PartitionColumn): { sql: string; params: unknown[]; presorted: boolean } {
  const params: unknown[] = [q.siteId, utcDay(q.from), utcDay(q.to)];
  const param = (value: unknown) => `$${params.push(value)}`;
  const keeps = q.conversions.map((type, i) => momentOf(type)?.keeps(q, param) ?? `not (t.visitor = any(${param(visitors[i])}::bigint[]))`);
  // With one type and no counts, the touches it does not keep are filtered out instead, and the rest hashed:
  // sorted from touches_pass_idx with that filter, the pass measured 460 ms against 190 ms hashed.
  const single = keeps.length === 1 && !countsBy;
  const follows = 't.prev_day >= $2::date';
  const ends = '(t.next_day is null or t.next_day >= $3::date)';
  const counted = (condition: string) => `count(*) filter (where ${condition})`;
  const kept = keeps.flatMap((k) =>
    single
      ? [`count(*) - ${counted(follows)}`, counted(follows), counted(ends)]
      : [`${counted(k)} - ${counted(`${k} and ${follows}`)}`, counted(`${k} and ${follows}`), counted(`${k} and ${ends}`)],
  );
  const sql = /* sql */ `
  select t.prev_kind_id, t.kind_id, count(*)::float8 as sessions, (count(*) - ${counted(follows)})::float8 as starts,
         ${countsBy ? `${counted(firstInWindowSql(PREVIOUS_IN_GROUP[countsBy]))}::float8 as group_visitors,` : ''}
         array[${kept.join(', ')}]::float8[] as kept
  from touches t
  where t.site_id = $1 and t.day >= $2::date and t.day < $3::date${single ? ` and ${keeps[0]}` : ''}
  group by 1, 2`;
  return { sql, params, presorted: !single };
}
