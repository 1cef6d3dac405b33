import { UAParser } from 'ua-parser-js';
import type { UserAgentFields } from '../store/event-rows.js';

export type ParsedUserAgent = UserAgentFields;

// ua-parser-js names browsers and devices but does not recognise crawlers; these tokens cover the
// crawlers, monitors, HTTP libraries and headless browsers that make up nearly all automated traffic.
const BOT_PATTERN =
  /bot\b|bot[/;_-]|crawl|spider|slurp|scrap|headless|phantomjs|puppeteer|playwright|selenium|lighthouse|pagespeed|pingdom|uptime|monitor|facebookexternalhit|embedly|preview|curl\/|wget\/|python-requests|python-urllib|aiohttp|httpclient|okhttp|java\/|go-http-client|node-fetch|axios\/|libwww|feedfetcher|mediapartners|apis-google|bingpreview/i;

const cache = new Map<string, ParsedUserAgent>();
const CACHE_LIMIT = 5_000;

/** Reduces a user agent to the fields we keep (the raw string is not stored). Memoised: UAs repeat. */
export function parseUserAgent(ua: string | undefined): ParsedUserAgent {
  if (!ua) return { browser: null, browserVersion: null, os: null, osVersion: null, deviceType: null, isBot: false };
  const hit = cache.get(ua);
  if (hit) return hit;
  const r = new UAParser(ua).getResult();
  const parsed: ParsedUserAgent = {
    browser: r.browser.name ?? null,
    browserVersion: r.browser.major ?? null,
    os: r.os.name ?? null,
    osVersion: r.os.version ?? null,
    // ua-parser-js leaves desktop devices without a type.
    deviceType: r.device.type ?? 'desktop',
    isBot: BOT_PATTERN.test(ua),
  };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(ua, parsed);
  return parsed;
}
