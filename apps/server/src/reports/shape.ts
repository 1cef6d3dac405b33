import type { AttributionResult } from '@lazo/attribution';
import type { AttributionRow, FunnelReport, FunnelMetrics as FunnelFigures, ReportVolumes, TimeseriesPoint } from '@lazo/protocol/reports';
import { EXCLUDED, type Grouping } from './grouping.js';
import type { DayRange } from './params.js';

const DAY_MS = 86_400_000;

export const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return r === 0 ? 0 : r; // no -0 in JSON
};
const money = (x: number) => round(x, 2);
const count = (x: number) => round(x, 4);
const ratio = (num: number, den: number, digits: number): number | null => (den > 0 ? round(num / den, digits) : null);

/** Credit per group under one model. */
export interface Credit {
  groups: Map<string, { conversions: number; value: number; removalEffect?: number }>;
  /** Conversions and value of the window, credited or not (with filters: only what the kept groups got). */
  total: { conversions: number; value: number };
  /** Conversions whose journey had no touch, which no group can be credited with. */
  uncredited: { conversions: number; value: number };
  conversionProbability?: number;
}

/** Folds `attribute`'s result into groups; the touches a filter excludes keep their share out of every row. */
export function creditOf(result: AttributionResult, filtered: boolean): Credit {
  const groups: Credit['groups'] = new Map();
  let conversions = 0;
  let value = 0;
  for (const row of result.rows) {
    if (row.key === EXCLUDED) continue;
    groups.set(row.key, { conversions: row.conversions, value: row.value, ...(row.removalEffect !== undefined ? { removalEffect: row.removalEffect } : {}) });
    conversions += row.conversions;
    value += row.value;
  }
  const total = filtered ? { conversions, value } : { conversions: result.totalConversions + result.uncredited.conversions, value: result.totalValue + result.uncredited.value };
  return { groups, total, uncredited: result.uncredited, ...(result.conversionProbability !== undefined ? { conversionProbability: result.conversionProbability } : {}) };
}

const byKey = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

export function attributionRows(credit: Credit, grouping: Grouping, markov: boolean): AttributionRow[] {
  return [...credit.groups.entries()]
    .sort((a, b) => b[1].conversions - a[1].conversions || byKey(a, b))
    .map(([group, c]) => ({
      ...grouping.fields(group),
      conversions: count(c.conversions),
      revenue: money(c.value),
      ...(markov ? { removalEffect: round(c.removalEffect ?? 0, 4) } : {}),
    }));
}

export interface FunnelInputs {
  sessions: Map<string, { visitors: number; sessions: number }>;
  sessionTotal: { visitors: number; sessions: number };
  leads: Credit;
  customers: Credit;
  spend: Map<string, number>;
  nps: Map<string, { promoters: number; passives: number; detractors: number }>;
}

/** A group's raw figures, before rounding and ratios (`FunnelFigures` is what the response carries). */
type FunnelMetrics = ReportVolumes & { nps: { promoters: number; passives: number; detractors: number } };

function funnelFields(m: FunnelMetrics): FunnelFigures {
  const responses = m.nps.promoters + m.nps.passives + m.nps.detractors;
  return {
    visitors: m.visitors,
    sessions: m.sessions,
    leads: count(m.leads),
    customers: count(m.customers),
    revenue: money(m.revenue),
    spend: money(m.spend),
    cpl: ratio(m.spend, m.leads, 2),
    cvr: ratio(m.customers, m.leads, 4),
    cpa: ratio(m.spend, m.customers, 2),
    roas: ratio(m.revenue, m.spend, 4),
    nps: { score: responses > 0 ? round((100 * (m.nps.promoters - m.nps.detractors)) / responses, 1) : null, responses },
  };
}

/** One row per group that has anything (sessions, credit, spend or answers), by sessions then leads. */
export function funnelRows(inputs: FunnelInputs, grouping: Grouping, filtered: boolean): Pick<FunnelReport, 'rows' | 'totals' | 'uncredited'> {
  const groups = new Set<string>([...inputs.sessions.keys(), ...inputs.leads.groups.keys(), ...inputs.customers.groups.keys(), ...inputs.spend.keys(), ...inputs.nps.keys()]);
  groups.delete(EXCLUDED);
  const zeroNps = { promoters: 0, passives: 0, detractors: 0 };
  const metrics = [...groups].map((group): [string, FunnelMetrics] => [
    group,
    {
      visitors: inputs.sessions.get(group)?.visitors ?? 0,
      sessions: inputs.sessions.get(group)?.sessions ?? 0,
      leads: inputs.leads.groups.get(group)?.conversions ?? 0,
      customers: inputs.customers.groups.get(group)?.conversions ?? 0,
      revenue: inputs.customers.groups.get(group)?.value ?? 0,
      spend: inputs.spend.get(group) ?? 0,
      nps: inputs.nps.get(group) ?? zeroNps,
    },
  ]);
  metrics.sort((a, b) => b[1].sessions - a[1].sessions || b[1].leads - a[1].leads || byKey(a, b));
  const sum = (pick: (m: FunnelMetrics) => number) => metrics.reduce((s, [, m]) => s + pick(m), 0);
  // Answers of people without any touch count in the total only (unfiltered).
  const npsTotal = inputs.nps.get(EXCLUDED) && !filtered ? inputs.nps.get(EXCLUDED)! : zeroNps;
  const totals: FunnelMetrics = {
    ...inputs.sessionTotal,
    leads: inputs.leads.total.conversions,
    customers: inputs.customers.total.conversions,
    revenue: inputs.customers.total.value,
    spend: sum((m) => m.spend),
    nps: {
      promoters: sum((m) => m.nps.promoters) + npsTotal.promoters,
      passives: sum((m) => m.nps.passives) + npsTotal.passives,
      detractors: sum((m) => m.nps.detractors) + npsTotal.detractors,
    },
  };
  return {
    rows: metrics.map(([group, m]) => ({ ...grouping.fields(group), ...funnelFields(m) })),
    totals: funnelFields(totals),
    uncredited: filtered
      ? { leads: 0, customers: 0, revenue: 0 }
      : { leads: count(inputs.leads.uncredited.conversions), customers: count(inputs.customers.uncredited.conversions), revenue: money(inputs.customers.uncredited.value) },
  };
}

/** A day's or week's figures: the store's buckets (same shape), zero-filled. */
export type SeriesPoint = TimeseriesPoint;

/** Every day (or ISO week, dated by its Monday) of the range, zeros where nothing happened. */
export function seriesPoints(range: DayRange, interval: 'day' | 'week', buckets: ReadonlyArray<SeriesPoint>): SeriesPoint[] {
  const found = new Map(buckets.map((b) => [b.date, b]));
  const points: SeriesPoint[] = [];
  let at = range.start.getTime();
  if (interval === 'week') at -= ((range.start.getUTCDay() + 6) % 7) * DAY_MS; // back to Monday
  const step = interval === 'week' ? 7 * DAY_MS : DAY_MS;
  for (; at < range.end.getTime(); at += step) {
    const date = new Date(at).toISOString().slice(0, 10);
    const b = found.get(date);
    points.push({
      date,
      visitors: b?.visitors ?? 0,
      sessions: b?.sessions ?? 0,
      leads: b?.leads ?? 0,
      customers: b?.customers ?? 0,
      revenue: money(b?.revenue ?? 0),
      spend: money(b?.spend ?? 0),
    });
  }
  return points;
}
