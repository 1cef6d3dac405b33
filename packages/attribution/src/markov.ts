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
  const index = new Map<string, number>();
  const keys: string[] = [];
  const paths: Int32Array[] = journeys.map(({ touches }) => {
    const path = new Int32Array(touches.length);
    touches.forEach((touch, i) => {
      const key = keyOf(touch);
      let state = index.get(key);
      if (state === undefined) {
        state = keys.length;
        index.set(key, state);
        keys.push(key);
      }
      path[i] = state;
    });
    return path;
  });

  const k = keys.length;
  const start = new Float64Array(k);
  const transitions = new Float64Array(k * k);
  const toConversion = new Float64Array(k);
  const toNull = new Float64Array(k);
  const uncredited = { conversions: 0, value: 0 };
  let totalConversions = 0;
  let totalValue = 0;
  journeys.forEach((journey, j) => {
    const path = paths[j]!;
    const value = journey.value ?? 0;
    if (path.length === 0) {
      uncredited.conversions += journey.conversions;
      uncredited.value += value;
      return;
    }
    totalConversions += journey.conversions;
    totalValue += value;
    const nulls = nullsOf(journey);
    const weight = journey.conversions + nulls;
    if (weight === 0) return;
    start[path[0]!]! += weight;
    for (let i = 1; i < path.length; i++) transitions[path[i - 1]! * k + path[i]!]! += weight;
    const last = path[path.length - 1]!;
    toConversion[last]! += journey.conversions;
    toNull[last]! += nulls;
  });

  const { probability, removalEffects } = solveRemovalEffects(k, start, transitions, toConversion, toNull);
  const effectSum = removalEffects.reduce((a, b) => a + b, 0);
  const rows = keys.map((key, c) => {
    const share = effectSum > 0 ? removalEffects[c]! / effectSum : 0;
    return { key, conversions: totalConversions * share, value: totalValue * share, removalEffect: removalEffects[c]! };
  });
  return { model: 'markov', rows: sortRows(rows), totalConversions, totalValue, conversionProbability: probability, uncredited };
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
