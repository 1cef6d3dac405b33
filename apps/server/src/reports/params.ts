import type { ReportDimension } from '@lazo/protocol/reports';
import { MODEL_NAMES, isModelName, type ModelName } from '@lazo/attribution';
import { DEFAULT_LOOKBACK_DAYS, KEPT_CONVERSION_TYPE } from '../store/moments.js';

/** What a report's touches can be grouped (and filtered) by. */
// The contract's dimensions (@lazo/protocol), as a list to validate against.
export const DIMENSIONS = ['channel', 'source', 'medium', 'campaign'] as const satisfies readonly ReportDimension[];
export type Dimension = (typeof DIMENSIONS)[number];

const DAY_MS = 86_400_000;
/** Longest range a report answers: three years (one of them a leap year). */
export const MAX_RANGE_DAYS = 3 * 365 + 1;
/** Default range: the last 30 days, today included. */
export const DEFAULT_RANGE_DAYS = 30;
export const MAX_LOOKBACK_DAYS = 365;
const MAX_CONVERSION_TYPE_LENGTH = 100;
const MAX_FILTER_LENGTH = 500;

/** A range of whole UTC days, `to` included. */
export interface DayRange {
  /** `YYYY-MM-DD` */
  from: string;
  to: string;
  /** Midnight UTC of `from`. */
  start: Date;
  /** Midnight UTC after `to` (exclusive end). */
  end: Date;
}

export interface AttributionParams {
  range: DayRange;
  groupBy: Dimension[];
  model: ModelName;
  conversion: string;
  lookbackDays: number;
}

export interface FunnelParams extends AttributionParams {
  /** Exact-match filters on dimensions. */
  filters: Partial<Record<Dimension, string>>;
}

export interface TimeseriesParams {
  range: DayRange;
  interval: 'day' | 'week';
  conversion: string;
}

/** A query parameter that cannot be used, with what is wrong in words a developer can act on. */
export class QueryParamError extends Error {}

type Query = Record<string, unknown>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new QueryParamError(`"${name}" must be given once.`);
  return value;
}

function refuseUnknown(query: Query, allowed: readonly string[]): void {
  for (const key of Object.keys(query)) {
    if (!allowed.includes(key)) throw new QueryParamError(`Unknown parameter "${key.slice(0, 50)}"; this report takes ${allowed.join(', ')}.`);
  }
}

function parseDay(name: string, text: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  // Date.UTC rolls 2026-02-30 over to March: a round trip catches impossible dates.
  if (!date || date.toISOString().slice(0, 10) !== text) {
    throw new QueryParamError(`"${name}" must be a date as YYYY-MM-DD (UTC), got "${text.slice(0, 40)}".`);
  }
  return date;
}

export const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** `from` and `to`, inclusive UTC days. Defaults: the 30 days ending `today` (or ending `to`). */
export function parseRange(query: Query, today: Date): DayRange {
  const fromText = single(query, 'from');
  const toText = single(query, 'to');
  const toDay = toText !== undefined ? parseDay('to', toText) : new Date(Math.floor(today.getTime() / DAY_MS) * DAY_MS);
  const fromDay = fromText !== undefined ? parseDay('from', fromText) : new Date(toDay.getTime() - (DEFAULT_RANGE_DAYS - 1) * DAY_MS);
  if (fromDay > toDay) throw new QueryParamError(`"from" (${isoDay(fromDay)}) is after "to" (${isoDay(toDay)}).`);
  const days = (toDay.getTime() - fromDay.getTime()) / DAY_MS + 1;
  if (days > MAX_RANGE_DAYS) throw new QueryParamError(`The range covers ${days} days; a report covers at most ${MAX_RANGE_DAYS} (three years).`);
  return { from: isoDay(fromDay), to: isoDay(toDay), start: fromDay, end: new Date(toDay.getTime() + DAY_MS) };
}

function parseGroupBy(query: Query): Dimension[] {
  const text = single(query, 'groupBy');
  if (text === undefined) return ['channel'];
  const parts = text.split(',').map((p) => p.trim());
  const dims: Dimension[] = [];
  for (const part of parts) {
    if (!(DIMENSIONS as readonly string[]).includes(part)) {
      throw new QueryParamError(`"groupBy" takes a comma list of ${DIMENSIONS.join(', ')}; "${part.slice(0, 40)}" is not one.`);
    }
    if (dims.includes(part as Dimension)) throw new QueryParamError(`"groupBy" names "${part}" twice.`);
    dims.push(part as Dimension);
  }
  return dims;
}

function parseModel(query: Query, fallback: ModelName): ModelName {
  const text = single(query, 'model');
  if (text === undefined) return fallback;
  if (!isModelName(text)) throw new QueryParamError(`"model" must be one of ${MODEL_NAMES.join(', ')}; got "${text.slice(0, 40)}".`);
  return text;
}

function parseConversion(query: Query): string {
  const text = single(query, 'conversion');
  // The default is the type whose moments touches carry: its reports read them instead of probing journeys.
  if (text === undefined) return KEPT_CONVERSION_TYPE;
  const type = text.trim();
  if (!type || type.length > MAX_CONVERSION_TYPE_LENGTH) {
    throw new QueryParamError(`"conversion" must be a conversion type of 1–${MAX_CONVERSION_TYPE_LENGTH} characters ("lead" for the first identification).`);
  }
  return type;
}

function parseLookback(query: Query): number {
  const text = single(query, 'lookbackDays');
  if (text === undefined) return DEFAULT_LOOKBACK_DAYS;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_LOOKBACK_DAYS) {
    throw new QueryParamError(`"lookbackDays" must be a whole number of days from 1 to ${MAX_LOOKBACK_DAYS}; got "${text.slice(0, 40)}".`);
  }
  return n;
}

const ATTRIBUTION_PARAMS = ['from', 'to', 'groupBy', 'model', 'conversion', 'lookbackDays'];

export function parseAttributionParams(query: Query, today: Date): AttributionParams {
  refuseUnknown(query, ATTRIBUTION_PARAMS);
  return { range: parseRange(query, today), groupBy: parseGroupBy(query), model: parseModel(query, 'last_non_direct'), conversion: parseConversion(query), lookbackDays: parseLookback(query) };
}

export function parseFunnelParams(query: Query, today: Date): FunnelParams {
  refuseUnknown(query, [...ATTRIBUTION_PARAMS, ...DIMENSIONS]);
  const filters: FunnelParams['filters'] = {};
  for (const dim of DIMENSIONS) {
    const value = single(query, dim);
    if (value === undefined) continue;
    if (!value || value.length > MAX_FILTER_LENGTH) throw new QueryParamError(`The "${dim}" filter must be 1–${MAX_FILTER_LENGTH} characters.`);
    filters[dim] = value;
  }
  return { range: parseRange(query, today), groupBy: parseGroupBy(query), model: parseModel(query, 'first_touch'), conversion: parseConversion(query), lookbackDays: parseLookback(query), filters };
}

export function parseTimeseriesParams(query: Query, today: Date): TimeseriesParams {
  refuseUnknown(query, ['from', 'to', 'interval', 'conversion']);
  const interval = single(query, 'interval') ?? 'day';
  if (interval !== 'day' && interval !== 'week') throw new QueryParamError(`"interval" must be day or week; got "${interval.slice(0, 40)}".`);
  return { range: parseRange(query, today), interval, conversion: parseConversion(query) };
}
