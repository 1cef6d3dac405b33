import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { attribute, markovFromTallies, parsePathsFile, solveLinearSystem, tallyJourneys, type AttributionResult, type Journey } from '../src/index.js';

const path = (text: string, conversions: number, nulls = 0, value = conversions): Journey => ({
  touches: text.split('>').map((c) => ({ channel: c.trim() })),
  conversions,
  value,
  nulls,
});

const byKey = (result: AttributionResult) => new Map(result.rows.map((r) => [r.key, r]));

describe('markov: hand-derived examples', () => {
  it('the ChannelAttribution white paper example (Altomare & Loris, first-order Markov model)', () => {
    // Paths: C1 > C2 > C3 converting once; C1 and C2 > C3 not converting.
    // Transitions: start→C1 2/3, start→C2 1/3; C1→C2 1/2, C1→null 1/2; C2→C3 1; C3→conv 1/2, C3→null 1/2.
    // P(conv) = 2/3·1/2·1·1/2 + 1/3·1·1/2 = 1/6 + 1/6 = 1/3.
    // Without C1: only start→C2 remains, 1/3·1/2 = 1/6 → RE = 1 − (1/6)/(1/3) = 1/2.
    // Without C2 or C3 every path to conversion is cut → RE = 1.
    // ΣRE = 5/2, so the one conversion splits 0.2 / 0.4 / 0.4.
    const result = attribute([path('C1 > C2 > C3', 1), path('C1', 0, 1), path('C2 > C3', 0, 1)], 'markov');
    expect(result.conversionProbability).toBeCloseTo(1 / 3, 12);
    const rows = byKey(result);
    expect(rows.get('C1')!.removalEffect).toBeCloseTo(0.5, 12);
    expect(rows.get('C2')!.removalEffect).toBeCloseTo(1, 12);
    expect(rows.get('C3')!.removalEffect).toBeCloseTo(1, 12);
    expect(rows.get('C1')!.conversions).toBeCloseTo(0.2, 12);
    expect(rows.get('C2')!.conversions).toBeCloseTo(0.4, 12);
    expect(rows.get('C3')!.conversions).toBeCloseTo(0.4, 12);
    expect(result.totalConversions).toBe(1);
  });

  it('aggregated paths: counts weight the transitions', () => {
    // g converting twice, m once, g > m once, g once without converting.
    // start→g 4/5, start→m 1/5; g→conv 2/4, g→m 1/4, g→null 1/4; m→conv 1.
    // x_m = 1, x_g = 1/2 + 1/4 = 3/4, P = 4/5·3/4 + 1/5 = 4/5.
    // Without g: P = 1/5, RE_g = 3/4. Without m: x_g = 1/2, P = 2/5, RE_m = 1/2.
    // 4 conversions split 3/4 : 1/2 → g 2.4, m 1.6; value (1 per conversion, 4 in all) likewise.
    const result = attribute([path('g', 2), path('m', 1), path('g > m', 1), path('g', 0, 1)], 'markov');
    expect(result.conversionProbability).toBeCloseTo(0.8, 12);
    const rows = byKey(result);
    expect(rows.get('g')).toMatchObject({ removalEffect: expect.closeTo(0.75, 12), conversions: expect.closeTo(2.4, 12), value: expect.closeTo(2.4, 12) });
    expect(rows.get('m')).toMatchObject({ removalEffect: expect.closeTo(0.5, 12), conversions: expect.closeTo(1.6, 12), value: expect.closeTo(1.6, 12) });
  });

  it('a loop between channels', () => {
    // a > b > a > b converting; b alone not converting.
    // start→a 1/2, start→b 1/2; a→b 1; b→a 1/3, b→conv 1/3, b→null 1/3.
    // x_b = 1/3·x_a + 1/3, x_a = x_b → x_a = x_b = 1/2; P = 1/2.
    // Without a: x_b = 1/3, P = 1/2·1/3 = 1/6 → RE_a = 2/3. Without b: P = 0 → RE_b = 1.
    const result = attribute([path('a > b > a > b', 1), path('b', 0, 1)], 'markov');
    expect(result.conversionProbability).toBeCloseTo(0.5, 12);
    const rows = byKey(result);
    expect(rows.get('a')!.removalEffect).toBeCloseTo(2 / 3, 12);
    expect(rows.get('b')!.removalEffect).toBeCloseTo(1, 12);
    expect(rows.get('a')!.conversions).toBeCloseTo((2 / 3 / (5 / 3)) * 1, 12);
  });

  it('repeated channels (self-transitions) change no removal effect', () => {
    const plain = attribute([path('A > B', 3, 1), path('B', 1, 4), path('A', 0, 2)], 'markov');
    const repeated = attribute([path('A > A > A > B', 3, 1), path('B > B', 1, 4), path('A', 0, 2)], 'markov');
    expect(repeated.conversionProbability).toBeCloseTo(plain.conversionProbability!, 12);
    for (const row of plain.rows) expect(byKey(repeated).get(row.key)!.removalEffect).toBeCloseTo(row.removalEffect!, 12);
  });

  it('a converting journey counts as one null-free path unless told; a non-converting one as one null', () => {
    // Same as the white paper example, relying on the defaults for nulls.
    const result = attribute(
      [
        { touches: [{ channel: 'C1' }, { channel: 'C2' }, { channel: 'C3' }], conversions: 1 },
        { touches: [{ channel: 'C1' }], conversions: 0 },
        { touches: [{ channel: 'C2' }, { channel: 'C3' }], conversions: 0 },
      ],
      'markov',
    );
    expect(result.conversionProbability).toBeCloseTo(1 / 3, 12);
  });

  it('no conversions: nothing credited, probability 0', () => {
    const result = attribute([path('A > B', 0, 3), path('B', 0, 1)], 'markov');
    expect(result.conversionProbability).toBe(0);
    expect(result.rows.map((r) => [r.key, r.conversions, r.removalEffect])).toEqual([
      ['A', 0, 0],
      ['B', 0, 0],
    ]);
  });

  it('credits by another key, e.g. campaign', () => {
    const j: Journey[] = [
      { touches: [{ channel: 'Paid Search', campaign: 'brand' }, { channel: 'Email', campaign: 'weekly' }], conversions: 1, value: 10 },
      { touches: [{ channel: 'Paid Search', campaign: 'brand' }], conversions: 0 },
    ];
    // start→brand 1; brand→weekly 1/2, brand→null 1/2; weekly→conv 1. P = 1/2; both removal effects 1.
    const result = attribute(j, 'markov', { key: 'campaign' });
    expect(result.rows).toEqual([
      { key: 'brand', conversions: expect.closeTo(0.5, 12), value: expect.closeTo(5, 12), removalEffect: expect.closeTo(1, 12) },
      { key: 'weekly', conversions: expect.closeTo(0.5, 12), value: expect.closeTo(5, 12), removalEffect: expect.closeTo(1, 12) },
    ]);
  });
});

// ../shared/data is beside the repository: packages/attribution/test → ../../../../shared/data.
const pathsFile = fileURLToPath(new URL('../../../../shared/data/channelattribution-paths.csv', import.meta.url));

describe('markov on the 10,000-path ChannelAttribution data', () => {
  const journeys = parsePathsFile(readFileSync(pathsFile, 'utf8'));
  const exact = attribute(journeys, 'markov');
  const channels = exact.rows.map((r) => r.key);

  // The chain, counted here independently of src/markov.ts.
  const counts = new Map<string, Map<string, number>>();
  const bump = (from: string, to: string, n: number) => {
    const row = counts.get(from) ?? new Map<string, number>();
    counts.set(from, row.set(to, (row.get(to) ?? 0) + n));
  };
  for (const j of journeys) {
    const states = ['(start)', ...j.touches.map((t) => t.channel)];
    const weight = j.conversions + (j.nulls ?? 0);
    for (let i = 1; i < states.length; i++) bump(states[i - 1]!, states[i]!, weight);
    bump(states[states.length - 1]!, '(conversion)', j.conversions);
    bump(states[states.length - 1]!, '(null)', j.nulls ?? 0);
  }
  const probabilities = new Map(
    [...counts].map(([from, row]) => {
      const total = [...row.values()].reduce((a, b) => a + b, 0);
      return [from, [...row].map(([to, n]) => [to, n / total] as const)];
    }),
  );

  it('matches a direct solve of (I − Q) x = r with each channel removed in turn', () => {
    const conversionProbability = (removed?: string): number => {
      const states = channels.filter((c) => c !== removed);
      const a = states.map((from, i) => states.map((to, j) => (i === j ? 1 : 0) - (probabilities.get(from)!.find(([s]) => s === to)?.[1] ?? 0)));
      const r = states.map((from) => probabilities.get(from)!.find(([s]) => s === '(conversion)')?.[1] ?? 0);
      const x = solveLinearSystem(a, r);
      return probabilities.get('(start)')!.reduce((p, [to, q]) => p + q * (states.includes(to) ? x[states.indexOf(to)]! : 0), 0);
    };
    const p = conversionProbability();
    expect(exact.conversionProbability).toBeCloseTo(p, 12);
    for (const row of exact.rows) expect(row.removalEffect, row.key).toBeCloseTo(1 - conversionProbability(row.key) / p, 10);
  });

  it('agrees with a Monte-Carlo simulation of the same chain', () => {
    // mulberry32, seeded: a generator of the test's own, so the check shares no code with src/.
    let state = 20240601;
    const random = () => {
      state = (state + 0x6d2b79f5) | 0;
      let z = Math.imul(state ^ (state >>> 15), 1 | state);
      z = (z + Math.imul(z ^ (z >>> 7), 61 | z)) ^ z;
      return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
    };
    const step = (from: string): string => {
      let u = random();
      for (const [to, q] of probabilities.get(from)!) if ((u -= q) < 0) return to;
      return probabilities.get(from)!.at(-1)![0];
    };
    // One set of walks serves every removal: a walk converts without c exactly when it converts and
    // never visits c (in the chain without c, reaching c means null).
    const walks = 300_000;
    let converted = 0;
    const convertedWithout = new Map(channels.map((c) => [c, 0]));
    for (let w = 0; w < walks; w++) {
      const visited = new Set<string>();
      let s = step('(start)');
      while (s !== '(conversion)' && s !== '(null)') {
        visited.add(s);
        s = step(s);
      }
      if (s !== '(conversion)') continue;
      converted++;
      for (const c of channels) if (!visited.has(c)) convertedWithout.set(c, convertedWithout.get(c)! + 1);
    }
    const p = converted / walks;
    // Standard error of p is about sqrt(0.22 · 0.78 / 300,000) ≈ 0.0008; the tolerances allow ~5 of them.
    expect(Math.abs(p - exact.conversionProbability!)).toBeLessThan(0.004);
    const simulated = new Map(channels.map((c) => [c, 1 - convertedWithout.get(c)! / converted]));
    const simulatedSum = [...simulated.values()].reduce((a, b) => a + b, 0);
    const exactSum = exact.rows.reduce((s, r) => s + r.removalEffect!, 0);
    for (const row of exact.rows) {
      expect(Math.abs(simulated.get(row.key)! - row.removalEffect!), `${row.key} removal effect`).toBeLessThan(0.01);
      const share = simulated.get(row.key)! / simulatedSum;
      expect(Math.abs(share - row.removalEffect! / exactSum), `${row.key} share`).toBeLessThan(0.005);
    }
  });
});

describe('markov from tallies (what a store counts instead of building paths)', () => {
  it('gives the path-based result on the 10,000-path data when counted by hand, touch by touch', () => {
    const journeys = parsePathsFile(readFileSync(pathsFile, 'utf8'));
    // One state per touch occurrence would be valid too; here each channel gets one touch object, and the
    // tallies are counted without tallyJourneys, so that this checks markovFromTallies on its own.
    const touches: { channel: string }[] = [];
    const stateOf = new Map<string, number>();
    const state = (channel: string) => stateOf.get(channel) ?? (stateOf.set(channel, touches.push({ channel }) - 1), touches.length - 1);
    const starts: [number, number][] = [];
    const transitions: [number, number, number][] = [];
    const ends: [number, number, number][] = [];
    let conversions = 0;
    let value = 0;
    for (const j of journeys) {
      const path = j.touches.map((t) => state(t.channel));
      const weight = j.conversions + (j.nulls ?? 0);
      conversions += j.conversions;
      value += j.value ?? 0;
      starts.push([path[0]!, weight]);
      for (let i = 1; i < path.length; i++) transitions.push([path[i - 1]!, path[i]!, weight]);
      ends.push([path[path.length - 1]!, j.conversions, j.nulls ?? 0]);
    }
    const fromTallies = markovFromTallies({ touches, starts, transitions, ends, conversions, value, uncredited: { conversions: 0, value: 0 } }, (t) => t.channel);
    const fromPaths = attribute(journeys, 'markov');
    expect(fromTallies.conversionProbability).toBeCloseTo(fromPaths.conversionProbability!, 12);
    expect(fromTallies.rows.map((r) => [r.key, r.conversions.toFixed(6), r.value.toFixed(4), r.removalEffect!.toFixed(9)])).toEqual(
      fromPaths.rows.map((r) => [r.key, r.conversions.toFixed(6), r.value.toFixed(4), r.removalEffect!.toFixed(9)]),
    );
  });

  it('tallies journeys summed per start, pair and end, whatever the number of paths', () => {
    const a = { channel: 'A' };
    const b = { channel: 'B' };
    const journeys: Journey[] = [
      { touches: [a, b, a], conversions: 1, value: 10 },
      { touches: [a, b, a], conversions: 0, nulls: 2 },
      { touches: [b], conversions: 2, value: 5, nulls: 1 },
      { touches: [], conversions: 1, value: 7 },
    ];
    const tallies = tallyJourneys(journeys);
    expect(tallies.touches).toEqual([a, b]);
    expect(tallies.starts).toEqual([[0, 3], [1, 3]]);
    expect(tallies.transitions).toEqual([[0, 1, 3], [1, 0, 3]]);
    expect(tallies.ends).toEqual([[0, 1, 2], [1, 2, 1]]);
    expect(tallies).toMatchObject({ conversions: 3, value: 15, uncredited: { conversions: 1, value: 7 } });
  });

  it('merges touches whose keys are equal into one state (a grouping coarser than the touches)', () => {
    // Two campaigns of one channel: by channel, A1 > A2 is the self-transition A > A, which changes nothing.
    const a1 = { channel: 'A', campaign: '1' };
    const a2 = { channel: 'A', campaign: '2' };
    const b = { channel: 'B' };
    const tallies = {
      touches: [a1, a2, b],
      starts: [[0, 2], [2, 1]] as [number, number][],
      transitions: [[0, 1, 1]] as [number, number, number][],
      ends: [[1, 1, 0], [0, 0, 1], [2, 1, 0]] as [number, number, number][],
      conversions: 2,
      value: 30,
      uncredited: { conversions: 1, value: 5 },
    };
    const byChannel = markovFromTallies(tallies, (t) => t.channel);
    const byPaths = attribute([path('A > A', 1, 0, 10), path('A', 0, 1, 0), path('B', 1, 0, 20), { touches: [], conversions: 1, value: 5 }], 'markov');
    expect(byChannel.rows).toEqual(byPaths.rows);
    expect(byChannel.uncredited).toEqual({ conversions: 1, value: 5 });
    expect(byChannel.conversionProbability).toBeCloseTo(2 / 3, 12);
  });
});
