import { describe, expect, it } from 'vitest';
import { QueryParamError, parseAttributionParams, parseFunnelParams, parseRange, parseTimeseriesParams } from '../src/reports/params.js';
import { EXCLUDED, createGrouping, spendKind } from '../src/reports/grouping.js';
import { creditOf, funnelRows, seriesPoints } from '../src/reports/shape.js';
import { pathNumbers } from '../src/store/journeys.js';

const today = new Date('2026-03-15T17:30:00Z');

describe('report parameters', () => {
  it.each([
    [{}, '2026-02-14', '2026-03-15'],
    [{ to: '2026-01-31' }, '2026-01-02', '2026-01-31'],
    [{ from: '2026-03-01' }, '2026-03-01', '2026-03-15'],
    [{ from: '2024-02-29', to: '2024-02-29' }, '2024-02-29', '2024-02-29'],
  ])('range %j → %s … %s', (query, from, to) => {
    const range = parseRange(query, today);
    expect([range.from, range.to]).toEqual([from, to]);
    expect(range.end.getTime() - Date.parse(`${to}T00:00:00Z`)).toBe(86_400_000);
  });

  it.each([
    [{ from: '2026-13-01' }, 'YYYY-MM-DD'],
    [{ from: '2025-02-29' }, 'YYYY-MM-DD'],
    [{ to: '2026-03-15T00:00:00Z' }, 'YYYY-MM-DD'],
    [{ from: ['2026-01-01', '2026-01-02'] }, 'once'],
    [{ from: '2026-03-10', to: '2026-03-09' }, 'after'],
    [{ from: '2023-03-14', to: '2026-03-15' }, 'at most 1096'],
  ])('refuses %j', (query, words) => {
    expect(() => parseRange(query, today)).toThrow(QueryParamError);
    expect(() => parseRange(query, today)).toThrow(words);
  });

  it('accepts exactly three years', () => {
    expect(parseRange({ from: '2023-03-16', to: '2026-03-15' }, today).from).toBe('2023-03-16');
  });

  it('reads attribution, funnel and timeseries parameters with their defaults', () => {
    expect(parseAttributionParams({}, today)).toMatchObject({ groupBy: ['channel'], model: 'last_non_direct', conversion: 'customer', lookbackDays: 90 });
    expect(parseAttributionParams({ groupBy: 'campaign, channel', model: 'markov', conversion: 'lead', lookbackDays: '30' }, today)).toMatchObject({
      groupBy: ['campaign', 'channel'],
      model: 'markov',
      conversion: 'lead',
      lookbackDays: 30,
    });
    expect(parseFunnelParams({ source: 'Google', channel: 'Paid Search' }, today)).toMatchObject({ model: 'first_touch', filters: { source: 'Google', channel: 'Paid Search' } });
    expect(parseTimeseriesParams({ interval: 'week' }, today)).toMatchObject({ interval: 'week', conversion: 'customer' });
  });

  it.each([
    [{ groupBy: 'channel,channel' }, 'twice'],
    [{ groupBy: '' }, 'groupBy'],
    [{ model: 'data_driven' }, 'model'],
    [{ lookbackDays: '366' }, 'lookbackDays'],
    [{ lookbackDays: '1.5' }, 'lookbackDays'],
    [{ conversion: '' }, 'conversion'],
    [{ interval: 'day' }, 'Unknown parameter "interval"'],
  ])('refuses attribution %j', (query, words) => {
    expect(() => parseAttributionParams(query, today)).toThrow(words);
  });
});

describe('grouping', () => {
  const kind = (source: string, medium: string, campaign: string) => ({ source, medium, campaign });

  it('classifies with the site rules first and groups by the asked dimensions', () => {
    const g = createGrouping(['channel', 'campaign'], [{ channel: 'Offline', when: { medium: 'phone' } }]);
    expect(g.group(kind('callcenter', 'phone', '(not set)'))).toMatchObject({ touch: { channel: 'Offline', campaign: '(not set)' } });
    const brand = g.group(kind('google', 'cpc', 'brand'));
    expect(g.fields(brand.group)).toEqual({ channel: 'Paid Search', campaign: 'brand' });
  });

  it('leaves touches that fail a filter out of every group', () => {
    const g = createGrouping(['channel'], [], { source: 'GOOGLE' });
    expect(g.group(kind('google', 'cpc', 'x')).group).toBe('Paid Search');
    expect(g.group(kind('bing', 'cpc', 'x')).group).toBe(EXCLUDED);
  });

  it('falls back to GA4 defaults when stored rules no longer compile', () => {
    const g = createGrouping(['channel'], [{ channel: 'Broken', when: { source: '/(/' } }]);
    expect(g.group(kind('google', 'cpc', 'x')).group).toBe('Paid Search');
  });

  it('reads spend without medium or campaign as (not set)', () => {
    expect(spendKind('google', '', '')).toEqual({ source: 'google', medium: '(not set)', campaign: '(not set)' });
  });
});

describe('shaping', () => {
  const grouping = createGrouping(['channel'], []);
  const none = { conversions: 0, value: 0 };

  it('computes ratios from unrounded figures and null for a zero denominator', () => {
    const leads = { groups: new Map([['Paid Search', { conversions: 3, value: 0 }]]), total: { conversions: 3, value: 0 }, uncredited: none };
    const customers = { groups: new Map([['Paid Search', { conversions: 1, value: 100 }]]), total: { conversions: 1, value: 100 }, uncredited: none };
    const out = funnelRows(
      {
        sessions: new Map([['Paid Search', { visitors: 10, sessions: 12 }], ['Direct', { visitors: 4, sessions: 4 }]]),
        sessionTotal: { visitors: 13, sessions: 16 },
        leads,
        customers,
        spend: new Map([['Paid Search', 100]]),
        nps: new Map([['Paid Search', { promoters: 2, passives: 1, detractors: 1 }]]),
      },
      grouping,
      false,
    );
    expect(out.rows[0]).toEqual({
      channel: 'Paid Search', visitors: 10, sessions: 12, leads: 3, customers: 1, revenue: 100, spend: 100,
      cpl: 33.33, cvr: 0.3333, cpa: 100, roas: 1, nps: { score: 25, responses: 4 },
    });
    expect(out.rows[1]).toMatchObject({ channel: 'Direct', cpl: null, cvr: null, cpa: null, roas: null, nps: { score: null, responses: 0 } });
    expect(out.totals).toMatchObject({ visitors: 13, sessions: 16, leads: 3, spend: 100 });
  });

  it('keeps an excluded group out of the rows and, filtered, out of the totals', () => {
    const result = {
      model: 'linear' as const,
      rows: [{ key: 'Email', conversions: 0.5, value: 50 }, { key: EXCLUDED, conversions: 0.5, value: 50 }],
      totalConversions: 1,
      totalValue: 100,
      uncredited: { conversions: 1, value: 10 },
    };
    expect(creditOf(result, false).total).toEqual({ conversions: 2, value: 110 });
    expect(creditOf(result, true).total).toEqual({ conversions: 0.5, value: 50 });
    expect([...creditOf(result, true).groups.keys()]).toEqual(['Email']);
  });

  it('fills every day, and every ISO week from the Monday before the range', () => {
    const range = parseRange({ from: '2026-03-01', to: '2026-03-10' }, today);
    expect(seriesPoints(range, 'day', []).map((p) => p.date)).toHaveLength(10);
    const weeks = seriesPoints(range, 'week', [{ date: '2026-03-02', visitors: 1, sessions: 2, leads: 0, customers: 0, revenue: 1.005, spend: 0 }]);
    expect(weeks.map((p) => p.date)).toEqual(['2026-02-23', '2026-03-02', '2026-03-09']);
    expect(weeks[1]).toMatchObject({ visitors: 1, sessions: 2 });
  });
});

describe('paths as the journeys statement spells them', () => {
  it.each([
    ['7', [7]],
    ['0 3 3 -1 12', [0, 3, 3, -1, 12]],
    ['2:1748854800000 -1:1749027600123', [2, 1748854800000, -1, 1749027600123]],
  ])('%s', (path, numbers) => {
    expect(pathNumbers(path)).toEqual(numbers);
  });
});
