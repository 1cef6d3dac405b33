import { NOT_SET, cleanValue as clean } from './channels.js';

/** UTM values as the tracker saw them (`utm_source` → `source`, …). */
export interface UtmFields {
  source?: string | null;
  medium?: string | null;
  campaign?: string | null;
  /** Segment's name for utm_campaign (`context.campaign.name`); used when `campaign` is absent. */
  name?: string | null;
  term?: string | null;
  content?: string | null;
  id?: string | null;
}

/** Click ids from the landing URL. Only gclid, gbraid, wbraid and msclkid decide anything here. */
export interface ClickIds {
  gclid?: string | null;
  gbraid?: string | null;
  wbraid?: string | null;
  fbclid?: string | null;
  msclkid?: string | null;
  ttclid?: string | null;
  li_fat_id?: string | null;
}

/** A touch as the tracker reports it: the landing page's UTMs and click ids, and the referrer. */
export interface RawTouch {
  utm?: UtmFields | null;
  clickIds?: ClickIds | null;
  /** `document.referrer` of the landing page (a URL; a bare host is accepted too). */
  referrer?: string | null;
  /** The site's own host (e.g. `shop.example.com`), so that internal navigation is not a referral. */
  pageHost?: string | null;
}

/** The (source, medium, campaign) GA4's rules classify, all lowercase. */
export interface DerivedTouch {
  source: string;
  medium: string;
  campaign: string;
}

/**
 * Search engines recognised from a referrer, giving `<name> / organic`. A host pattern `x.*` is the name
 * `x` under any country TLD (`google.de`, `google.co.uk`, `google.com.au`) with or without `www.`; any other
 * pattern matches that host and its subdomains (`search.yahoo.com` covers `uk.search.yahoo.com`).
 * Hosts not listed here become referrals, which GA4's source list may still class as Organic Search
 * (e.g. `news.google.com`).
 */
export const SEARCH_ENGINES: ReadonlyArray<{ name: string; hosts: readonly string[] }> = [
  // The Google app on Android reports itself as an android-app:// referrer.
  { name: 'google', hosts: ['google.*', 'com.google.android.googlequicksearchbox'] },
  { name: 'bing', hosts: ['bing.com'] },
  { name: 'duckduckgo', hosts: ['duckduckgo.com'] },
  { name: 'yahoo', hosts: ['search.yahoo.com', 'yahoo.co.jp'] },
  { name: 'yandex', hosts: ['yandex.*', 'ya.ru'] },
  { name: 'baidu', hosts: ['baidu.com'] },
  { name: 'ecosia', hosts: ['ecosia.org'] },
  { name: 'qwant', hosts: ['qwant.com'] },
  { name: 'startpage', hosts: ['startpage.com'] },
  { name: 'naver', hosts: ['naver.com'] },
  { name: 'seznam', hosts: ['seznam.cz'] },
  { name: 'sogou', hosts: ['sogou.com'] },
  { name: 'brave', hosts: ['search.brave.com'] },
  { name: 'ask', hosts: ['ask.com'] },
  { name: 'aol', hosts: ['search.aol.com'] },
  { name: 'kagi', hosts: ['kagi.com'] },
];

const COUNTRY_TLD = /^[a-z]{2,3}(\.[a-z]{2})?$/;

const SEARCH_MATCHERS: ReadonlyArray<{ name: string; matches: (host: string) => boolean }> = SEARCH_ENGINES.flatMap(({ name, hosts }) =>
  hosts.map((pattern) => {
    if (pattern.endsWith('.*')) {
      const label = pattern.slice(0, -1); // "google."
      return { name, matches: (host: string) => host.startsWith(label) && COUNTRY_TLD.test(host.slice(label.length)) };
    }
    return { name, matches: (host: string) => host === pattern || host.endsWith(`.${pattern}`) };
  }),
);

/** The search engine's name for a (www-stripped, lowercase) host, if it is one. */
export function searchEngineName(host: string): string | undefined {
  return SEARCH_MATCHERS.find((m) => m.matches(host))?.name;
}

/** The lowercase host of a URL or bare host, without port, trailing dot or leading `www.`; undefined if unreadable. */
export function hostOf(urlOrHost: string): string | undefined {
  const text = urlOrHost.trim();
  if (!text) return undefined;
  try {
    const host = new URL(text.includes('://') ? text : `http://${text}`).hostname.toLowerCase().replace(/\.$/, '');
    return host ? host.replace(/^www\./, '') : undefined;
  } catch {
    return undefined;
  }
}

// Second-level labels under which a country TLD registers names (example.co.uk, example.com.au).
const SECOND_LEVEL = new Set(['co', 'com', 'org', 'net', 'ac', 'gov', 'edu', 'ne', 'or', 'go']);

/**
 * A registrable-ish domain: the last two labels, or three under `co.uk`-style suffixes. A heuristic, not the
 * Public Suffix List (which would be a dependency): good enough to tell a site's own subdomains apart from
 * other sites; IP addresses and single-label hosts stand for themselves.
 */
export function siteOf(host: string): string {
  if (/^[\d.]+$/.test(host) || host.includes(':')) return host;
  const labels = host.split('.');
  const n = labels.length;
  if (n <= 2) return host;
  const tld = labels[n - 1] ?? '';
  const second = labels[n - 2] ?? '';
  const keep = tld.length === 2 && SECOND_LEVEL.has(second) ? 3 : 2;
  return labels.slice(-keep).join('.');
}

/**
 * Derives (source, medium, campaign) from a raw touch, following CHANNELS.md's five steps in order:
 * 1. gclid/gbraid/wbraid → google / cpc (Google Ads auto-tagging wins over UTMs);
 * 2. any of utm source/medium/campaign → those, a missing one `(not set)`;
 * 3. msclkid → bing / cpc;
 * 4. a referrer from another site → `<engine> / organic` for a known search engine, else `<host> / referral`;
 * 5. otherwise `(direct) / (none)`.
 * fbclid and the other click ids do not decide the channel (Meta adds fbclid to organic clicks too).
 * Campaigns follow GA4's conventions where no UTM names one: `(organic)`, `(referral)`, `(direct)`, and
 * `(not set)` for click-id traffic. Everything is trimmed and lowercased.
 */
export function deriveTouch(raw: RawTouch): DerivedTouch {
  const utm = raw.utm ?? {};
  const ids = raw.clickIds ?? {};
  const source = clean(utm.source);
  const medium = clean(utm.medium);
  const campaign = clean(utm.campaign) ?? clean(utm.name);
  if (clean(ids.gclid) || clean(ids.gbraid) || clean(ids.wbraid)) {
    return { source: 'google', medium: 'cpc', campaign: campaign ?? NOT_SET };
  }
  if (source || medium || campaign) {
    return { source: source ?? NOT_SET, medium: medium ?? NOT_SET, campaign: campaign ?? NOT_SET };
  }
  if (clean(ids.msclkid)) return { source: 'bing', medium: 'cpc', campaign: NOT_SET };
  const referrerHost = raw.referrer ? hostOf(raw.referrer) : undefined;
  if (referrerHost && !isSameSite(referrerHost, raw.pageHost)) {
    const engine = searchEngineName(referrerHost);
    if (engine) return { source: engine, medium: 'organic', campaign: '(organic)' };
    return { source: referrerHost, medium: 'referral', campaign: '(referral)' };
  }
  return { source: '(direct)', medium: '(none)', campaign: '(direct)' };
}

function isSameSite(referrerHost: string, pageHost: string | null | undefined): boolean {
  const page = pageHost ? hostOf(pageHost) : undefined;
  if (!page) return false;
  return referrerHost === page || siteOf(referrerHost) === siteOf(page);
}
