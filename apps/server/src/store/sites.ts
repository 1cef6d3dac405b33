import { createHash } from 'node:crypto';
import { customAlphabet } from 'nanoid';
import type { Queryable } from './db.js';

const urlSafe = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-');

export interface SiteSettings {
  /** Site-defined channel rules, applied in front of GA4's defaults. */
  channelRules?: unknown[];
  /** Lead-score weights (points per signal). */
  scoreWeights?: Record<string, number>;
  /** A path pattern (regular expression) that marks product pages, for "products viewed". */
  productPathPattern?: string;
  /** Treat a browser's Global Privacy Control signal as a consent denial. Default true. */
  honorGlobalPrivacyControl?: boolean;
  /** The reporting currency (ISO 4217). Default EUR. */
  currency?: string;
}

export interface Site {
  siteId: string;
  name: string;
  publicKey: string;
  secretKeyHint: string;
  allowedOrigins: string[];
  settings: SiteSettings;
  createdAt: Date;
}

export interface CreatedSite extends Site {
  /** Shown once: only its hash is stored. */
  secretKey: string;
}

/**
 * Secret keys carry 192 random bits, so one round of SHA-256 is enough to make a leaked table useless
 * (a slow password hash protects low-entropy secrets; these are not) and keeps per-request auth cheap.
 */
export function hashSecretKey(secretKey: string): string {
  return createHash('sha256').update(secretKey).digest('hex');
}

export const newPublicKey = () => 'pk_' + urlSafe(24);
export const newSecretKey = () => 'sk_' + urlSafe(32);
const hint = (secretKey: string) => secretKey.slice(0, 7) + '…';

function toSite(r: Record<string, unknown>): Site {
  return {
    siteId: r.site_id as string,
    name: r.name as string,
    publicKey: r.public_key as string,
    secretKeyHint: r.secret_key_hint as string,
    allowedOrigins: (r.allowed_origins as string[]) ?? [],
    settings: (r.settings as SiteSettings) ?? {},
    createdAt: r.created_at as Date,
  };
}

const SITE_COLUMNS = 'site_id, name, public_key, secret_key_hint, allowed_origins, settings, created_at';

/** Origins are compared as scheme://host[:port], lowercased, without a trailing slash. */
export function normalizeOrigin(origin: string): string {
  const u = new URL(origin);
  return u.origin.toLowerCase();
}

export async function createSite(db: Queryable, input: { name: string; origins: string[]; siteId?: string }): Promise<CreatedSite> {
  const siteId = input.siteId ?? 'site_' + urlSafe(12);
  const publicKey = newPublicKey();
  const secretKey = newSecretKey();
  const { rows } = await db.query(
    `insert into sites (site_id, name, public_key, secret_key_hash, secret_key_hint, allowed_origins)
     values ($1, $2, $3, $4, $5, $6) returning ${SITE_COLUMNS}`,
    [siteId, input.name, publicKey, hashSecretKey(secretKey), hint(secretKey), input.origins.map(normalizeOrigin)],
  );
  return { ...toSite(rows[0]!), secretKey };
}

export async function listSites(db: Queryable): Promise<Site[]> {
  const { rows } = await db.query(`select ${SITE_COLUMNS} from sites order by created_at, site_id`);
  return rows.map(toSite);
}

export async function getSite(db: Queryable, siteId: string): Promise<Site | undefined> {
  const { rows } = await db.query(`select ${SITE_COLUMNS} from sites where site_id = $1`, [siteId]);
  return rows[0] ? toSite(rows[0]) : undefined;
}

/** Finds the site a key belongs to and whether the key is its secret one. */
export async function findSiteByKey(db: Queryable, key: string): Promise<{ site: Site; secret: boolean } | undefined> {
  const secret = key.startsWith('sk_');
  const { rows } = secret
    ? await db.query(`select ${SITE_COLUMNS} from sites where secret_key_hash = $1`, [hashSecretKey(key)])
    : await db.query(`select ${SITE_COLUMNS} from sites where public_key = $1`, [key]);
  return rows[0] ? { site: toSite(rows[0]), secret } : undefined;
}

/** Issues new keys for a site; the old ones stop working at once (after the auth cache's few seconds). */
export async function rotateKeys(db: Queryable, siteId: string, which: 'secret' | 'public' | 'both' = 'both'): Promise<{ publicKey: string; secretKey?: string } | undefined> {
  const publicKey = newPublicKey();
  const secretKey = newSecretKey();
  const { rows } = await db.query<{ public_key: string }>(
    `update sites set
       public_key = case when $2 in ('public', 'both') then $3 else public_key end,
       secret_key_hash = case when $2 in ('secret', 'both') then $4 else secret_key_hash end,
       secret_key_hint = case when $2 in ('secret', 'both') then $5 else secret_key_hint end
     where site_id = $1 returning public_key`,
    [siteId, which, publicKey, hashSecretKey(secretKey), hint(secretKey)],
  );
  if (!rows[0]) return undefined;
  return which === 'public' ? { publicKey: rows[0].public_key } : { publicKey: rows[0].public_key, secretKey };
}

/** Settings given are merged over the stored ones; a setting given as `null` is removed (back to its default). */
export async function updateSite(
  db: Queryable,
  siteId: string,
  patch: { name?: string; allowedOrigins?: string[]; settings?: SiteSettings },
): Promise<Site | undefined> {
  const { rows } = await db.query(
    `update sites set name = coalesce($2, name), allowed_origins = coalesce($3, allowed_origins),
       settings = jsonb_strip_nulls(settings || coalesce($4::jsonb, '{}'::jsonb))
     where site_id = $1 returning ${SITE_COLUMNS}`,
    [siteId, patch.name ?? null, patch.allowedOrigins?.map(normalizeOrigin) ?? null, patch.settings ? JSON.stringify(patch.settings) : null],
  );
  return rows[0] ? toSite(rows[0]) : undefined;
}
