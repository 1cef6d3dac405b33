import type { Campaign } from '@lazo/protocol/types';

/** What `consent()` accepts: a plain decision, or Google Consent Mode v2 style input. */
export type ConsentInput = 'granted' | 'denied' | { analytics_storage?: 'granted' | 'denied' | undefined };
export type ConsentState = 'pending' | 'granted' | 'denied';

/** Options of `init()`. On the script tag each one is a `data-*` attribute (`cookieDomain` → `data-cookie-domain`). */
export interface LazoOptions {
  /** The site's public write key (`pk_…`). Required. */
  key: string;
  /** Origin of the Lazo API. Default: the script's own origin (script tag), `location.origin` (npm). */
  host?: string;
  /** `required`: nothing is stored or sent before `consent('granted')`. `granted`: the site needs no consent. Default `required`. */
  consent?: 'required' | 'granted';
  /** Honour Global Privacy Control (`navigator.globalPrivacyControl`) as a denial that a grant cannot lift. Default `true`. */
  gpc?: boolean;
  /** Domain attribute of the id cookie, e.g. `example.com` to share it with subdomains. Default: none (this host only). */
  cookieDomain?: string;
  /** Lifetime of the id cookie in days; it is not extended on later visits. Default `390` (13 months). */
  cookieDays?: number;
  /** Send a pageview on load, on history navigation and on bfcache restore. Default `true`. */
  pageviews?: boolean;
  /** Treat hash changes as route changes. Default `false`. */
  hash?: boolean;
  /** Track form submits (`Form Submitted`) and identify by an email field. Default `true`. */
  forms?: boolean;
  /** Add hidden inputs (anonymous id, UTMs, click ids) to forms on submit. Default `false`. */
  decorate?: boolean;
  /** Send as soon as this many events are queued. Default `10`. */
  flushAt?: number;
  /** Send queued events at the latest this many milliseconds after the first. Default `1000`. */
  flushInterval?: number;
}

/** The tracker's public methods; none of them throws. */
export interface Lazo {
  /** Record an action, e.g. `track('Signup Started', { plan: 'pro' })`. */
  track(event: string, properties?: Record<string, unknown>): void;
  /** Record a pageview of the current location. */
  page(properties?: Record<string, unknown>): void;
  /** Tie this browser to a person: a userId (or `null` to keep the current one) and traits such as `email`. */
  identify(userId?: string | null, traits?: Record<string, unknown>): void;
  /** Grant, deny or withdraw consent; returns the resulting state (with no argument: the current one). */
  consent(value?: ConsentInput): ConsentState;
  /** Forget the user (logout): a new anonymous id, no userId, a new session. */
  reset(): void;
  /** Send queued events now. */
  flush(): void;
}

/** The visit state kept on the device (with consent) under the `lazo` key. */
export interface Session {
  id: string;
  /** Last activity, ms since the epoch. */
  at: number;
  campaign?: Campaign;
  /** The external referrer that started the visit. */
  referrer?: string;
}

/** A small key-value store: localStorage, or memory. */
export interface KV {
  get(key: string): string | null | undefined;
  set(key: string, value: string): void;
  del(key: string): void;
  keys(): string[];
}

/** Result of one delivery attempt (a fetch Response fits); status 0 is a network error. */
export interface SendResult {
  status: number;
  /** Response headers; `Retry-After` (seconds) is read from them. */
  headers?: { get(name: string): string | null };
}
export type Send = (body: string) => Promise<SendResult>;
