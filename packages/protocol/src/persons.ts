/**
 * Response bodies of the persons endpoints (API.md): the lead profile and the list. The server's profile
 * builders declare they return these, the dashboard reads them. Types only. Times are ISO 8601 strings.
 */

export type LeadStage = 'visitor' | 'lead' | 'customer';

export type ScoreSignal = 'visits' | 'pageviews' | 'forms' | 'pricing_page' | 'return_visit' | 'products_viewed' | 'form_abandoned' | 'recent_activity';

/** One signal's share of the score, in words a sales rep can read. */
export interface ScoreReason {
  signal: ScoreSignal;
  points: number;
  detail: string;
}

export interface LeadScore {
  total: number;
  reasons: ScoreReason[];
}

/** The landing touch of a visit. */
export interface PersonTouch {
  sessionId: string;
  at: string | null;
  channel: string;
  source: string;
  medium: string;
  campaign: string;
  /** The landing URL, else its path. */
  landingPage: string | null;
  referrer: string | null;
}

export interface PersonConversion {
  conversionId: string;
  type: string;
  value: number;
  currency: string | null;
  occurredAt: string | null;
  /** As sent, else classified from source/medium/campaign when any is given. */
  channel: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
}

/** A visit of the journey with what happened in it. */
export interface PersonVisit extends PersonTouch {
  anonymousId: string | null;
  startedAt: string | null;
  lastSeenAt: string | null;
  device: { browser: string | null; os: string | null; type: string | null };
  isBot: boolean;
  /** The visit's first pageviews (capped). */
  pages: Array<{ path: string | null; title: string | null; at: string | null; product?: string }>;
  forms: Array<{ formId: string | null; at: string | null }>;
  conversions: PersonConversion[];
}

/** A browser of the person, and when it belonged to them. */
export interface AnonymousIdLink {
  anonymousId: string;
  linkedFrom: string | null;
  /** When another person took this browser over (a shared computer); null = still linked. */
  linkedUntil: string | null;
  verified: boolean;
  /** The merged person the link was made to, when not this one. */
  viaPersonId?: string;
}

/** `GET /v1/persons/:id` and `GET /v1/persons?email=|userId=|anonymousId=`: the lead profile. */
export interface PersonProfile {
  /** null for an anonymous visitor looked up by anonymousId. */
  personId: string | null;
  stage: LeadStage;
  createdAt: string | null;
  updatedAt: string | null;
  identities: {
    userId: string | null;
    userIdVerified: boolean;
    emails: string[];
    anonymousIds: AnonymousIdLink[];
    mergedPersons: Array<{ personId: string; userId: string | null; email: string | null; mergedAt: string | null; reason: string | null }>;
  };
  traits: Record<string, unknown>;
  firstTouch: PersonTouch | null;
  /** The touch of the visit in which the visitor became a lead. */
  leadTouch: PersonTouch | null;
  lastTouch: PersonTouch | null;
  counts: PersonCounts;
  lastActivityAt: string | null;
  productsViewed: Array<{ product: string; views: number; lastViewedAt: string | null }>;
  formsAbandoned: Array<{ formId: string; sessionId: string | null; startedAt: string | null }>;
  score: LeadScore;
  /** The most recent visits, oldest first. */
  journey: PersonVisit[];
  /** More visits than `journey` lists (counts and score use all of them). */
  journeyTruncated: boolean;
  conversions: PersonConversion[];
}

export interface PersonCounts {
  visits: number;
  pageviews: number;
  forms: number;
  conversions: number;
}

/** A row of `GET /v1/persons?q=&stage=&sort=`. */
export interface PersonSummary {
  personId: string;
  userId: string | null;
  email: string | null;
  name: string | null;
  stage: LeadStage;
  score: number;
  lastActivityAt: string | null;
  createdAt: string;
  /** The landing touch of the person's first visit. */
  firstTouch: { at: string; channel: string; source: string; medium: string; campaign: string } | null;
  counts: PersonCounts;
}

/** `GET /v1/persons?q=&stage=&sort=&limit=&cursor=`. */
export interface PersonPage {
  persons: PersonSummary[];
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
}
