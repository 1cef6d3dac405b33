import {
  keyFunction,
  nullsOf,
  sortRows,
  type AttributionResult,
  type AttributionRow,
  type CreditKey,
  type Journey,
  type ModelName,
  type Touch,
  MODEL_NAMES,
} from './journey.js';
import { markovAttribution } from './markov.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface AttributionOptions {
  /** What credit is grouped by. Default `'channel'`. */
  key?: CreditKey;
  /** `time_decay`: the age at which a touch's weight halves. Default 7 days (604,800,000 ms). */
  halfLifeMs?: number;
  /**
   * `time_decay`: spacing assumed between touches that carry no `at` (paths files have no times): the
   * last touch is at the conversion and each earlier one a step before it. Default 1 day.
   */
  touchSpacingMs?: number;
  /**
   * `position_based`: shares of the first and last touch; touches in between split the rest evenly.
   * Default `{ first: 0.4, last: 0.4 }` (the 40/20/40 rule). Two touches always split 50/50, one takes all.
   */
  positionWeights?: { first: number; last: number };
  /** `last_non_direct`: which touches are direct. Default: channel `Direct`. */
  isDirect?: (touch: Touch) => boolean;
}

const isDirectChannel = (touch: Touch): boolean => touch.channel === 'Direct';

/**
 * Which touches of a journey a model's credit rests on: the first, the last, the last that is not direct
 * (channel `Direct`; the last when all are), or all of them. A journey cut to those touches is credited
 * alike, so a store need not read the rest (a conversion's first touch is one index probe, its whole path
 * twenty-five). Time decay and Markov read all.
 */
export type CreditedTouches = 'first' | 'last' | 'last_non_direct' | 'all';

export function creditedTouches(model: ModelName): CreditedTouches {
  switch (model) {
    case 'first_touch':
      return 'first';
    case 'last_touch':
      return 'last';
    case 'last_non_direct':
      return 'last_non_direct';
    default:
      return 'all';
  }
}

/**
 * Credits the conversions and value of `journeys` to keys (channels by default) under one model.
 * Credited conversions always sum to the conversions of the journeys that have touches.
 */
export function attribute(journeys: readonly Journey[], model: ModelName, options: AttributionOptions = {}): AttributionResult {
  if (!(MODEL_NAMES as readonly string[]).includes(model)) {
    throw new RangeError(`unknown model ${JSON.stringify(model)}; expected one of ${MODEL_NAMES.join(', ')}`);
  }
  checkOptions(options);
  journeys.forEach(checkJourney);
  const keyOf = keyFunction(options.key);
  if (model === 'markov') return markovAttribution(journeys, keyOf);

  const rows = new Map<string, AttributionRow>();
  const rowFor = (key: string): AttributionRow => {
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { key, conversions: 0, value: 0 }));
    return row;
  };
  const uncredited = { conversions: 0, value: 0 };
  let totalConversions = 0;
  let totalValue = 0;
  for (const journey of journeys) {
    const { touches, conversions } = journey;
    const value = journey.value ?? 0;
    if (touches.length === 0) {
      uncredited.conversions += conversions;
      uncredited.value += value;
      continue;
    }
    totalConversions += conversions;
    totalValue += value;
    const shares = conversions === 0 && value === 0 ? undefined : creditShares(model, journey, options);
    touches.forEach((touch, i) => {
      const row = rowFor(keyOf(touch));
      const share = shares?.[i] ?? 0;
      row.conversions += share * conversions;
      row.value += share * value;
    });
  }
  return { model, rows: sortRows([...rows.values()]), totalConversions, totalValue, uncredited };
}

/** Each touch's share of one journey's credit; the shares sum to 1. */
function creditShares(model: Exclude<ModelName, 'markov'>, journey: Journey, options: AttributionOptions): number[] {
  const { touches } = journey;
  const n = touches.length;
  const shares = new Array<number>(n).fill(0);
  switch (model) {
    case 'first_touch':
      shares[0] = 1;
      break;
    case 'last_touch':
      shares[n - 1] = 1;
      break;
    case 'last_non_direct': {
      const isDirect = options.isDirect ?? isDirectChannel;
      let i = n - 1;
      while (i > 0 && isDirect(touches[i]!)) i--;
      // An all-direct journey ends at index 0, itself direct: Direct gets the credit.
      if (isDirect(touches[i]!)) i = n - 1;
      shares[i] = 1;
      break;
    }
    case 'linear':
      shares.fill(1 / n);
      break;
    case 'position_based': {
      if (n <= 2) {
        shares.fill(1 / n);
        break;
      }
      const { first, last } = options.positionWeights ?? { first: 0.4, last: 0.4 };
      shares.fill((1 - first - last) / (n - 2));
      shares[0] = first;
      shares[n - 1] = last;
      break;
    }
    case 'time_decay':
      return timeDecayShares(journey, options);
  }
  return shares;
}

function timeDecayShares(journey: Journey, options: AttributionOptions): number[] {
  const { touches } = journey;
  const n = touches.length;
  const halfLife = options.halfLifeMs ?? 7 * DAY_MS;
  const spacing = options.touchSpacingMs ?? DAY_MS;
  const timed = journey.times !== undefined || touches.every((t) => typeof t.at === 'number');
  const times = journey.times ?? (timed ? touches.map((t) => t.at!) : touches.map((_, i) => (i - (n - 1)) * spacing));
  const conversionAt = (timed ? journey.at : undefined) ?? times.reduce((a, b) => Math.max(a, b));
  // One array, filled in place: the attribution report weighs ~250,000 touches at 1 M sessions.
  const shares = new Array<number>(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    // A touch logged after the conversion (clock skew) counts as at the conversion, not as more than full weight.
    const weight = 2 ** (-Math.max(0, conversionAt - times[i]!) / halfLife);
    shares[i] = weight;
    sum += weight;
  }
  // Touches so old that every weight underflows to 0: fall back to linear rather than divide by 0.
  for (let i = 0; i < n; i++) shares[i] = sum > 0 ? shares[i]! / sum : 1 / n;
  return shares;
}

function checkOptions(options: AttributionOptions): void {
  const positive = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new RangeError(`${name} must be a positive number of ms, got ${v}`);
  };
  positive('halfLifeMs', options.halfLifeMs);
  positive('touchSpacingMs', options.touchSpacingMs);
  const w = options.positionWeights;
  if (w && !(w.first >= 0 && w.last >= 0 && w.first + w.last <= 1)) {
    throw new RangeError(`positionWeights must be non-negative and sum to at most 1, got first ${w.first}, last ${w.last}`);
  }
}

function checkJourney(journey: Journey, index: number): void {
  const bad = (what: string) => new RangeError(`journeys[${index}].${what}`);
  if (!(Number.isFinite(journey.conversions) && journey.conversions >= 0)) throw bad(`conversions must be a non-negative number, got ${journey.conversions}`);
  if (journey.value !== undefined && !Number.isFinite(journey.value)) throw bad(`value must be a finite number, got ${journey.value}`);
  const nulls = nullsOf(journey);
  if (!(Number.isFinite(nulls) && nulls >= 0)) throw bad(`nulls must be a non-negative number, got ${nulls}`);
  const { times } = journey;
  if (times !== undefined && (times.length !== journey.touches.length || !times.every(Number.isFinite))) {
    throw bad(`times must hold one finite time per touch (${journey.touches.length}), got ${times.length} values`);
  }
}
