/** An event as stored: validated, enriched, clock-corrected. */
export interface EventRow {
  siteId: string;
  messageId: string;
  type: string;
  event: string | null;
  anonymousId: string | null;
  userId: string | null;
  sessionId: string | null;
  ts: Date;
  receivedAt: Date;
  verified: boolean;
  isBot: boolean;
  properties: unknown;
  traits: unknown;
  context: unknown;
}

/** What is kept of a user agent: parsed fields, never the raw string. */
export interface UserAgentFields {
  browser: string | null;
  browserVersion: string | null;
  os: string | null;
  osVersion: string | null;
  deviceType: string | null;
  isBot: boolean;
}

/** The landing touch of a visit, taken from its earliest message. */
export interface SessionTouch extends UserAgentFields {
  siteId: string;
  sessionId: string;
  anonymousId: string | null;
  userId: string | null;
  startedAt: Date;
  source: string;
  medium: string;
  campaign: string;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  utmTerm: string | null;
  utmContent: string | null;
  utmId: string | null;
  clickIds: Record<string, string> | null;
  referrer: string | null;
  landingUrl: string | null;
  landingPath: string | null;
}

/** identify and alias messages, applied to the identity graph after their event is stored. */
export interface IdentityMessage {
  siteId: string;
  messageId: string;
  type: 'identify' | 'alias';
  anonymousId: string | null;
  userId: string | null;
  previousId: string | null;
  traits: Record<string, unknown>;
  ts: Date;
  verified: boolean;
}

/** What one request hands to the writer. */
export interface WriteRequest {
  events: EventRow[];
  sessions: SessionTouch[];
  identities: IdentityMessage[];
}

export interface WriteResult {
  /** messageIds stored by this request; the others were already stored (duplicates). */
  inserted: Set<string>;
}
