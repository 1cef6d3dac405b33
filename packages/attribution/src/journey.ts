import { NOT_SET } from './channels.js';

/** One marketing touch of a journey (a session's landing touch, an offline call…). */
export interface Touch {
  channel: string;
  source?: string;
  medium?: string;
  campaign?: string;
  /** When it happened, ms since the epoch. Only `time_decay` reads it. */
  at?: number;
}

/**
 * A path of touches and how it ended. One journey may stand for many people who took the same path
 * (aggregated data, as in a paths file), which keeps large inputs cheap: `conversions` and `nulls` count
 * how often this path ended in a conversion and how often it did not.
 */
export interface Journey {
  /** Oldest first. A journey without touches cannot be credited and is reported as `uncredited`. */
  touches: readonly Touch[];
  /** Conversions at the end of this path; 0 for a path that did not convert. */
  conversions: number;
  /** Total value of those conversions. Default 0. */
  value?: number;
  /**
   * How many times this path ended without converting (Markov's null state). Default: 1 when
   * `conversions` is 0 (one person who did not convert), else 0.
   */
  nulls?: number;
  /** When it converted, ms since the epoch (`time_decay`). Default: the last touch's `at`. */
  at?: number;
  /**
   * Each touch's time, ms since the epoch, in touch order (`time_decay`); when given, the touches' `at`
   * is not read. Many journeys can then share a handful of touch objects: a store's 250 k timed touches
   * become 10 k arrays of numbers rather than 250 k objects.
   */
  times?: readonly number[];
}

/**
 * What credit is grouped by: a touch field (missing values count as `(not set)`) or a function of the touch.
 */
export type CreditKey = 'channel' | 'source' | 'medium' | 'campaign' | ((touch: Touch) => string);

export function keyFunction(key: CreditKey = 'channel'): (touch: Touch) => string {
  if (typeof key === 'function') return key;
  if (key === 'channel') return (t) => t.channel;
  return (t) => t[key] || NOT_SET;
}

export function nullsOf(journey: Journey): number {
  return journey.nulls ?? (journey.conversions > 0 ? 0 : 1);
}

/** One key's credit under a model. */
export interface AttributionRow {
  key: string;
  conversions: number;
  value: number;
  /** Markov only: 1 − P(conversion without this key) / P(conversion). */
  removalEffect?: number;
}

export interface AttributionResult {
  model: ModelName;
  /** Every key seen in the journeys, by credited conversions (highest first), then key. */
  rows: AttributionRow[];
  /** Conversions credited: the sum of the rows (journeys without touches are not counted here). */
  totalConversions: number;
  totalValue: number;
  /** Markov only: the probability that a path from the start ends in a conversion. */
  conversionProbability?: number;
  /** Conversions of journeys without any touch, which no model can credit to anything. */
  uncredited: { conversions: number; value: number };
}

export const MODEL_NAMES = ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based', 'markov'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export function isModelName(x: unknown): x is ModelName {
  return typeof x === 'string' && (MODEL_NAMES as readonly string[]).includes(x);
}

/** Sorts rows by conversions (highest first), ties by key, so output is stable. */
export function sortRows(rows: AttributionRow[]): AttributionRow[] {
  return rows.sort((a, b) => b.conversions - a.conversions || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
