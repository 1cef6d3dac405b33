import { siteChannelClassifier } from '@lazo/attribution';
import type { LeadStage, PersonProfile } from '@lazo/protocol/persons';
import { FORM_SUBMITTED, groupForms, summarizeActivity, type Activity, type PathViews, type PageViews } from './activity.js';
import { scoreLead, scoreWeights, type LeadScore } from './score.js';
import type { SiteSettings } from '../store/sites.js';
import type { ConversionRecord } from '../store/conversions.js';

export interface ProfilePerson {
  personId: string;
  userId: string | null;
  userIdVerified: boolean;
  email: string | null;
  traits: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  mergedInto: string | null;
}

export interface ProfileLink {
  anonymousId: string;
  personId: string;
  validFrom: Date;
  /** When the next link of the same anonymous id (to someone else) took over; null = still linked. */
  validUntil: Date | null;
  verified: boolean;
}

export interface ProfileMerge {
  fromPersonId: string;
  mergedAt: Date;
  reason: string;
}

export interface ProfileSession {
  sessionId: string;
  anonymousId: string | null;
  startedAt: Date;
  lastSeenAt: Date;
  source: string;
  medium: string;
  campaign: string;
  referrer: string | null;
  landingUrl: string | null;
  landingPath: string | null;
  browser: string | null;
  os: string | null;
  deviceType: string | null;
  isBot: boolean;
}

/** The events a profile reads: pageviews and form tracks. */
export interface ProfileEvent {
  sessionId: string | null;
  type: string;
  event: string | null;
  ts: Date;
  path: string | null;
  title: string | null;
  /** `properties.product` of a pageview, as sent. */
  product: string | null;
  /** For form tracks: the form's id (see formKey). */
  formId: string | null;
}

/** A conversion as a profile shows it: the stored record without the identifiers it was matched by. */
export type ProfileConversion = Pick<
  ConversionRecord,
  'conversionId' | 'type' | 'value' | 'currency' | 'occurredAt' | 'channel' | 'source' | 'medium' | 'campaign'
>;

export type Stage = LeadStage;

/** Conversion types that make a lead a customer. */
export const CUSTOMER_CONVERSION_TYPES = ['customer', 'purchase'] as const;

export function stageOf(isPerson: boolean, conversionTypes: Iterable<string>): Stage {
  if (!isPerson) return 'visitor';
  for (const t of conversionTypes) if ((CUSTOMER_CONVERSION_TYPES as readonly string[]).includes(t)) return 'customer';
  return 'lead';
}

/** Sessions listed in a profile's journey (the most recent ones); counts and score use all of them. */
export const MAX_JOURNEY_SESSIONS = 200;
const MAX_PAGES_PER_SESSION = 100;

/** The channel classifier of a site: its rules in front of GA4's defaults; malformed rules are skipped. */
export function channelOf(settings: SiteSettings): (t: { source: string | null; medium: string | null; campaign: string | null }) => string {
  return siteChannelClassifier(settings.channelRules);
}

/** Groups detailed rows into the activity the summary reads (the list builds the same from SQL groups). */
export function activityOf(sessions: ProfileSession[], events: ProfileEvent[]): Activity {
  const paths = new Map<string, PageViews>();
  const products = new Map<string, PathViews>();
  let pageviews = 0;
  const bump = <T extends PathViews>(map: Map<string, T>, key: string, make: () => T, at: Date) => {
    let v = map.get(key);
    if (!v) map.set(key, (v = make()));
    v.views++;
    if (at > v.lastAt) v.lastAt = at;
  };
  for (const e of events) {
    if (e.type !== 'page') continue;
    pageviews++;
    if (e.product) bump(products, e.product, () => ({ path: e.product!, views: 0, lastAt: e.ts }), e.ts);
    if (e.path) bump(paths, `${e.path}\u0000${e.product ? 1 : 0}`, () => ({ path: e.path!, namedProduct: Boolean(e.product), views: 0, lastAt: e.ts }), e.ts);
  }
  return {
    visits: sessions.map((s) => ({ startedAt: s.startedAt, lastSeenAt: s.lastSeenAt })),
    pageviews,
    paths: [...paths.values()],
    products: [...products.values()],
    forms: groupForms(events.filter((e) => e.type === 'track')),
  };
}

export interface ProfileInput {
  /** The root person; null for an anonymous visitor looked up by anonymousId. */
  person: ProfilePerson | null;
  /** The persons merged into it. */
  merged: ProfilePerson[];
  merges: ProfileMerge[];
  links: ProfileLink[];
  sessions: ProfileSession[];
  events: ProfileEvent[];
  conversions: ProfileConversion[];
  settings: SiteSettings;
  now: Date;
  /** For a visitor profile: the anonymous id looked up. */
  anonymousId?: string;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** The lead profile (API.md, issue 4 item 5), from the rows the store loaded. */
export function buildProfile(input: ProfileInput): PersonProfile {
  const { person, merged, settings } = input;
  const channel = channelOf(settings);
  const sessions = [...input.sessions].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.sessionId.localeCompare(b.sessionId));
  const events = [...input.events].sort((a, b) => a.ts.getTime() - b.ts.getTime());
  const conversions = [...input.conversions].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  const activity = { ...activityOf(sessions, events), lastConversionAt: conversions.at(-1)?.occurredAt ?? null };
  const facts = summarizeActivity(activity, { productPathPattern: settings.productPathPattern });
  const score: LeadScore = scoreLead(facts, scoreWeights(settings.scoreWeights), input.now);

  const touch = (s: ProfileSession | undefined) =>
    s
      ? {
          sessionId: s.sessionId,
          at: iso(s.startedAt),
          channel: channel(s),
          source: s.source,
          medium: s.medium,
          campaign: s.campaign,
          landingPage: s.landingUrl ?? s.landingPath,
          referrer: s.referrer,
        }
      : null;

  const bySession = new Map<string, ProfileEvent[]>();
  for (const e of events) if (e.sessionId) (bySession.get(e.sessionId) ?? bySession.set(e.sessionId, []).get(e.sessionId)!).push(e);
  const conversionSession = (c: ProfileConversion) =>
    [...sessions].reverse().find((s) => s.startedAt <= c.occurredAt && c.occurredAt.getTime() <= s.lastSeenAt.getTime() + 30 * 60_000)?.sessionId;
  const conversionView = (c: ProfileConversion) => ({
    conversionId: c.conversionId,
    type: c.type,
    value: c.value,
    currency: c.currency,
    occurredAt: iso(c.occurredAt),
    channel: c.channel ?? (c.source || c.medium || c.campaign ? channel(c) : null),
    source: c.source,
    medium: c.medium,
    campaign: c.campaign,
  });
  const journey = sessions.slice(-MAX_JOURNEY_SESSIONS).map((s) => {
    const own = bySession.get(s.sessionId) ?? [];
    return {
      ...touch(s)!,
      anonymousId: s.anonymousId,
      startedAt: iso(s.startedAt),
      lastSeenAt: iso(s.lastSeenAt),
      device: { browser: s.browser, os: s.os, type: s.deviceType },
      isBot: s.isBot,
      pages: own
        .filter((e) => e.type === 'page')
        .slice(0, MAX_PAGES_PER_SESSION)
        .map((e) => ({ path: e.path, title: e.title, at: iso(e.ts), ...(e.product ? { product: e.product } : {}) })),
      forms: own.filter((e) => e.event === FORM_SUBMITTED).map((e) => ({ formId: e.formId, at: iso(e.ts) })),
      conversions: conversions.filter((c) => conversionSession(c) === s.sessionId).map(conversionView),
    };
  });

  const createdAt = person?.createdAt;
  const leadSession = createdAt ? [...sessions].reverse().find((s) => s.startedAt <= createdAt) : undefined;
  const everyone = person ? [person, ...merged] : [];
  const emails = [...new Set(everyone.map((p) => p.email).filter((e): e is string => e !== null))];
  return {
    personId: person?.personId ?? null,
    stage: stageOf(person !== null, conversions.map((c) => c.type)),
    createdAt: iso(person?.createdAt),
    updatedAt: iso(person?.updatedAt),
    identities: {
      userId: person?.userId ?? null,
      userIdVerified: person?.userIdVerified ?? false,
      emails,
      anonymousIds: person
        ? input.links.map((l) => ({ anonymousId: l.anonymousId, linkedFrom: iso(l.validFrom), linkedUntil: iso(l.validUntil), verified: l.verified, ...(l.personId !== person.personId ? { viaPersonId: l.personId } : {}) }))
        : input.anonymousId
          ? [{ anonymousId: input.anonymousId, linkedFrom: null, linkedUntil: null, verified: false }]
          : [],
      mergedPersons: merged.map((p) => {
        const m = input.merges.find((x) => x.fromPersonId === p.personId);
        return { personId: p.personId, userId: p.userId, email: p.email, mergedAt: iso(m?.mergedAt), reason: m?.reason ?? null };
      }),
    },
    traits: person?.traits ?? {},
    firstTouch: touch(sessions[0]),
    leadTouch: touch(leadSession),
    lastTouch: touch(sessions.at(-1)),
    counts: { visits: facts.visits, pageviews: facts.pageviews, forms: facts.formsSubmitted, conversions: conversions.length },
    lastActivityAt: iso(facts.lastActivityAt),
    productsViewed: facts.productsViewed.map((p) => ({ product: p.product, views: p.views, lastViewedAt: iso(p.lastViewedAt) })),
    formsAbandoned: facts.formsAbandoned.map((f) => ({ formId: f.formId, sessionId: f.sessionId, startedAt: iso(f.startedAt) })),
    score,
    journey,
    journeyTruncated: sessions.length > MAX_JOURNEY_SESSIONS,
    conversions: conversions.map(conversionView),
  };
}

export type Profile = PersonProfile;
