/**
 * Response bodies of the report endpoints (API.md; field rules in docs/reports-contract.md). The server's
 * report builders declare they return these and the dashboard reads them, so a change to either side that
 * breaks the other fails `pnpm typecheck`. Types only: nothing here runs.
 */

/** What a report's touches can be grouped and filtered by. */
export type ReportDimension = 'channel' | 'source' | 'medium' | 'campaign';

/** Attribution models (the `model` query parameter). */
export type AttributionModel = 'first_touch' | 'last_touch' | 'last_non_direct' | 'linear' | 'time_decay' | 'position_based' | 'markov';

/** Exact-match filters on dimensions (funnel). */
export type ReportFilters = Partial<Record<ReportDimension, string>>;

/** The group a row reports under: one field per `groupBy` dimension, e.g. `{channel: 'Paid Search'}`. */
export type GroupFields = Partial<Record<ReportDimension, string>>;

/** What the funnel and the timeseries count, per row or per bucket. Money in the report's `currency`. */
export interface ReportVolumes {
  visitors: number;
  sessions: number;
  /** Credited under the report's model in the funnel (fractions for multi-touch models). */
  leads: number;
  /** Conversions of the report's `conversion` type. */
  customers: number;
  revenue: number;
  spend: number;
}

/** Net Promoter Score of the `NPS Submitted` answers of the persons a group brought (first touch). */
export interface NpsSummary {
  /** % promoters − % detractors, to 0.1; null without answers. */
  score: number | null;
  responses: number;
}

/** A funnel row's or the totals' figures; ratios are null when their denominator is 0. */
export interface FunnelMetrics extends ReportVolumes {
  cpl: number | null;
  cvr: number | null;
  cpa: number | null;
  roas: number | null;
  nps: NpsSummary;
}

export type FunnelRow = GroupFields & FunnelMetrics;

/** Echoed query of the funnel and attribution reports. */
interface CreditedReportQuery {
  /** `YYYY-MM-DD`, UTC days, `to` included. */
  from: string;
  to: string;
  groupBy: ReportDimension[];
  model: AttributionModel;
  conversion: string;
  lookbackDays: number;
  /** The site's reporting currency; amounts are summed as stored, not converted. */
  currency: string;
}

/** `GET /v1/reports/funnel`. */
export interface FunnelReport extends CreditedReportQuery {
  /** Present only when the request filtered. */
  filters?: ReportFilters;
  /** By sessions, then leads. */
  rows: FunnelRow[];
  /** `visitors` counts each visitor once, so it is not the sum of the rows. */
  totals: FunnelMetrics;
  /** Conversions whose journey had no touch: in `totals`, in no row (zeros when filtered). */
  uncredited: { leads: number; customers: number; revenue: number };
}

export type AttributionRow = GroupFields & {
  conversions: number;
  revenue: number;
  /** `markov` only. */
  removalEffect?: number;
};

/** `GET /v1/reports/attribution`. */
export interface AttributionReport extends CreditedReportQuery {
  /** By conversions, then group. */
  rows: AttributionRow[];
  totals: { conversions: number; revenue: number };
  /** The part of `totals` whose journey had no touch, which no row carries. */
  uncredited: { conversions: number; revenue: number };
  /** `markov` only. */
  conversionProbability?: number;
}

export type TimeseriesInterval = 'day' | 'week';

export interface TimeseriesPoint extends ReportVolumes {
  /** `YYYY-MM-DD`: the day, or the Monday of the ISO week. */
  date: string;
}

/** `GET /v1/reports/timeseries`: every day (or week) of the range, zeros included. */
export interface TimeseriesReport {
  from: string;
  to: string;
  interval: TimeseriesInterval;
  conversion: string;
  currency: string;
  points: TimeseriesPoint[];
}
