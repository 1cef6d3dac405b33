/**
 * The shape of what generateDemoData yields: plain records the server's inserter turns into its rows or
 * messages. All times are ms since the epoch; amounts are EUR.
 */

export interface DemoDataOptions {
  /** The last day of data, UTC: `'YYYY-MM-DD'` or ms since the epoch (any time that day). Required: the generator reads no clock. */
  endDate: string | number;
  /** Seed of every random choice; the same options give identical output. Default 1. */
  seed?: number;
  /** People simulated. Default 1,000. */
  persons?: number;
  /** Sessions aimed at across everyone; the result lands within a few per cent. Default 4 × persons. */
  sessions?: number;
  /** Days of history ending with `endDate`. Default 90. */
  days?: number;
  /** People who leave their email (customers included). Default 25 % of persons. */
  leads?: number;
  /** People who buy. Default 10 % of persons. */
  customers?: number;
  /** People per yielded chunk. Default 1,000. The output does not depend on it. */
  chunkSize?: number;
  /** The demo site's host, used in landing URLs. Default `www.summitgear.example`. */
  host?: string;
}

/** A simulated person. `key` joins the records of one person in this output only; it is not a Lazo id. */
export interface DemoPerson {
  key: string;
  stage: 'visitor' | 'lead' | 'customer';
  /** One per browser (device); 2–3 for some people. Only browsers that identify get linked to the person. */
  anonymousIds: string[];
  email?: string;
  /** Set for leads known to the CRM and for every customer. */
  userId?: string;
  firstName?: string;
  lastName?: string;
}

export interface DemoPageview {
  path: string;
  title: string;
  at: number;
}

/** One visit, shaped like what the tracker sends: `campaign` is Segment's `context.campaign` (UTMs, click ids). */
export interface DemoSession {
  sessionId: string;
  anonymousId: string;
  personKey: string;
  /** ms since the epoch; all times in this output are. */
  startedAt: number;
  endedAt: number;
  /** The first pageview's URL, query string included. */
  landingUrl: string;
  landingPath: string;
  referrer?: string;
  campaign?: { source?: string; medium?: string; name?: string; term?: string; content?: string; gclid?: string; fbclid?: string; msclkid?: string; li_fat_id?: string };
  /** What deriveTouch and classifyChannel make of this landing, precomputed for inserters that write rows directly. */
  touch: { source: string; medium: string; campaign: string; channel: string };
  device: { type: 'desktop' | 'mobile' | 'tablet'; os: string; browser: string };
  userAgent: string;
  /** At least one; `pageviews.length` is the session's pageview count. */
  pageviews: DemoPageview[];
}

/**
 * An identify call. Browser ones (`verified: false`) carry the anonymousId and session; the backend's
 * (`verified: true`, sent with the secret key) carry no anonymousId, e.g. the CRM assigning a userId to an
 * email-only lead when it buys.
 */
export interface DemoIdentify {
  personKey: string;
  at: number;
  verified: boolean;
  anonymousId?: string;
  sessionId?: string;
  userId?: string;
  traits: { email: string; firstName?: string; lastName?: string };
}

/** A track call: `Form Submitted` when a visitor becomes a lead, `NPS Submitted` ({score: 0–10}) after a purchase. */
export interface DemoTrack {
  personKey: string;
  at: number;
  event: 'Form Submitted' | 'NPS Submitted';
  properties: Record<string, string | number>;
  anonymousId?: string;
  sessionId?: string;
  userId?: string;
}

/** A touch the backend reports: a sales call before an offline purchase. */
export interface DemoOfflineTouch {
  personKey: string;
  at: number;
  email: string;
  userId?: string;
  source: 'callcenter';
  medium: 'phone';
  campaign: '(not set)';
}

/** A purchase, as `POST /v1/conversions` takes it. Offline ones have `channel: 'callcenter'` and no session. */
export interface DemoConversion {
  conversionId: string;
  personKey: string;
  type: 'customer';
  value: number;
  currency: 'EUR';
  occurredAt: number;
  email: string;
  userId?: string;
  anonymousId?: string;
  sessionId?: string;
  channel?: 'callcenter';
  source?: string;
  medium?: string;
}

/** A day of ad spend, as `PUT /v1/spend` takes it: clicks that day × the campaign's CPC, ± 20 %. */
export interface DemoSpendRow {
  date: string;
  source: string;
  medium: string;
  campaign: string;
  amount: number;
  currency: 'EUR';
}

/** One chunk of output: the complete records of up to `chunkSize` persons. The last chunk also carries all spend. */
export interface DemoChunk {
  persons: DemoPerson[];
  sessions: DemoSession[];
  identifies: DemoIdentify[];
  tracks: DemoTrack[];
  offlineTouches: DemoOfflineTouch[];
  conversions: DemoConversion[];
  spend: DemoSpendRow[];
}
