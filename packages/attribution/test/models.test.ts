import { describe, expect, it } from 'vitest';
import { MODEL_NAMES, attribute, createRandom, creditedTouches, type AttributionResult, type Journey, type ModelName, type Touch } from '../src/index.js';

const DAY = 24 * 60 * 60 * 1000;
const t = (channel: string, day?: number, extra: Partial<Touch> = {}): Touch => ({ channel, ...(day === undefined ? {} : { at: day * DAY }), ...extra });

/** Credited conversions and value per key, rounded for comparison. */
const credit = (result: AttributionResult) => Object.fromEntries(result.rows.map((r) => [r.key, [r.conversions, r.value]]));

function expectCredit(result: AttributionResult, expected: Record<string, [conversions: number, value: number]>): void {
  const actual = credit(result);
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [key, [conversions, value]] of Object.entries(expected)) {
    expect(actual[key]![0], `${key} conversions`).toBeCloseTo(conversions, 10);
    expect(actual[key]![1], `${key} value`).toBeCloseTo(value, 10);
  }
}

// Five journeys that tell the heuristic models apart. Expectations are worked out by hand in the comments.
const journeys: Journey[] = [
  // J1: A (14 days before converting), B (7 days), Direct (same day). 1 conversion worth 100.
  { touches: [t('A', 0), t('B', 7), t('Direct', 14)], conversions: 1, value: 100, at: 14 * DAY },
  // J2: only Direct, 2 conversions worth 50 in all.
  { touches: [t('Direct', 0), t('Direct', 1)], conversions: 2, value: 50 },
  // J3: a single touch.
  { touches: [t('B', 3)], conversions: 1, value: 10 },
  // J4: did not convert: its keys appear with zero credit.
  { touches: [t('A', 2), t('C', 4)], conversions: 0 },
  // J5: four touches 21, 14, 7 and 0 days before converting (no `at`: the last touch's time is the conversion's).
  { touches: [t('A', 0), t('B', 7), t('C', 14), t('D', 21)], conversions: 1, value: 40 },
];

const heuristicCases: Array<[ModelName, Record<string, [number, number]>]> = [
  // First touches: J1 A, J2 Direct, J3 B, J5 A.
  ['first_touch', { A: [2, 140], Direct: [2, 50], B: [1, 10], C: [0, 0], D: [0, 0] }],
  // Last touches: J1 Direct, J2 Direct, J3 B, J5 D.
  ['last_touch', { Direct: [3, 150], B: [1, 10], D: [1, 40], A: [0, 0], C: [0, 0] }],
  // J1's last non-direct touch is B; J2 is all direct, so Direct keeps it.
  ['last_non_direct', { B: [2, 110], Direct: [2, 50], D: [1, 40], A: [0, 0], C: [0, 0] }],
  // J1 thirds, J2 all Direct, J3 all B, J5 quarters.
  [
    'linear',
    {
      A: [1 / 3 + 1 / 4, 100 / 3 + 10],
      B: [1 / 3 + 1 + 1 / 4, 100 / 3 + 10 + 10],
      Direct: [1 / 3 + 2, 100 / 3 + 50],
      C: [1 / 4, 10],
      D: [1 / 4, 10],
    },
  ],
  // J1 40/20/40, J2 50/50, J3 100 %, J5 40/10/10/40.
  ['position_based', { A: [0.4 + 0.4, 40 + 16], B: [0.2 + 1 + 0.1, 20 + 10 + 4], Direct: [0.4 + 2, 40 + 50], C: [0.1, 4], D: [0.4, 16] }],
  // Half-life 7 days. J1 weights 1/4, 1/2, 1 (sum 7/4) → 1/7, 2/7, 4/7. J5 weights 1/8, 1/4, 1/2, 1 (sum 15/8)
  // → 1/15, 2/15, 4/15, 8/15.
  [
    'time_decay',
    {
      A: [1 / 7 + 1 / 15, 100 / 7 + 40 / 15],
      B: [2 / 7 + 1 + 2 / 15, 200 / 7 + 10 + 80 / 15],
      Direct: [4 / 7 + 2, 400 / 7 + 50],
      C: [4 / 15, 160 / 15],
      D: [8 / 15, 320 / 15],
    },
  ],
];

describe('heuristic models, worked by hand', () => {
  it.each(heuristicCases)('%s', (model, expected) => {
    const result = attribute(journeys, model);
    expect(result.totalConversions).toBe(5);
    expect(result.totalValue).toBe(200);
    expectCredit(result, expected);
  });

  it('orders rows by credited conversions, then key', () => {
    expect(attribute(journeys, 'last_touch').rows.map((r) => r.key)).toEqual(['Direct', 'B', 'D', 'A', 'C']);
  });
});

describe('model options', () => {
  it('time_decay: a configurable half-life', () => {
    // Touches one half-life and zero before the conversion: weights 1/2 and 1 → 1/3 and 2/3.
    const j: Journey[] = [{ touches: [t('X', 0), t('Y', 3)], conversions: 3, value: 30, at: 3 * DAY }];
    expectCredit(attribute(j, 'time_decay', { halfLifeMs: 3 * DAY }), { X: [1, 10], Y: [2, 20] });
  });

  it('time_decay: touches without times are a day apart by default, or touchSpacingMs', () => {
    const j: Journey[] = [{ touches: [t('X'), t('Y')], conversions: 1 }];
    const w = 2 ** (-1 / 7);
    expectCredit(attribute(j, 'time_decay'), { X: [w / (1 + w), 0], Y: [1 / (1 + w), 0] });
    // Spaced one 7-day half-life apart: 1/2 and 1.
    expectCredit(attribute(j, 'time_decay', { touchSpacingMs: 7 * DAY }), { X: [1 / 3, 0], Y: [2 / 3, 0] });
  });

  it('time_decay: times given beside the touches weigh as the touches\' own would', () => {
    const shared = [t('A'), t('B'), t('C')];
    const withAt = attribute([{ touches: [t('A', 0), t('B', 7), t('C', 14)], conversions: 1, value: 70, at: 14 * DAY }], 'time_decay');
    const beside = attribute([{ touches: shared, times: [0, 7 * DAY, 14 * DAY], conversions: 1, value: 70, at: 14 * DAY }], 'time_decay');
    expectCredit(beside, credit(withAt) as Record<string, [number, number]>);
    expectCredit(beside, { A: [1 / 7, 10], B: [2 / 7, 20], C: [4 / 7, 40] });
    expect(() => attribute([{ touches: shared, times: [0, 1], conversions: 1 }], 'time_decay')).toThrow(/journeys\[0\]\.times must hold one finite time per touch \(3\)/);
  });

  it('time_decay: a touch after the conversion counts as at the conversion', () => {
    const j: Journey[] = [{ touches: [t('X', 0), t('Y', 10)], conversions: 1, at: 0 }];
    expectCredit(attribute(j, 'time_decay'), { X: [0.5, 0], Y: [0.5, 0] });
  });

  it('position_based: configurable weights', () => {
    const j: Journey[] = [{ touches: [t('A'), t('B'), t('C')], conversions: 10 }];
    expectCredit(attribute(j, 'position_based', { positionWeights: { first: 0.3, last: 0.5 } }), { A: [3, 0], B: [2, 0], C: [5, 0] });
  });

  it('last_non_direct: a custom notion of direct', () => {
    const j: Journey[] = [{ touches: [t('Paid Search'), t('Email')], conversions: 1 }];
    expectCredit(attribute(j, 'last_non_direct', { isDirect: (touch) => touch.channel === 'Email' }), { 'Paid Search': [1, 0], Email: [0, 0] });
  });

  it('credits by source, medium, campaign or any key function', () => {
    const j: Journey[] = [
      { touches: [t('Paid Search', 0, { source: 'google', medium: 'cpc', campaign: 'brand' }), t('Email', 1, { source: 'newsletter', medium: 'email' })], conversions: 1, value: 8 },
    ];
    expectCredit(attribute(j, 'linear', { key: 'source' }), { google: [0.5, 4], newsletter: [0.5, 4] });
    expectCredit(attribute(j, 'first_touch', { key: 'campaign' }), { brand: [1, 8], '(not set)': [0, 0] });
    expectCredit(attribute(j, 'last_touch', { key: (touch) => `${touch.source} / ${touch.medium}` }), { 'newsletter / email': [1, 8], 'google / cpc': [0, 0] });
  });

  it.each([
    [{ halfLifeMs: 0 }, /halfLifeMs/],
    [{ touchSpacingMs: -1 }, /touchSpacingMs/],
    [{ positionWeights: { first: 0.7, last: 0.7 } }, /positionWeights/],
  ])('rejects bad options %j', (options, message) => {
    expect(() => attribute(journeys, 'linear', options)).toThrow(message);
  });

  it('rejects bad journeys and unknown models', () => {
    expect(() => attribute([{ touches: [t('A')], conversions: -1 }], 'linear')).toThrow(/journeys\[0\]\.conversions/);
    expect(() => attribute([{ touches: [t('A')], conversions: 1, value: NaN }], 'linear')).toThrow(/journeys\[0\]\.value/);
    expect(() => attribute([{ touches: [t('A')], conversions: 0, nulls: -2 }], 'markov')).toThrow(/journeys\[0\]\.nulls/);
    expect(() => attribute(journeys, 'u_shaped' as ModelName)).toThrow(/unknown model/);
  });
});

describe('journeys without touches', () => {
  it.each(MODEL_NAMES)('%s reports them as uncredited, outside the totals', (model) => {
    const result = attribute([{ touches: [], conversions: 2, value: 20 }, { touches: [t('A', 0)], conversions: 1, value: 5 }], model);
    expect(result.uncredited).toEqual({ conversions: 2, value: 20 });
    expect(result.totalConversions).toBe(1);
    expect(result.totalValue).toBe(5);
    expect(result.rows).toEqual([expect.objectContaining({ key: 'A', conversions: 1, value: 5 })]);
  });
});

describe('invariant: credit sums to the totals', () => {
  // Random journeys over six channels, some aggregated (counts > 1), some not converting.
  const random = createRandom(42);
  const channels = ['Direct', 'Organic Search', 'Paid Search', 'Email', 'Referral', 'Paid Social'];
  const randomJourneys: Journey[] = Array.from({ length: 400 }, () => {
    const length = 1 + Math.floor(random() * 8);
    const touches = Array.from({ length }, (_, i) => t(channels[Math.floor(random() * channels.length)]!, i * random() * 5));
    const conversions = random() < 0.4 ? 1 + Math.floor(random() * 3) : 0;
    return { touches, conversions, value: conversions * Math.round(random() * 10_000) / 100, nulls: Math.floor(random() * 4) };
  });
  const totalConversions = randomJourneys.reduce((s, j) => s + j.conversions, 0);
  const totalValue = randomJourneys.reduce((s, j) => s + (j.value ?? 0), 0);

  it.each(MODEL_NAMES)('%s', (model) => {
    const result = attribute(randomJourneys, model);
    expect(result.totalConversions).toBe(totalConversions);
    expect(result.totalValue).toBeCloseTo(totalValue, 6);
    expect(result.rows.reduce((s, r) => s + r.conversions, 0)).toBeCloseTo(totalConversions, 6);
    expect(result.rows.reduce((s, r) => s + r.value, 0)).toBeCloseTo(totalValue, 6);
    expect(result.rows.map((r) => r.key).sort()).toEqual([...channels].sort());
    for (const row of result.rows) expect(row.conversions).toBeGreaterThanOrEqual(0);
  });
});

describe('creditedTouches: a journey cut to the touches a model reads is credited alike', () => {
  const random = createRandom(7);
  // Direct is frequent, so that journeys ending in several directs (and all-direct ones) are common.
  const channels = ['Direct', 'Direct', 'Email', 'Paid Search', 'Referral'];
  const journeys: Journey[] = Array.from({ length: 300 }, () => {
    const touches = Array.from({ length: 1 + Math.floor(random() * 6) }, (_, i) => t(channels[Math.floor(random() * channels.length)]!, i));
    return { touches, conversions: 1 + Math.floor(random() * 2), value: Math.round(random() * 100) };
  });
  // What a store reads for each answer of creditedTouches, written out independently of the models.
  const cut = (touches: readonly Touch[], read: string): Touch[] => {
    if (read === 'first') return touches.slice(0, 1);
    if (read === 'last') return touches.slice(-1);
    if (read === 'last_non_direct') {
      const nonDirect = touches.filter((x) => x.channel !== 'Direct');
      return nonDirect.length > 0 ? nonDirect.slice(-1) : touches.slice(-1);
    }
    return [...touches];
  };
  const nonZero = (result: AttributionResult) => Object.fromEntries(result.rows.filter((r) => r.conversions > 0).map((r) => [r.key, [r.conversions, r.value]]));

  it.each(MODEL_NAMES.filter((m) => m !== 'markov'))('%s', (model) => {
    const read = creditedTouches(model);
    const cutJourneys = journeys.map((j) => ({ ...j, touches: cut(j.touches, read) }));
    const full = nonZero(attribute(journeys, model));
    const fromCut = nonZero(attribute(cutJourneys, model));
    expect(Object.keys(fromCut).sort()).toEqual(Object.keys(full).sort());
    for (const [key, [conversions, value]] of Object.entries(full)) {
      expect(fromCut[key]![0], `${key} conversions`).toBeCloseTo(conversions!, 10);
      expect(fromCut[key]![1], `${key} value`).toBeCloseTo(value!, 10);
    }
  });

  it('says which models read fewer touches than all', () => {
    expect(Object.fromEntries(MODEL_NAMES.map((m) => [m, creditedTouches(m)]))).toEqual({
      first_touch: 'first',
      last_touch: 'last',
      last_non_direct: 'last_non_direct',
      linear: 'all',
      time_decay: 'all',
      position_based: 'all',
      markov: 'all',
    });
  });
});
