import { nullsOf, sortRows, type AttributionResult, type Journey, type Touch } from './journey.js';
import { luDecompose, luSolve } from './linear-system.js';

/**
 * First-order Markov attribution with removal effects, computed exactly (no simulation).
 *
 * The chain has a start state, one transient state per key and two absorbing states, conversion and null.
 * Transition probabilities are the observed transition counts of every path, weighted by how often the
 * path occurred (its conversions plus its nulls), divided by the counts leaving each state.
 *
 * With Q the key-to-key transitions, r the key-to-conversion probabilities and s the start distribution,
 * the conversion probability from each key solves (I − Q) x = r, and P(conversion) = s·x.
 *
 * Removing key c sends every transition into c to null. Instead of solving one system per key, we use the
 * first-passage split P = P(convert without visiting c) + P(visit c)·x_c, which is exact by the strong
 * Markov property: so P(conversion without c) = P − h_c·x_c, where h_c, the probability of ever visiting c,
 * is (s·N)_c / N_cc with N = (I − Q)^-1 (expected visits). One LU factorisation then serves every key,
 * O(k³) in all instead of O(k⁴): it matters when credit is grouped by campaign (hundreds of keys).
 *
 * Removal effect RE_c = 1 − P(conversion without c) / P = h_c·x_c / P. Each key is credited
 * total conversions × RE_c / ΣRE, and value likewise (ChannelAttribution's normalisation).
 * Self-transitions (a channel repeated) are kept: they change no absorption probability.
 */
export function markovAttribution(journeys: readonly Journey[], keyOf: (touch: Touch) => string): AttributionResult {
  return markovFromTallies(tallyJourneys(journeys), keyOf);
}

/**
 * What the Markov chain is estimated from, counted over touches: the chain needs only how often each touch
 * starts a path, follows another, and ends one converting or not — not the paths themselves. A store can
 * count these over a million journeys without building any path (apps/server's journeys do).
 */
export interface MarkovTallies {
  /** The states, by index. Touches whose keys are equal are merged into one state. */
  touches: readonly Touch[];
  /** [touch index, weight]: how often a path starts at that touch. */
  starts: ReadonlyArray<readonly [number, number]>;
  /** [from, to, weight]: how often a touch follows another in a path. */
  transitions: ReadonlyArray<readonly [number, number, number]>;
  /** [touch index, conversions, nulls]: how often a path ends at that touch converting, and not. */
  ends: ReadonlyArray<readonly [number, number, number]>;
  /** Conversions (and their value) at the end of paths with touches. */
  conversions: number;
  value: number;
  /** Conversions whose journeys have no touch. */
  uncredited: { conversions: number; value: number };
}

/**
 * The tallies of aggregated journeys (each path weighted by its conversions plus its nulls). States are
 * touch objects; `states` fixes the first ones (their index is their position), so that tallies counted
 * elsewhere over the same touches can be added to the result's lists.
 */
export function tallyJourneys(journeys: readonly Journey[], states: readonly Touch[] = []): MarkovTallies {
  const touches: Touch[] = [...states];
  const indexOf = new Map<Touch, number>(touches.map((touch, i) => [touch, i]));
  const stateOf = (touch: Touch) => {
    let i = indexOf.get(touch);
    if (i === undefined) {
      i = touches.length;
      indexOf.set(touch, i);
      touches.push(touch);
    }
    return i;
  };
  // Summed per start, pair and end as they are counted: 10 k journeys of 25 touches listed touch by touch
  // would be 250 k tuples for markovFromTallies to walk (and the collector to free).
  const starts = new Map<number, number>();
  const transitions = new Map<number, Map<number, number>>();
  const ends = new Map<number, [conversions: number, nulls: number]>();
  const uncredited = { conversions: 0, value: 0 };
  let conversions = 0;
  let value = 0;
  for (const journey of journeys) {
    const worth = journey.value ?? 0;
    const n = journey.touches.length;
    if (n === 0) {
      uncredited.conversions += journey.conversions;
      uncredited.value += worth;
      continue;
    }
    conversions += journey.conversions;
    value += worth;
    const nulls = nullsOf(journey);
    const weight = journey.conversions + nulls;
    if (weight === 0) continue;
    let previous = stateOf(journey.touches[0]!);
    starts.set(previous, (starts.get(previous) ?? 0) + weight);
    for (let i = 1; i < n; i++) {
      const next = stateOf(journey.touches[i]!);
      let from = transitions.get(previous);
      if (!from) transitions.set(previous, (from = new Map()));
      from.set(next, (from.get(next) ?? 0) + weight);
      previous = next;
    }
    const end = ends.get(previous);
    if (end) {
      end[0] += journey.conversions;
      end[1] += nulls;
    } else ends.set(previous, [journey.conversions, nulls]);
  }
  return {
    touches,
    starts: [...starts],
    transitions: [...transitions].flatMap(([from, tos]) => [...tos].map(([to, weight]) => [from, to, weight] as [number, number, number])),
    ends: [...ends].map(([touch, [c, nulls]]) => [touch, c, nulls] as [number, number, number]),
    conversions,
    value,
    uncredited,
  };
}

/** Markov attribution from tallies; touches are merged into states by `keyOf`. */
export function markovFromTallies(tallies: MarkovTallies, keyOf: (touch: Touch) => string): AttributionResult {
  // A state per key of the touches the tallies use (a touch listed but never seen is no row).
  const index = new Map<string, number>();
  const keys: string[] = [];
  const stateOfTouch: number[] = [];
  const use = (touch: number) => {
    if (stateOfTouch[touch] !== undefined) return;
    const key = keyOf(tallies.touches[touch]!);
    let state = index.get(key);
    if (state === undefined) {
      state = keys.length;
      index.set(key, state);
      keys.push(key);
    }
    stateOfTouch[touch] = state;
  };
  for (const [touch] of tallies.starts) use(touch);
  for (const [from, to] of tallies.transitions) {
    use(from);
    use(to);
  }
  for (const [touch] of tallies.ends) use(touch);
  const k = keys.length;
  const start = new Float64Array(k);
  const transitions = new Float64Array(k * k);
  const toConversion = new Float64Array(k);
  const toNull = new Float64Array(k);
  for (const [touch, weight] of tallies.starts) start[stateOfTouch[touch]!]! += weight;
  for (const [from, to, weight] of tallies.transitions) transitions[stateOfTouch[from]! * k + stateOfTouch[to]!]! += weight;
  for (const [touch, conversions, nulls] of tallies.ends) {
    toConversion[stateOfTouch[touch]!]! += conversions;
    toNull[stateOfTouch[touch]!]! += nulls;
  }

  const { probability, removalEffects } = solveRemovalEffects(k, start, transitions, toConversion, toNull);
  const effectSum = removalEffects.reduce((a, b) => a + b, 0);
  const rows = keys.map((key, c) => {
    const share = effectSum > 0 ? removalEffects[c]! / effectSum : 0;
    return { key, conversions: tallies.conversions * share, value: tallies.value * share, removalEffect: removalEffects[c]! };
  });
  return {
    model: 'markov',
    rows: sortRows(rows),
    totalConversions: tallies.conversions,
    totalValue: tallies.value,
    conversionProbability: probability,
    uncredited: { ...tallies.uncredited },
  };
}

function solveRemovalEffects(
  k: number,
  start: Float64Array,
  transitions: Float64Array,
  toConversion: Float64Array,
  toNull: Float64Array,
): { probability: number; removalEffects: number[] } {
  const startTotal = start.reduce((a, b) => a + b, 0);
  if (k === 0 || startTotal === 0) return { probability: 0, removalEffects: new Array<number>(k).fill(0) };

  // A = I − Q and r, row by row. A state that was only seen in zero-weight paths has nothing leaving it;
  // it is made to absorb into null (row of I, r = 0), which changes nothing reachable.
  const a = new Float64Array(k * k);
  const r = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let out = toConversion[i]! + toNull[i]!;
    for (let j = 0; j < k; j++) out += transitions[i * k + j]!;
    a[i * k + i] = 1;
    if (out === 0) continue;
    for (let j = 0; j < k; j++) a[i * k + j]! -= transitions[i * k + j]! / out;
    r[i] = toConversion[i]! / out;
  }
  const s = start.map((v) => v / startTotal);

  const lu = luDecompose(a, k);
  const x = luSolve(lu, r);
  const probability = dot(s, x);
  if (probability <= 0) return { probability: 0, removalEffects: new Array<number>(k).fill(0) };

  const unit = new Float64Array(k);
  const removalEffects = new Array<number>(k);
  for (let c = 0; c < k; c++) {
    unit[c] = 1;
    const column = luSolve(lu, unit); // column c of N = (I − Q)^-1
    unit[c] = 0;
    const hit = dot(s, column) / column[c]!;
    // Clamp rounding noise: a removal effect is a probability ratio in [0, 1].
    removalEffects[c] = Math.min(1, Math.max(0, (hit * x[c]!) / probability));
  }
  return { probability, removalEffects };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
