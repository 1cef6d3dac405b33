import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CHANNELS,
  SEARCH_SOURCES,
  SHOPPING_SOURCES,
  SOCIAL_SOURCES,
  VIDEO_SOURCES,
  classifyChannel,
  createChannelClassifier,
  type ChannelRule,
} from '../src/index.js';

type Case = [source: string | undefined, medium: string | undefined, campaign: string | undefined, channel: string];

// One or more rows per GA4 rule, in rule order, plus the near misses that must fall through to a later rule.
const cases: Array<[rule: string, ...Case]> = [
  ['1 Direct', '(direct)', '(none)', undefined, 'Direct'],
  ['1 Direct, medium (not set)', '(direct)', '(not set)', undefined, 'Direct'],
  ['1 Direct, medium missing', '(direct)', undefined, undefined, 'Direct'],
  ['1 not Direct: (direct) with another medium', '(direct)', 'email', undefined, 'Email'],
  ['2 Cross-network', 'google', 'cpc', 'pmax_cross-network_q3', 'Cross-network'],
  ['1 before 2: a direct touch with a cross-network campaign stays Direct', '(direct)', '(none)', 'cross-network', 'Direct'],
  ['3 Paid Shopping by source', 'amazon', 'cpc', undefined, 'Paid Shopping'],
  ['3 Paid Shopping by campaign', 'google', 'cpc', 'summer_shopping', 'Paid Shopping'],
  ['3 Paid Shopping by campaign "shop" after a separator', 'google', 'ppc', 'brand-shop', 'Paid Shopping'],
  ['3 SHOP lets "e" through on purpose: "eshop" is one', 'google', 'cpc', 'eshop', 'Paid Shopping'],
  ['3 SHOP: "workshop" (k before shop) is not one', 'google', 'cpc', 'workshop', 'Paid Search'],
  ['3 SHOP: "1shop" (digit before shop) is one', 'google', 'cpc', '1shop', 'Paid Shopping'],
  ['4 Paid Search', 'google', 'cpc', 'brand', 'Paid Search'],
  ['4 Paid Search, ppc', 'bing', 'ppc', undefined, 'Paid Search'],
  ['4 Paid Search, paid-search', 'duckduckgo', 'paid-search', undefined, 'Paid Search'],
  ['4 Paid Search, retargeting', 'yahoo', 'retargeting', undefined, 'Paid Search'],
  ['5 Paid Social', 'facebook', 'cpc', undefined, 'Paid Social'],
  ['5 Paid Social, paid_social', 'linkedin', 'paid_social', undefined, 'Paid Social'],
  ['5 before 7: reddit / cpm is Paid Social', 'reddit', 'cpm', undefined, 'Paid Social'],
  ['6 Paid Video', 'youtube', 'cpv', undefined, 'Paid Video'],
  ['7 Display', 'criteo-like-network', 'display', undefined, 'Display'],
  ['7 Display, banner', 'somesite', 'banner', undefined, 'Display'],
  ['7 Display, expandable', 'somesite', 'expandable', undefined, 'Display'],
  ['7 Display, interstitial', 'somesite', 'interstitial', undefined, 'Display'],
  ['7 Display, cpm from an unlisted source', 'adnetwork', 'cpm', undefined, 'Display'],
  ['7 Display even from a search source when not PAID', 'google', 'display', undefined, 'Display'],
  ['8 Paid Other', 'adnetwork', 'cpc', undefined, 'Paid Other'],
  ['8 Paid Other, paidsomething', 'partner', 'paidplacement', undefined, 'Paid Other'],
  ['9 Organic Shopping by source', 'amazon', 'referral', undefined, 'Organic Shopping'],
  ['9 Organic Shopping by campaign', 'blog', 'referral', 'shop_launch', 'Organic Shopping'],
  ['10 Organic Social by source', 'facebook', 'referral', undefined, 'Organic Social'],
  ['10 facebook / email is Organic Social (10 before 14)', 'facebook', 'email', undefined, 'Organic Social'],
  ['10 Organic Social by medium social', 'mastodon-instance', 'social', undefined, 'Organic Social'],
  ['10 Organic Social, social-network', 'x', 'social-network', undefined, 'Organic Social'],
  ['10 Organic Social, social-media', 'x', 'social-media', undefined, 'Organic Social'],
  ['10 Organic Social, sm', 'x', 'sm', undefined, 'Organic Social'],
  ['10 Organic Social, social network', 'x', 'social network', undefined, 'Organic Social'],
  ['10 Organic Social, social media', 'x', 'social media', undefined, 'Organic Social'],
  ['11 Organic Video by source', 'youtube', 'referral', undefined, 'Organic Video'],
  ['11 Organic Video by medium', 'vimeo-like', 'video_share', undefined, 'Organic Video'],
  ['12 Organic Search by source', 'google', 'referral', undefined, 'Organic Search'],
  ['12 Organic Search by medium organic', 'ecosia', 'organic', undefined, 'Organic Search'],
  ['12 Organic Search, listed source and organic', 'bing', 'organic', '(organic)', 'Organic Search'],
  ['13 Referral', 'example.org', 'referral', undefined, 'Referral'],
  ['13 Referral, app', 'someapp', 'app', undefined, 'Referral'],
  ['13 Referral, link', 'partner', 'link', undefined, 'Referral'],
  ['14 Email by medium', 'newsletter', 'email', undefined, 'Email'],
  ['14 Email by source', 'e-mail', 'blast', undefined, 'Email'],
  ['14 Email, e_mail inside a longer medium', 'crm', 'weekly_e_mail', undefined, 'Email'],
  ['14 Email, "e mail"', 'crm', 'e mail', undefined, 'Email'],
  ['15 Affiliates', 'partnernet', 'affiliate', undefined, 'Affiliates'],
  ['15 not Affiliates: affiliates is not exact', 'partnernet', 'affiliates', undefined, 'Unassigned'],
  ['16 Audio', 'spotify-like', 'audio', undefined, 'Audio'],
  ['17 SMS by source', 'sms', 'text', undefined, 'SMS'],
  ['17 SMS by medium', 'twilio', 'sms', undefined, 'SMS'],
  ['18 Push: medium ends with push', 'app', 'web-push', undefined, 'Mobile Push Notifications'],
  ['18 Push: medium contains mobile', 'app', 'mobile-alert', undefined, 'Mobile Push Notifications'],
  ['18 Push: medium contains notification', 'app', 'in-app-notifications', undefined, 'Mobile Push Notifications'],
  ['18 Push: source firebase', 'firebase', 'inbox', undefined, 'Mobile Push Notifications'],
  ['18 not Push: push not at the end', 'app', 'pushover', undefined, 'Unassigned'],
  ['Unassigned', 'callcenter', 'phone', undefined, 'Unassigned'],
  ['Unassigned: nothing at all', undefined, undefined, undefined, 'Unassigned'],
  ['case-insensitive', 'Facebook', 'CPC', undefined, 'Paid Social'],
  ['trimmed', '  google ', ' organic ', undefined, 'Organic Search'],
  ['listed source with upper case in the CSV', 'Google Shopping', 'cpc', undefined, 'Paid Shopping'],
];

describe('classifyChannel: GA4 default rules', () => {
  it.each(cases)('%s: %s / %s / %s → %s', (_rule, source, medium, campaign, channel) => {
    expect(classifyChannel({ source, medium, campaign })).toBe(channel);
  });

  it('only ever returns GA4 channel names without site rules', () => {
    for (const [, source, medium, campaign] of cases) {
      expect(DEFAULT_CHANNELS).toContain(classifyChannel({ source, medium, campaign }));
    }
  });

  it('covers every default channel in the table above', () => {
    const seen = new Set(cases.map((c) => c[4]));
    expect([...DEFAULT_CHANNELS].filter((c) => !seen.has(c))).toEqual([]);
  });
});

describe('classifyChannel: site rules in front', () => {
  const rules: ChannelRule[] = [
    { channel: 'Offline', when: { source: 'callcenter', medium: 'phone' } },
    { channel: 'Partners', when: { source: '/^(partner|reseller)-/' } },
    { channel: 'Brand Search', when: { source: 'google', medium: 'cpc', campaign: '/brand/' } },
  ];
  const siteCases: Case[] = [
    ['callcenter', 'phone', undefined, 'Offline'],
    ['CallCenter', 'PHONE', undefined, 'Offline'],
    ['callcenter', 'email', undefined, 'Email'],
    ['partner-acme', 'referral', undefined, 'Partners'],
    ['reseller-x', 'cpc', undefined, 'Partners'],
    ['my-partner-acme', 'referral', undefined, 'Referral'],
    ['google', 'cpc', 'Brand_Search', 'Brand Search'],
    ['google', 'cpc', 'generic', 'Paid Search'],
    ['(direct)', '(none)', undefined, 'Direct'],
  ];
  it.each(siteCases)('%s / %s / %s → %s', (source, medium, campaign, channel) => {
    expect(classifyChannel({ source, medium, campaign }, { rules })).toBe(channel);
    expect(createChannelClassifier(rules)({ source, medium, campaign })).toBe(channel);
  });

  it('lets a site rule override a default channel (first match wins)', () => {
    const override: ChannelRule[] = [{ channel: 'Social Ads', when: { source: 'facebook', medium: 'cpc' } }];
    expect(classifyChannel({ source: 'facebook', medium: 'cpc' }, { rules: override })).toBe('Social Ads');
  });

  it('applies rules in order', () => {
    const ordered: ChannelRule[] = [
      { channel: 'First', when: { medium: 'phone' } },
      { channel: 'Second', when: { source: 'callcenter' } },
    ];
    expect(classifyChannel({ source: 'callcenter', medium: 'phone' }, { rules: ordered })).toBe('First');
  });

  it('throws on malformed rules instead of ignoring them', () => {
    expect(() => classifyChannel({ source: 'x' }, { rules: [{ channel: 'Bad', when: { source: '/(/' } }] })).toThrow(/invalid channel rules.*when\.source/);
    expect(() => createChannelClassifier([{ channel: '', when: { source: 'x' } }])).toThrow(TypeError);
  });
});

describe('source categories generated from GA4', () => {
  it('match ../shared/data/ga4-source-categories.csv exactly', () => {
    const csv = readFileSync(fileURLToPath(new URL('../../../../shared/data/ga4-source-categories.csv', import.meta.url)), 'utf8');
    const expected: Record<string, string[]> = { SEARCH: [], SOCIAL: [], SHOPPING: [], VIDEO: [] };
    for (const line of csv.trim().split(/\r?\n/).slice(1)) {
      const [source, category] = line.split(',') as [string, string];
      expected[category.replace('SOURCE_CATEGORY_', '')]!.push(source.toLowerCase());
    }
    const sorted = (xs: Iterable<string>) => [...xs].sort();
    expect(sorted(SEARCH_SOURCES)).toEqual(sorted(expected.SEARCH!));
    expect(sorted(SOCIAL_SOURCES)).toEqual(sorted(expected.SOCIAL!));
    expect(sorted(SHOPPING_SOURCES)).toEqual(sorted(expected.SHOPPING!));
    expect(sorted(VIDEO_SOURCES)).toEqual(sorted(expected.VIDEO!));
  });
});
