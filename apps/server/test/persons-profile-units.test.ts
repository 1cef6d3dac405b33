import { describe, expect, it } from 'vitest';
import { groupForms, summarizeActivity, type Activity, type FormEvent } from '../src/profile/activity.js';
import { DEFAULT_SCORE_WEIGHTS, scoreLead, scoreWeights } from '../src/profile/score.js';
import { decodeCursor, displayName, encodeCursor, pagePersons, type ListedPerson } from '../src/profile/person-list.js';
import { stageOf } from '../src/profile/assemble.js';

const d = (iso: string) => new Date(`2025-06-${iso}Z`);
const activity = (over: Partial<Activity> = {}): Activity => ({ visits: [], pageviews: 0, paths: [], products: [], forms: [], ...over });
const visit = (start: string, end = start) => ({ startedAt: d(start), lastSeenAt: d(end) });
const path = (p: string, views = 1, namedProduct = false) => ({ path: p, views, lastAt: d('01T10:00:00'), namedProduct });

describe('summarizeActivity', () => {
  it.each([
    { name: 'one visit is no return', visits: [visit('01T10:00:00', '01T10:20:00')], expected: false },
    { name: 'a second visit 3 days later is a return', visits: [visit('01T10:00:00', '01T10:20:00'), visit('04T09:00:00')], expected: true },
    { name: 'a second visit 8 days after the first ended is not', visits: [visit('01T10:00:00', '01T10:20:00'), visit('09T10:30:00')], expected: false },
    { name: 'order of rows does not matter', visits: [visit('04T09:00:00'), visit('01T10:00:00', '01T10:20:00')], expected: true },
  ])('return visit: $name', ({ visits, expected }) => {
    expect(summarizeActivity(activity({ visits })).returnVisitWithin7Days).toBe(expected);
  });

  it.each([
    ['/pricing', 1],
    ['/en/pricing/', 1],
    ['/plans.html', 1],
    ['/de/preise', 1],
    ['/pricing-calculator', 0],
    ['/blog/our-prices-explained', 0],
  ])('pricing page %s counts %i', (p, n) => {
    expect(summarizeActivity(activity({ paths: [path(p)] })).pricingPageviews).toBe(n);
  });

  it('counts products named by pageviews and product paths once each, and ignores a bad pattern', () => {
    const a = activity({
      products: [{ path: 'Widget', views: 2, lastAt: d('02T10:00:00') }],
      paths: [path('/products/shoe', 3), path('/products/widget', 2, true), path('/about')],
    });
    expect(summarizeActivity(a, { productPathPattern: '^/products/' }).productsViewed).toEqual([
      { product: '/products/shoe', views: 3, lastViewedAt: d('01T10:00:00') },
      { product: 'Widget', views: 2, lastViewedAt: d('02T10:00:00') },
    ]);
    expect(summarizeActivity(a, { productPathPattern: '([' }).productsViewed.map((p) => p.product)).toEqual(['Widget']);
  });

  it('lists forms started without a later submit in the same visit', () => {
    const e = (event: string, formId: string, at: string, sessionId = 's1'): FormEvent => ({ sessionId, event, ts: d(at), formId });
    const forms = groupForms([
      e('Form Started', 'quote', '01T10:00:00'),
      e('Form Started', 'contact', '01T10:01:00'),
      e('Form Submitted', 'contact', '01T10:02:00'),
      e('Form Submitted', 'newsletter', '01T10:03:00'),
      e('Form Submitted', 'demo', '01T10:04:00'),
      e('Form Started', 'demo', '01T10:05:00'),
      // Submitted in another visit: still abandoned in this one.
      e('Form Started', 'trial', '01T10:06:00'),
      e('Form Submitted', 'trial', '02T10:00:00', 's2'),
    ]);
    const facts = summarizeActivity(activity({ forms }));
    expect(facts.formsSubmitted).toBe(4);
    expect(facts.formsAbandoned.map((f) => `${f.sessionId}:${f.formId}`)).toEqual(['s1:quote', 's1:demo', 's1:trial']);
  });

  it('takes the latest of visits and conversions as the last activity', () => {
    expect(summarizeActivity(activity({ visits: [visit('01T10:00:00', '01T11:00:00')], lastConversionAt: d('03T09:00:00') })).lastActivityAt).toEqual(d('03T09:00:00'));
    expect(summarizeActivity(activity()).lastActivityAt).toBeNull();
  });
});

describe('scoreLead', () => {
  const facts = (over: Partial<ReturnType<typeof summarizeActivity>> = {}) => ({ ...summarizeActivity(activity()), ...over });
  const now = d('10T00:00:00');
  it.each([
    { name: 'nothing scores 0', f: facts(), total: 0, signals: [] },
    { name: 'visits are capped', f: facts({ visits: 5 }), total: 30, signals: ['visits'] },
    { name: 'pageviews are capped', f: facts({ pageviews: 9 }), total: 25, signals: ['pageviews'] },
    { name: 'two forms', f: facts({ formsSubmitted: 2 }), total: 40, signals: ['forms'] },
    { name: 'pricing counts once', f: facts({ pricingPageviews: 4 }), total: 15, signals: ['pricing_page'] },
    { name: 'return visit', f: facts({ returnVisitWithin7Days: true }), total: 30, signals: ['return_visit'] },
    { name: 'recent activity', f: facts({ lastActivityAt: d('05T00:00:00') }), total: 10, signals: ['recent_activity'] },
    { name: 'old activity is not recent', f: facts({ lastActivityAt: d('01T00:00:00') }), total: 0, signals: [] },
  ])('$name', ({ f, total, signals }) => {
    const s = scoreLead(f, DEFAULT_SCORE_WEIGHTS, now);
    expect(s.total).toBe(total);
    expect(s.reasons.map((r) => r.signal)).toEqual(signals);
  });

  it('takes site overrides, ignores unknown keys and non-numbers, and drops zero-weight signals', () => {
    const w = scoreWeights({ visit: 1, visitMax: 0, pricingPage: 0, bogus: 99, form: '50' });
    expect(w).toEqual({ ...DEFAULT_SCORE_WEIGHTS, visit: 1, visitMax: 0, pricingPage: 0 });
    const s = scoreLead(facts({ visits: 40, pricingPageviews: 1 }), w, now);
    expect(s).toEqual({ total: 40, reasons: [{ signal: 'visits', points: 40, detail: '40 visits × 1' }] });
  });
});

describe('person list', () => {
  const person = (personId: string, score: number, lastActivityAt: string | null): ListedPerson => ({
    personId,
    userId: null,
    email: null,
    name: null,
    stage: 'lead',
    score,
    lastActivityAt,
    createdAt: '2025-01-01T00:00:00.000Z',
    counts: { visits: 0, pageviews: 0, forms: 0, conversions: 0 },
    firstTouch: null,
  });
  const all = [person('p1', 10, '2025-06-01T00:00:00.000Z'), person('p2', 30, null), person('p3', 10, '2025-06-03T00:00:00.000Z'), person('p4', 20, '2025-06-02T00:00:00.000Z')];

  it.each([
    ['score', ['p2', 'p4', 'p1', 'p3']],
    ['recent', ['p3', 'p4', 'p1', 'p2']],
  ] as const)('pages by %s without gaps or repeats', (sort, order) => {
    const seen: string[] = [];
    let cursor = null;
    for (let i = 0; i < 10; i++) {
      const page = pagePersons(all, sort, 3, cursor);
      seen.push(...page.persons.map((p) => p.personId));
      if (!page.nextCursor) break;
      cursor = decodeCursor(page.nextCursor);
    }
    expect(seen).toEqual(order);
  });

  it.each(['', 'garbage', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["best",1,"p"]').toString('base64url'), Buffer.from('["score","1","p"]').toString('base64url')])(
    'refuses cursor %j',
    (raw) => {
      expect(decodeCursor(raw)).toBeNull();
    },
  );

  it('round-trips a cursor', () => {
    expect(decodeCursor(encodeCursor({ sort: 'recent', value: 1717200000000, personId: 'p_x' }))).toEqual({ sort: 'recent', value: 1717200000000, personId: 'p_x' });
  });

  it.each([
    [{ name: ' Ann Lee ' }, 'Ann Lee'],
    [{ firstName: 'Ann', lastName: 'Lee' }, 'Ann Lee'],
    [{ first_name: 'Ann' }, 'Ann'],
    [{ email: 'a@x.com' }, null],
  ])('display name of %j is %j', (traits, name) => {
    expect(displayName(traits)).toBe(name);
  });

  it.each([
    [true, ['lead_form'], 'lead'],
    [true, ['lead_form', 'purchase'], 'customer'],
    [true, ['customer'], 'customer'],
    [false, ['customer'], 'visitor'],
  ] as const)('stage of person=%s with conversions %j is %s', (isPerson, types, stage) => {
    expect(stageOf(isPerson, types)).toBe(stage);
  });
});
