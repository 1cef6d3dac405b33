import { compileChannelRules, validateChannelRules, type ChannelRule, type CompiledChannelRule } from './channel-rules.js';
import { SEARCH_SOURCES, SHOPPING_SOURCES, SOCIAL_SOURCES, VIDEO_SOURCES } from './source-categories.js';

/** GA4's default channel groups, in the order of its rules (Unassigned last: nothing matched). */
export const DEFAULT_CHANNELS = [
  'Direct',
  'Cross-network',
  'Paid Shopping',
  'Paid Search',
  'Paid Social',
  'Paid Video',
  'Display',
  'Paid Other',
  'Organic Shopping',
  'Organic Social',
  'Organic Video',
  'Organic Search',
  'Referral',
  'Email',
  'Affiliates',
  'Audio',
  'SMS',
  'Mobile Push Notifications',
  'Unassigned',
] as const;

export type DefaultChannel = (typeof DEFAULT_CHANNELS)[number];

/** A channel name: one of GA4's, or one a site rule defines. */
// `string & {}` keeps editor completion for the default names while allowing site-defined ones.
export type ChannelName = DefaultChannel | (string & {});

/** What the rules look at. Missing or empty fields count as `(not set)`; values are compared lowercased. */
export interface SourceMediumCampaign {
  source?: string | null;
  medium?: string | null;
  campaign?: string | null;
}

export interface ClassifyOptions {
  /**
   * Site-defined rules, checked before GA4's in order; first match wins. Default: none.
   * Compiled once per array (kept in a WeakMap), so pass the same array on every call rather than a copy.
   * Malformed rules throw a TypeError; check them first with `validateChannelRules`.
   */
  rules?: readonly ChannelRule[];
}

export const NOT_SET = '(not set)';

// CHANNELS.md: PAID applies to the medium, SHOP to the campaign. GA4 uses RE2 full matches; these are anchored.
const PAID = /^(.*cp.*|ppc|retargeting|paid.*)$/;
const SHOP = /^(.*(([^a-df-z]|^)shop|shopping).*)$/;
const VIDEO_MEDIUM = /^(.*video.*)$/;
const EMAIL = /email|e-mail|e_mail|e mail/;
const PUSH = /push$|mobile|notification/;
const DISPLAY_MEDIA = new Set(['display', 'banner', 'expandable', 'interstitial', 'cpm']);
const SOCIAL_MEDIA = new Set(['social', 'social-network', 'social-media', 'sm', 'social network', 'social media']);
const REFERRAL_MEDIA = new Set(['referral', 'app', 'link']);

/** A value as the rules compare it: trimmed and lowercased; undefined when empty or missing. */
export function cleanValue(value: string | null | undefined): string | undefined {
  const v = value?.trim().toLowerCase();
  return v ? v : undefined;
}

const normalise = (value: string | null | undefined): string => cleanValue(value) ?? NOT_SET;

/** GA4's 18 default rules, top to bottom (CHANNELS.md numbers them the same way). */
function defaultChannel(source: string, medium: string, campaign: string): DefaultChannel {
  if (source === '(direct)' && (medium === '(none)' || medium === NOT_SET)) return 'Direct'; // 1
  if (campaign.includes('cross-network')) return 'Cross-network'; // 2
  const paid = PAID.test(medium);
  const shopCampaign = SHOP.test(campaign);
  if (paid) {
    if (SHOPPING_SOURCES.has(source) || shopCampaign) return 'Paid Shopping'; // 3
    if (SEARCH_SOURCES.has(source)) return 'Paid Search'; // 4
    if (SOCIAL_SOURCES.has(source)) return 'Paid Social'; // 5
    if (VIDEO_SOURCES.has(source)) return 'Paid Video'; // 6
  }
  if (DISPLAY_MEDIA.has(medium)) return 'Display'; // 7
  if (paid) return 'Paid Other'; // 8
  if (SHOPPING_SOURCES.has(source) || shopCampaign) return 'Organic Shopping'; // 9
  if (SOCIAL_SOURCES.has(source) || SOCIAL_MEDIA.has(medium)) return 'Organic Social'; // 10
  if (VIDEO_SOURCES.has(source) || VIDEO_MEDIUM.test(medium)) return 'Organic Video'; // 11
  if (SEARCH_SOURCES.has(source) || medium === 'organic') return 'Organic Search'; // 12
  if (REFERRAL_MEDIA.has(medium)) return 'Referral'; // 13
  if (EMAIL.test(source) || EMAIL.test(medium)) return 'Email'; // 14
  if (medium === 'affiliate') return 'Affiliates'; // 15
  if (medium === 'audio') return 'Audio'; // 16
  if (source === 'sms' || medium === 'sms') return 'SMS'; // 17
  if (PUSH.test(medium) || source === 'firebase') return 'Mobile Push Notifications'; // 18
  return 'Unassigned';
}

/** Site rules first (all their conditions must hold), then the defaults. */
function classifyCompiled(rules: readonly CompiledChannelRule[], touch: SourceMediumCampaign): ChannelName {
  const values = { source: normalise(touch.source), medium: normalise(touch.medium), campaign: normalise(touch.campaign) };
  for (const rule of rules) {
    if (rule.tests.every(({ field, test }) => test(values[field]))) return rule.channel;
  }
  return defaultChannel(values.source, values.medium, values.campaign);
}

const compiledCache = new WeakMap<readonly ChannelRule[], readonly CompiledChannelRule[]>();

function compiledFor(rules: readonly ChannelRule[]): readonly CompiledChannelRule[] {
  let compiled = compiledCache.get(rules);
  if (!compiled) {
    compiled = compileChannelRules(rules);
    compiledCache.set(rules, compiled);
  }
  return compiled;
}

/**
 * The channel of a (source, medium, campaign): site rules first, then GA4's default channel group.
 * Pure and cheap (set lookups and a few precompiled regular expressions); callers that classify the same
 * triple many times may memoise on it.
 */
export function classifyChannel(touch: SourceMediumCampaign, options: ClassifyOptions = {}): ChannelName {
  return classifyCompiled(options.rules && options.rules.length > 0 ? compiledFor(options.rules) : [], touch);
}

/** A classifier bound to one site's rules, compiled (and validated: throws TypeError) up front. */
export function createChannelClassifier(rules: readonly ChannelRule[] = []): (touch: SourceMediumCampaign) => ChannelName {
  const compiled = compileChannelRules(rules);
  return (touch) => classifyCompiled(compiled, touch);
}

/**
 * The classifier of rules a site saved (JSON of unknown shape): them in front of GA4's, or GA4's alone when
 * they are absent or no longer validate — a report or profile must not fail on rules saved by an older version.
 */
export function siteChannelClassifier(savedRules: unknown): (touch: SourceMediumCampaign) => ChannelName {
  const usable = Array.isArray(savedRules) && validateChannelRules(savedRules).length === 0;
  return createChannelClassifier(usable ? (savedRules as ChannelRule[]) : []);
}
