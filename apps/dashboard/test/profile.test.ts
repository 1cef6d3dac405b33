import { describe, expect, it } from 'vitest';
import { describeTouch, firstTouch, personDevices, personEmail, personName, personScore, personUserId, scoreReasons } from '../src/person-fields.js';
import { buildTimeline, landingPath, timelineDevices } from '../src/timeline.js';

/** A profile shaped as GET /v1/persons/:id answers: one person, two browsers, a sales call and a deal. */
const PROFILE = {
  personId: 'per_1',
  stage: 'customer',
  createdAt: '2026-01-10T09:00:00.000Z',
  identities: {
    userId: 'crm-1',
    emails: ['ana@example.com'],
    anonymousIds: [
      { anonymousId: 'anon-laptop', linkedFrom: '2026-01-10T09:00:00.000Z', linkedUntil: null, verified: false },
      { anonymousId: 'anon-phone', linkedFrom: '2026-01-12T18:00:00.000Z', linkedUntil: null, verified: false },
    ],
  },
  traits: { email: 'ana@example.com', firstName: 'Ana', lastName: 'Lima' },
  firstTouch: { channel: 'Paid Search', source: 'google', medium: 'cpc', campaign: 'spring' },
  score: { score: 45, reasons: [{ signal: 'visits', points: 20, detail: '2 visits × 10' }, { signal: 'forms', points: 25, detail: '1 form submitted' }] },
  journey: [
    {
      sessionId: 's1',
      at: '2026-01-10T08:50:00.000Z',
      channel: 'Paid Search',
      source: 'google',
      medium: 'cpc',
      campaign: 'spring',
      landingPage: 'https://shop.example/pricing?utm_source=google&utm_medium=cpc',
      anonymousId: 'anon-laptop',
      device: { type: 'desktop', os: 'Windows', browser: 'Chrome' },
      pages: [
        { path: '/pricing', title: 'Pricing', at: '2026-01-10T08:50:00.000Z' },
        { path: '/products/tent', title: 'Tent', at: '2026-01-10T08:55:00.000Z', product: 'tent' },
      ],
      forms: [{ formId: 'signup', at: '2026-01-10T08:59:00.000Z' }],
      conversions: [],
    },
    { sessionId: 's2', at: '2026-01-12T18:00:00.000Z', channel: 'Direct', source: '(direct)', medium: '(none)', campaign: '(direct)', landingPage: '/', anonymousId: 'anon-phone', device: { type: 'mobile', os: 'iOS', browser: 'Safari' }, pages: [], forms: [] },
    { sessionId: 's3', at: '2026-01-13T10:00:00.000Z', channel: 'callcenter', source: 'callcenter', medium: 'phone', campaign: '(not set)', landingPage: null, anonymousId: null, device: { type: null }, pages: [], forms: [] },
  ],
  conversions: [{ conversionId: 'deal-1', type: 'customer', value: 1200, currency: 'EUR', occurredAt: '2026-01-14T12:00:00.000Z', channel: 'callcenter' }],
};

describe('reading a lead profile', () => {
  it('finds identity, name, score and reasons', () => {
    expect(personEmail(PROFILE)).toBe('ana@example.com');
    expect(personUserId(PROFILE)).toBe('crm-1');
    expect(personName(PROFILE)).toBe('Ana Lima');
    expect(personScore(PROFILE)).toBe(45);
    expect(scoreReasons(PROFILE)).toEqual([
      { points: 20, reason: '2 visits × 10' },
      { points: 25, reason: '1 form submitted' },
    ]);
    expect(personDevices(PROFILE).map((d) => d.anonymousId)).toEqual(['anon-laptop', 'anon-phone']);
    expect(firstTouch(PROFILE)).toBe('Paid Search · google / cpc · spring');
  });

  it('reads the list rows too (email, userId and score at the top level)', () => {
    const row = { personId: 'p', email: 'b@example.com', userId: null, name: 'Bo', score: 12 };
    expect([personEmail(row), personUserId(row), personName(row), personScore(row)]).toEqual(['b@example.com', undefined, 'Bo', 12]);
  });

  it('never throws on a profile with fields missing or of other types', () => {
    for (const p of [undefined, null, 'x', [], {}, { score: 'high', journey: 'none', identities: [], conversions: {} }]) {
      expect(() => [personEmail(p), personScore(p), scoreReasons(p), personDevices(p), buildTimeline(p)]).not.toThrow();
      expect(buildTimeline(p)).toEqual([]);
    }
  });

  it.each([
    [{ channel: 'Direct', source: '(direct)', medium: '(none)', campaign: '(direct)' }, 'Direct'],
    [{ channel: 'Organic Search', source: 'google', medium: 'organic', campaign: '(organic)' }, 'Organic Search · google / organic'],
    [{ source: 'newsletter' }, 'newsletter'],
    [{}, undefined],
  ])('describes the touch %j as %j', (touch, text) => expect(describeTouch(touch)).toBe(text));
});

describe('the journey timeline', () => {
  const items = buildTimeline(PROFILE, 'en-GB');

  it('puts visits, identifications, the offline touch and the deal in one list, newest first', () => {
    expect(items.map((i) => [i.kind, i.title])).toEqual([
      ['conversion', 'Conversion: customer'],
      ['offline', 'callcenter · callcenter / phone'],
      ['session', 'Direct'],
      ['identify', 'Identified in this browser'],
      ['identify', 'Identified in this browser'],
      ['session', 'Paid Search · google / cpc · spring'],
    ]);
    expect(items[0]!.detail).toBe('€1,200 · via callcenter');
  });

  it('keeps each visit’s pages and forms, in order, on its device', () => {
    const first = items.at(-1)!;
    expect(first.detail).toBe('landed on /pricing · desktop · Windows · Chrome');
    expect(first.children!.map((c) => [c.kind, c.title, c.detail])).toEqual([
      ['page', 'Pricing', '/pricing'],
      ['page', 'Tent', '/products/tent · product tent'],
      ['form', 'Form submitted', 'signup'],
    ]);
    expect(timelineDevices(items)).toEqual(['anon-laptop', 'anon-phone']);
  });

  it.each([
    ['https://shop.example/pricing?utm_source=x', '/pricing'],
    ['/blog/a?b=1#c', '/blog/a'],
    [undefined, undefined],
  ])('shows the landing page %s as %s', (url, path) => expect(landingPath(url)).toBe(path));
});
