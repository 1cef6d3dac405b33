import type { FastifyInstance, FastifyRequest } from 'fastify';
import { validateChannelRules } from '@lazo/attribution';
import type { SiteResponse } from '@lazo/protocol';
import { apiError } from '../errors.js';
import type { LazoServices } from '../services.js';
import { getSite, updateSite, type Site, type SiteSettings } from '../store/sites.js';

/** Settings every site has, as GET /v1/site shows them when the owner never set them. */
export const DEFAULT_SETTINGS = {
  channelRules: [] as unknown[],
  /** Overrides of the lead-score defaults, by signal; `{}` = the defaults. */
  scoreWeights: {} as Record<string, number>,
  productPathPattern: null as string | null,
  honorGlobalPrivacyControl: true,
  /** The reporting currency; reports assume every amount is in it (amounts are not converted). */
  currency: 'EUR',
};

const MAX_ORIGINS = 100;
const MAX_WEIGHTS = 100;
const MAX_PATTERN_LENGTH = 500;
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const show = (x: unknown) => JSON.stringify(x)?.slice(0, 80) ?? String(x);

/** Checks one setting; returns what is wrong with it (nothing when usable). `null` resets a setting to its default. */
const SETTING_CHECKS: Record<keyof typeof DEFAULT_SETTINGS, (value: unknown) => string[]> = {
  channelRules: (v) => validateChannelRules(v).map((i) => `settings.channelRules${i.path.replace(/^rules/, '')} ${i.message}`),
  scoreWeights: (v) => {
    if (!isRecord(v)) return ['settings.scoreWeights must be an object of numbers, e.g. {"pricingPageView": 10}'];
    const keys = Object.keys(v);
    if (keys.length > MAX_WEIGHTS) return [`settings.scoreWeights has ${keys.length} weights; at most ${MAX_WEIGHTS}`];
    return keys.flatMap((k) => {
      const w = v[k];
      if (k.length > 100) return [`settings.scoreWeights has a name longer than 100 characters`];
      return typeof w === 'number' && Number.isFinite(w) && Math.abs(w) <= 1e6 ? [] : [`settings.scoreWeights.${k} must be a number (got ${show(w)})`];
    });
  },
  productPathPattern: (v) => {
    if (typeof v !== 'string' || v === '') return ['settings.productPathPattern must be a regular expression as a string, e.g. "^/products/"'];
    if (v.length > MAX_PATTERN_LENGTH) return [`settings.productPathPattern must be at most ${MAX_PATTERN_LENGTH} characters`];
    try {
      new RegExp(v);
      return [];
    } catch (e) {
      return [`settings.productPathPattern is not a valid regular expression: ${(e as Error).message}`];
    }
  },
  honorGlobalPrivacyControl: (v) => (typeof v === 'boolean' ? [] : ['settings.honorGlobalPrivacyControl must be true or false']),
  currency: (v) => (typeof v === 'string' && /^[A-Za-z]{3}$/.test(v) ? [] : [`settings.currency must be a three-letter ISO 4217 code such as EUR (got ${show(v)})`]),
};

/** Why an allowed origin cannot be used, or undefined when it can. `https://*.example.com` allows subdomains. */
function originIssue(origin: unknown, i: number): string | undefined {
  const at = `allowedOrigins[${i}]`;
  if (typeof origin !== 'string') return `${at} must be a string like "https://shop.example"`;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return `${at} ${show(origin)} is not an origin like "https://shop.example"`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${at} ${show(origin)} must start with https:// or http://`;
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    return `${at} ${show(origin)} must be only scheme://host[:port], without a path (browsers send the origin alone)`;
  }
  if (url.hostname.includes('*') && !/^\*\.[^*]+\.[^*]+$/.test(url.hostname)) {
    return `${at} ${show(origin)}: a wildcard may only be the first label, as in https://*.example.com`;
  }
  return undefined;
}

const READ_ONLY: Record<string, string> = {
  siteId: 'the site id never changes',
  publicKey: 'keys change only by rotation: `lazo site rotate-key --site ID`',
  secretKey: 'keys change only by rotation: `lazo site rotate-key --site ID`',
  secretKeyHint: 'keys change only by rotation: `lazo site rotate-key --site ID`',
  snippet: 'the snippet is derived from the public key',
  createdAt: 'the creation time never changes',
};

/** Validates a PATCH body into the patch updateSite takes, or lists every problem found. */
export function parseSitePatch(body: unknown): { name?: string; allowedOrigins?: string[]; settings?: SiteSettings } {
  if (!isRecord(body)) throw apiError('LAZO_ERR_BODY_INVALID', 'Send a JSON object with any of name, allowedOrigins, settings.');
  const issues: string[] = [];
  const patch: { name?: string; allowedOrigins?: string[]; settings?: SiteSettings } = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'name') {
      if (typeof value !== 'string' || !value.trim() || value.length > 200) issues.push('name must be a non-empty string of at most 200 characters');
      else patch.name = value.trim();
    } else if (key === 'allowedOrigins') {
      if (!Array.isArray(value)) issues.push('allowedOrigins must be an array of origins like ["https://shop.example"]');
      else if (value.length > MAX_ORIGINS) issues.push(`allowedOrigins holds at most ${MAX_ORIGINS} origins`);
      else {
        const found = value.map(originIssue).filter((x): x is string => x !== undefined);
        if (found.length > 0) issues.push(...found);
        else patch.allowedOrigins = value as string[];
      }
    } else if (key === 'settings') {
      if (!isRecord(value)) {
        issues.push('settings must be an object');
        continue;
      }
      const settings: Record<string, unknown> = {};
      for (const [name, setting] of Object.entries(value)) {
        if (!Object.hasOwn(SETTING_CHECKS, name)) {
          issues.push(`settings.${name} is not a setting (known: ${Object.keys(SETTING_CHECKS).join(', ')})`);
          continue;
        }
        if (setting !== null) issues.push(...SETTING_CHECKS[name as keyof typeof DEFAULT_SETTINGS](setting));
        settings[name] = name === 'currency' && typeof setting === 'string' ? setting.toUpperCase() : setting;
      }
      patch.settings = settings as SiteSettings;
    } else {
      issues.push(READ_ONLY[key] ? `${key} cannot be changed here: ${READ_ONLY[key]}` : `${key} is not a field of the site (known: name, allowedOrigins, settings)`);
    }
  }
  if (issues.length > 0) throw apiError('LAZO_ERR_SITE_INVALID', issues.join('; ') + '.');
  return patch;
}

/**
 * The server's own origin as the browser should load the tracker from it: the request's scheme and host
 * (X-Forwarded-Proto/-Host behind a proxy, as trustProxy is on). A host header that is not a plain host
 * name is not echoed into markup.
 */
function publicOrigin(request: FastifyRequest): string {
  const host = request.host;
  if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(host)) return 'https://YOUR-LAZO-HOST';
  return `${request.protocol}://${host}`;
}

/** The script tag to paste: consent required (the tracker's default, spelled out), GPC as the site chose. */
export function snippetFor(origin: string, publicKey: string, honorGpc: boolean): string {
  return `<script defer src="${origin}/lazo.js" data-key="${publicKey}" data-consent="required"${honorGpc ? '' : ' data-gpc="false"'}></script>`;
}

function siteView(site: Site, origin: string): SiteResponse {
  const settings = { ...DEFAULT_SETTINGS, ...site.settings };
  return {
    siteId: site.siteId,
    name: site.name,
    publicKey: site.publicKey,
    secretKeyHint: site.secretKeyHint,
    allowedOrigins: site.allowedOrigins,
    settings,
    snippet: snippetFor(origin, site.publicKey, settings.honorGlobalPrivacyControl !== false),
    createdAt: new Date(site.createdAt).toISOString(),
  };
}

/** GET /v1/site, PATCH /v1/site. */
export function registerSiteRoutes(app: FastifyInstance, services: LazoServices) {
  const auth = { preHandler: services.authenticator.authenticate(true) };

  app.get('/v1/site', auth, async (request) => {
    // Read fresh: the authenticator's copy of the site may be a few seconds old.
    const site = await getSite(services.db, request.principal!.site.siteId);
    if (!site) throw apiError('LAZO_ERR_NOT_FOUND', 'This site no longer exists.');
    return siteView(site, publicOrigin(request));
  });

  app.patch('/v1/site', auth, async (request) => {
    const patch = parseSitePatch(request.body);
    const site = await updateSite(services.db, request.principal!.site.siteId, patch);
    if (!site) throw apiError('LAZO_ERR_NOT_FOUND', 'This site no longer exists.');
    // Origins and settings are read through the authenticator's cache: drop it so this process applies
    // the change at once (other processes within its few seconds).
    services.authenticator.forget();
    return siteView(site, publicOrigin(request));
  });
}
