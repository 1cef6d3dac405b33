import type { ClickIdParam } from './limits.js';

/** `context.campaign`: UTM fields under Segment's names, plus click ids. */
export type Campaign = {
  source?: string;
  medium?: string;
  name?: string;
  term?: string;
  content?: string;
  id?: string;
} & { [K in ClickIdParam]?: string };

export interface PageContext {
  url?: string;
  path?: string;
  search?: string;
  referrer?: string;
  title?: string;
}

/** Lazo-specific context, under `context.lazo`. */
export interface LazoContext {
  /** The visit this message belongs to; the server derives one when absent. */
  sessionId?: string;
  /** The first touch of this anonymous id, as the tracker stored it once (sent with identify). */
  firstTouch?: { campaign?: Campaign; referrer?: string; landingUrl?: string; at?: string };
}

export interface MessageContext {
  campaign?: Campaign;
  page?: PageContext;
  lazo?: LazoContext;
  userAgent?: string;
  ip?: string;
  locale?: string;
  library?: { name?: string; version?: string };
  [key: string]: unknown;
}

export type MessageType = 'page' | 'track' | 'identify' | 'alias' | 'screen' | 'group';

interface BaseMessage {
  messageId?: string;
  anonymousId?: string | null;
  userId?: string | null;
  /** When it happened, by the sender's clock. */
  timestamp?: string;
  /** When the sender sent it, by the same clock; used to correct clock skew. */
  sentAt?: string;
  context?: MessageContext;
  integrations?: Record<string, unknown>;
}

export interface PageMessage extends BaseMessage {
  type: 'page';
  name?: string;
  category?: string;
  properties?: Record<string, unknown>;
}
export interface TrackMessage extends BaseMessage {
  type: 'track';
  event: string;
  properties?: Record<string, unknown>;
}
export interface IdentifyMessage extends BaseMessage {
  type: 'identify';
  traits?: Record<string, unknown>;
}
export interface AliasMessage extends BaseMessage {
  type: 'alias';
  previousId: string;
  userId: string;
}
export type Message = PageMessage | TrackMessage | IdentifyMessage | AliasMessage;

export interface BatchRequest {
  batch: Message[];
  sentAt?: string;
  writeKey?: string;
  context?: MessageContext;
}

export interface BatchRejection {
  index: number;
  messageId?: string;
  error: string;
}
export interface BatchResponse {
  accepted: number;
  duplicates: number;
  rejected: BatchRejection[];
}

export interface ErrorResponse {
  error: { code: string; message: string };
}

/** `POST /v1/conversions`: an offline or online conversion, idempotent on `conversionId`. */
export interface Conversion {
  conversionId: string;
  userId?: string;
  email?: string;
  anonymousId?: string;
  type: string;
  value?: number;
  currency?: string;
  occurredAt?: string;
  /** Where the conversion happened when it was not on the site (e.g. `callcenter`). */
  channel?: string;
  source?: string;
  medium?: string;
  campaign?: string;
  properties?: Record<string, unknown>;
}

/** `PUT /v1/spend`: one day of spend for a source/medium/campaign. */
export interface SpendRow {
  date: string;
  source: string;
  medium?: string;
  campaign?: string;
  amount: number;
  currency: string;
}

/** A row of a conversions or spend request that was not stored, and why. */
export interface RowRejection {
  /** 0-based position among the JSON rows or the CSV data rows. */
  index: number;
  /** CSV only: the line the row starts on (the header is line 1). */
  line?: number;
  conversionId?: string;
  error: string;
}

/** `POST /v1/conversions`. */
export interface ConversionsResponse {
  /** Stored now for the first time. */
  accepted: number;
  /** Already stored (or repeated in this request): left as they were. */
  duplicates: number;
  /** With `?upsert=true`: stored before with other values, now replaced. */
  updated?: number;
  rejected: RowRejection[];
  /** CSV only: header cells matching no column (their values are not stored). */
  ignoredColumns?: string[];
  /** With `?dryRun=true`: what would have happened; nothing was stored. */
  dryRun?: true;
}

/** `PUT /v1/spend`. */
export interface SpendResponse {
  /** Valid rows, all now reflected in the stored spend. */
  accepted: number;
  /** Days of a (source, medium, campaign) stored for the first time (rows of one key in a request count once). */
  inserted: number;
  /** Days stored before with another amount or currency, now replaced. */
  updated: number;
  /** Days stored before with exactly this amount and currency. */
  unchanged: number;
  rejected: RowRejection[];
  ignoredColumns?: string[];
  dryRun?: true;
}

/** `GET /v1/site` and `PATCH /v1/site`. */
export interface SiteResponse {
  siteId: string;
  name: string;
  publicKey: string;
  /** The first characters of the secret key, to tell keys apart; the key itself is never shown again. */
  secretKeyHint: string;
  allowedOrigins: string[];
  settings: {
    channelRules: unknown[];
    scoreWeights: Record<string, number>;
    productPathPattern: string | null;
    honorGlobalPrivacyControl: boolean;
    currency: string;
  };
  /** The script tag to paste into the site's pages, pointing at this server. */
  snippet: string;
  createdAt: string;
}
