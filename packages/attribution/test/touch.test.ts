import { describe, expect, it } from 'vitest';
import { classifyChannel, deriveTouch, hostOf, siteOf, type RawTouch } from '../src/index.js';

const d = (source: string, medium: string, campaign: string) => ({ source, medium, campaign });

describe('deriveTouch: the five steps of CHANNELS.md', () => {
  const cases: Array<[name: string, raw: RawTouch, expected: ReturnType<typeof d>]> = [
    ['1 gclid → google / cpc', { clickIds: { gclid: 'abc' } }, d('google', 'cpc', '(not set)')],
    ['1 gbraid → google / cpc', { clickIds: { gbraid: 'abc' } }, d('google', 'cpc', '(not set)')],
    ['1 wbraid → google / cpc', { clickIds: { wbraid: 'abc' } }, d('google', 'cpc', '(not set)')],
    ['1 gclid wins over UTMs, keeping the UTM campaign', { clickIds: { gclid: 'x' }, utm: { source: 'newsletter', medium: 'email', campaign: 'Spring' } }, d('google', 'cpc', 'spring')],
    ['1 gclid wins over a referrer', { clickIds: { gclid: 'x' }, referrer: 'https://www.bing.com/' }, d('google', 'cpc', '(not set)')],
    ['2 all UTMs', { utm: { source: 'Newsletter', medium: 'Email', campaign: 'Spring_Sale' } }, d('newsletter', 'email', 'spring_sale')],
    ['2 only utm_source', { utm: { source: 'partner' } }, d('partner', '(not set)', '(not set)')],
    ['2 only utm_medium', { utm: { medium: 'cpc' } }, d('(not set)', 'cpc', '(not set)')],
    ['2 only utm_campaign', { utm: { campaign: 'launch' } }, d('(not set)', '(not set)', 'launch')],
    ["2 Segment's name for utm_campaign", { utm: { source: 'x', name: 'Launch' } }, d('x', '(not set)', 'launch')],
    ['2 UTMs win over msclkid', { utm: { source: 'bing', medium: 'cpc', campaign: 'brand' }, clickIds: { msclkid: 'm' } }, d('bing', 'cpc', 'brand')],
    ['2 UTMs win over a referrer', { utm: { source: 'x', medium: 'y' }, referrer: 'https://www.google.com/' }, d('x', 'y', '(not set)')],
    ['2 empty UTMs do not count', { utm: { source: '', medium: ' ', campaign: null }, referrer: 'https://www.google.com/' }, d('google', 'organic', '(organic)')],
    ['2 utm_term alone does not count', { utm: { term: 'boots' } }, d('(direct)', '(none)', '(direct)')],
    ['3 msclkid → bing / cpc', { clickIds: { msclkid: 'm' } }, d('bing', 'cpc', '(not set)')],
    ['3 msclkid wins over a referrer', { clickIds: { msclkid: 'm' }, referrer: 'https://www.bing.com/' }, d('bing', 'cpc', '(not set)')],
    ['fbclid does not decide', { clickIds: { fbclid: 'f' }, referrer: 'https://l.facebook.com/' }, d('l.facebook.com', 'referral', '(referral)')],
    ['fbclid alone is direct', { clickIds: { fbclid: 'f' } }, d('(direct)', '(none)', '(direct)')],
    ['4 google.com', { referrer: 'https://www.google.com/' }, d('google', 'organic', '(organic)')],
    ['4 google.co.uk', { referrer: 'https://www.google.co.uk/search?q=x' }, d('google', 'organic', '(organic)')],
    ['4 google.com.au', { referrer: 'https://google.com.au/' }, d('google', 'organic', '(organic)')],
    ['4 Google app on Android', { referrer: 'android-app://com.google.android.googlequicksearchbox/' }, d('google', 'organic', '(organic)')],
    ['4 bing', { referrer: 'https://www.bing.com/search?q=x' }, d('bing', 'organic', '(organic)')],
    ['4 duckduckgo', { referrer: 'https://duckduckgo.com/' }, d('duckduckgo', 'organic', '(organic)')],
    ['4 yahoo search subdomain', { referrer: 'https://uk.search.yahoo.com/' }, d('yahoo', 'organic', '(organic)')],
    ['4 yahoo japan', { referrer: 'https://search.yahoo.co.jp/search?p=x' }, d('yahoo', 'organic', '(organic)')],
    ['4 yandex.ru', { referrer: 'https://yandex.ru/search/' }, d('yandex', 'organic', '(organic)')],
    ['4 baidu', { referrer: 'https://www.baidu.com/s?wd=x' }, d('baidu', 'organic', '(organic)')],
    ['4 ecosia', { referrer: 'https://www.ecosia.org/' }, d('ecosia', 'organic', '(organic)')],
    ['4 qwant', { referrer: 'https://www.qwant.com/' }, d('qwant', 'organic', '(organic)')],
    ['4 startpage', { referrer: 'https://www.startpage.com/' }, d('startpage', 'organic', '(organic)')],
    ['4 naver', { referrer: 'https://search.naver.com/' }, d('naver', 'organic', '(organic)')],
    ['4 seznam', { referrer: 'https://search.seznam.cz/' }, d('seznam', 'organic', '(organic)')],
    ['4 mail.google.com is not the search engine', { referrer: 'https://mail.google.com/mail/u/0/' }, d('mail.google.com', 'referral', '(referral)')],
    ['4 a look-alike host is not google', { referrer: 'https://google.example.org/' }, d('google.example.org', 'referral', '(referral)')],
    ['4 other host → referral without www.', { referrer: 'https://www.Blog.Example.org/post?id=1' }, d('blog.example.org', 'referral', '(referral)')],
    ['4 bare host referrer', { referrer: 'news.ycombinator.com' }, d('news.ycombinator.com', 'referral', '(referral)')],
    ['4 same host is not external', { referrer: 'https://shop.example.com/cart', pageHost: 'shop.example.com' }, d('(direct)', '(none)', '(direct)')],
    ['4 www variant is not external', { referrer: 'https://www.example.com/', pageHost: 'example.com' }, d('(direct)', '(none)', '(direct)')],
    ['4 www variant the other way', { referrer: 'https://example.com/', pageHost: 'www.example.com' }, d('(direct)', '(none)', '(direct)')],
    ['4 a sibling subdomain is the same site', { referrer: 'https://blog.example.com/', pageHost: 'shop.example.com' }, d('(direct)', '(none)', '(direct)')],
    ['4 same site under a co.uk suffix', { referrer: 'https://blog.example.co.uk/', pageHost: 'www.example.co.uk' }, d('(direct)', '(none)', '(direct)')],
    ['4 another site under co.uk is external', { referrer: 'https://other.co.uk/', pageHost: 'www.example.co.uk' }, d('other.co.uk', 'referral', '(referral)')],
    ['4 pageHost given as a URL with port', { referrer: 'https://example.com/a', pageHost: 'https://example.com:8443/' }, d('(direct)', '(none)', '(direct)')],
    ['4 an unreadable referrer is ignored', { referrer: 'http://' }, d('(direct)', '(none)', '(direct)')],
    ['5 nothing → direct', {}, d('(direct)', '(none)', '(direct)')],
    ['5 nulls everywhere → direct', { utm: null, clickIds: null, referrer: null, pageHost: null }, d('(direct)', '(none)', '(direct)')],
  ];
  it.each(cases)('%s', (_name, raw, expected) => {
    expect(deriveTouch(raw)).toEqual(expected);
  });
});

describe('deriveTouch then classifyChannel', () => {
  it.each([
    [{ clickIds: { gclid: 'x' } }, 'Paid Search'],
    [{ referrer: 'https://www.google.de/' }, 'Organic Search'],
    [{ referrer: 'https://news.google.com/' }, 'Organic Search'],
    [{ referrer: 'https://t.co/abc' }, 'Organic Social'],
    [{ referrer: 'https://www.youtube.com/watch?v=1' }, 'Organic Video'],
    [{ referrer: 'https://partner.example.net/' }, 'Referral'],
    [{ utm: { source: 'newsletter', medium: 'email' } }, 'Email'],
    [{ utm: { source: 'facebook', medium: 'cpc' }, clickIds: { fbclid: 'f' } }, 'Paid Social'],
    [{}, 'Direct'],
  ] as Array<[RawTouch, string]>)('%j → %s', (raw, channel) => {
    expect(classifyChannel(deriveTouch(raw))).toBe(channel);
  });
});

describe('host helpers', () => {
  it.each([
    ['https://WWW.Example.com:8080/x', 'example.com'],
    ['example.com.', 'example.com'],
    ['', undefined],
  ])('hostOf(%j) = %j', (input, host) => expect(hostOf(input)).toBe(host));

  it.each([
    ['a.b.example.com', 'example.com'],
    ['shop.example.co.uk', 'example.co.uk'],
    ['example.de', 'example.de'],
    ['localhost', 'localhost'],
    ['127.0.0.1', '127.0.0.1'],
  ])('siteOf(%j) = %j', (host, site) => expect(siteOf(host)).toBe(site));
});
