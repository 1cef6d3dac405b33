import { attribute, creditedTouches, markovFromTallies, type MarkovTallies, type ModelName } from '@lazo/attribution';
import type { AttributionReport, FunnelReport, TimeseriesReport } from '@lazo/protocol/reports';
import { concurrently, dbFor, type Db, type Queryable } from '../store/db.js';
import { loadJourneySets, loadMarkovTallies, loadMarkovTalliesWithCounts, loadTouchKinds, type StoredTouchKind } from '../store/journeys.js';
import { npsByFirstTouch, readReport, sessionCounts, sessionCountsOfKinds, spendByKind, timeseries, type NpsRow, type SessionCounts, type SpendRow, type Window } from '../store/reports.js';
import type { Site } from '../store/sites.js';
import { EXCLUDED, createGrouping, spendKind, type GroupedKind, type Grouping } from './grouping.js';
import type { AttributionParams, Dimension, FunnelParams, TimeseriesParams } from './params.js';
import { attributionRows, creditOf, funnelRows, seriesPoints, type Credit } from './shape.js';

/** The site's reporting currency (`settings.currency`, default EUR). Amounts are summed as stored, not converted. */
const currencyOf = (site: Site) => {
  const c = (site.settings as { currency?: unknown }).currency;
  return typeof c === 'string' && c ? c : 'EUR';
};

/**
 * Credits the window's conversions of each type to groups under a model. The attribution report lists every
 * group its conversions' journeys passed through, credited or not, so it reads whole journeys.
 */
async function creditGroups(
  q: Queryable,
  w: Window,
  grouping: Grouping,
  kinds: readonly GroupedKind<StoredTouchKind>[],
  o: { model: ModelName; conversions: string[]; lookbackDays: number; filtered: boolean; creditedOnly: boolean },
): Promise<Credit[]> {
  const query = journeyQuery(w, kinds, o.conversions, o.lookbackDays);
  if (o.model === 'markov') {
    // Markov reads every journey, converting or not: counted in SQL rather than loaded as paths.
    return markovCredits(await loadMarkovTallies(q, query), grouping, o.filtered);
  }
  // creditedOnly: read only the touches the model credits (a funnel row stands on its sessions, not on the
  // groups a conversion's journey merely passed through).
  const sets = await loadJourneySets(q, { ...query, withTimes: o.model === 'time_decay', reads: o.creditedOnly ? creditedTouches(o.model) : 'all' });
  return sets.map((journeys) => creditOf(attribute(journeys, o.model, { key: grouping.keyOfTouch }), o.filtered));
}

const journeyQuery = (w: Window, kinds: readonly GroupedKind<StoredTouchKind>[], conversions: string[], lookbackDays: number) => ({
  siteId: w.siteId,
  from: w.start,
  to: w.end,
  conversions,
  lookbackDays,
  kinds,
});

const markovCredits = (tallies: MarkovTallies[], grouping: Grouping, filtered: boolean): Credit[] =>
  tallies.map((t) => creditOf(markovFromTallies(t, grouping.keyOfTouch), filtered));

export async function attributionReport(db: Db, site: Site, p: AttributionParams): Promise<AttributionReport> {
  const grouping = createGrouping(p.groupBy, site.settings.channelRules);
  const w: Window = { siteId: site.siteId, start: p.range.start, end: p.range.end };
  const credit = await readReport(dbFor(db, 'report'), site.siteId, async (q) => {
    const kinds = (await loadTouchKinds(q, site.siteId)).map(grouping.group);
    const [credit] = await creditGroups(q, w, grouping, kinds, { ...p, conversions: [p.conversion], filtered: false, creditedOnly: false });
    return credit!;
  });
  return {
    from: p.range.from,
    to: p.range.to,
    groupBy: p.groupBy,
    model: p.model,
    conversion: p.conversion,
    lookbackDays: p.lookbackDays,
    currency: currencyOf(site),
    rows: attributionRows(credit, grouping, p.model === 'markov'),
    totals: { conversions: round4(credit.total.conversions), revenue: round2(credit.total.value) },
    uncredited: { conversions: round4(credit.uncredited.conversions), revenue: round2(credit.uncredited.value) },
    ...(credit.conversionProbability !== undefined ? { conversionProbability: Math.round(credit.conversionProbability * 1e6) / 1e6 } : {}),
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

export async function funnelReport(db: Db, site: Site, p: FunnelParams): Promise<FunnelReport> {
  const grouping = createGrouping(p.groupBy, site.settings.channelRules, p.filters);
  const filtered = Object.keys(p.filters).length > 0;
  const w: Window = { siteId: site.siteId, start: p.range.start, end: p.range.end };
  const inputs = await readReport(dbFor(db, 'report'), site.siteId, async (q) => {
    const kinds = (await loadTouchKinds(q, site.siteId)).map(grouping.group);
    const groupIds = [...new Set(kinds.map((k) => k.group))];
    const kindGids = kinds.map((k) => ({ kind: k.kind, gid: k.group === EXCLUDED ? -1 : groupIds.indexOf(k.group) }));
    const partitionedBy = partitioningColumn(p.groupBy, kinds);
    const conversions = ['lead', p.conversion];
    // Independent reads, concurrently where the snapshot can: the sessions and the credits (themselves split
    // into reads), and beside them the spend and the NPS answers.
    const [[counts, credits], [spendRows, answers]] = await concurrently<[[SessionCounts, Credit[]], [SpendRow[], NpsRow[]]]>(q, [
      async (a) => {
        if (p.model === 'markov' && partitionedBy) {
          // Markov's paths that led nowhere and the visitors per group are each a pass over every touch of
          // the window: one pass counts both.
          const read = await loadMarkovTalliesWithCounts(a, journeyQuery(w, kinds, conversions, p.lookbackDays), partitionedBy);
          return [sessionCountsOfKinds(read.counts, kindGids), markovCredits(read.tallies, grouping, filtered)];
        }
        return concurrently<[SessionCounts, Credit[]]>(a, [
          (x) => sessionCounts(x, w, kindGids, partitionedBy),
          (x) => creditGroups(x, w, grouping, kinds, { model: p.model, lookbackDays: p.lookbackDays, filtered, conversions, creditedOnly: true }),
        ]);
      },
      async (b) => [await spendByKind(b, w), await npsByFirstTouch(b, w)],
    ]);
    const sessions = new Map([...counts.groups].map(([gid, c]) => [groupIds[gid]!, c]));
    const [leads, customers] = credits;
    const spend = new Map<string, number>();
    for (const s of spendRows) {
      const group = grouping.group(spendKind(s.source, s.medium, s.campaign)).group;
      spend.set(group, (spend.get(group) ?? 0) + s.amount);
    }
    const nps = new Map<string, { promoters: number; passives: number; detractors: number }>();
    const groupOfKindId = new Map(kinds.map((k) => [k.kind.id, k.group]));
    for (const answer of answers) {
      // Kinds and touches are read in one snapshot: every first touch's kind is among the kinds.
      const group = answer.kind_id === null ? EXCLUDED : (groupOfKindId.get(answer.kind_id) ?? EXCLUDED);
      const n = nps.get(group) ?? { promoters: 0, passives: 0, detractors: 0 };
      n.promoters += answer.promoters;
      n.passives += answer.passives;
      n.detractors += answer.detractors;
      nps.set(group, n);
    }
    return { sessions, sessionTotal: counts.total, leads: leads!, customers: customers!, spend, nps };
  });
  return {
    from: p.range.from,
    to: p.range.to,
    groupBy: p.groupBy,
    ...(filtered ? { filters: p.filters } : {}),
    model: p.model,
    conversion: p.conversion,
    lookbackDays: p.lookbackDays,
    currency: currencyOf(site),
    ...funnelRows(inputs, grouping, filtered),
  };
}

/**
 * The dimension whose stored values group the kinds exactly as the report does (one dimension, every kind
 * kept, kinds with equal values in one group and groups of one value): then the touches' previous-in-group
 * days count its visitors. A filter that leaves a kind out sends the report the slower way (one that keeps
 * every kind changes nothing). The stored channel is the one the touches were derived with; a kind
 * classified otherwise now (rules changed since) sends the report the slower way too.
 */
function partitioningColumn(dims: readonly Dimension[], kinds: readonly GroupedKind<StoredTouchKind>[]): Dimension | undefined {
  if (dims.length !== 1) return undefined;
  const dim = dims[0]!;
  const groupOfValue = new Map<string | null, string>();
  const valueOfGroup = new Map<string, string | null>();
  for (const { kind, group } of kinds) {
    const value = dim === 'channel' ? kind.channel : kind[dim];
    if (group === EXCLUDED || (groupOfValue.get(value) ?? group) !== group || (valueOfGroup.has(group) && valueOfGroup.get(group) !== value)) return undefined;
    if (dim === 'channel' && value !== group) return undefined;
    groupOfValue.set(value, group);
    valueOfGroup.set(group, value);
  }
  return dim;
}

export async function timeseriesReport(db: Db, site: Site, p: TimeseriesParams): Promise<TimeseriesReport> {
  const w: Window = { siteId: site.siteId, start: p.range.start, end: p.range.end };
  const buckets = await readReport(dbFor(db, 'report'), site.siteId, (q) => timeseries(q, w, p.interval, p.conversion));
  return {
    from: p.range.from,
    to: p.range.to,
    interval: p.interval,
    conversion: p.conversion,
    currency: currencyOf(site),
    points: seriesPoints(p.range, p.interval, buckets),
  };
}
