import type { FastifyReply, FastifyRequest } from 'fastify';
import { PUBLIC_KEY_PATTERN, SECRET_KEY_PATTERN } from '@lazo/protocol';
import { apiError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { findSiteByKey, normalizeOrigin, type Site } from '../store/sites.js';

export interface Principal {
  site: Site;
  /** Authenticated with the site's secret key: messages are verified, reads are allowed. */
  secret: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * Authorization header → the key in it (null: none), as every request of a client repeats its header.
 * Bounded in entries and in header length, so that made-up headers cannot grow it without limit.
 */
const keyByHeader = new Map<string, string | null>();
const HEADER_CACHE_LIMIT = 10_000;
const CACHED_HEADER_LENGTH = 256;

function keyInHeader(header: string): string | undefined {
  const hit = keyByHeader.get(header);
  if (hit !== undefined) return hit ?? undefined;
  let key: string | undefined;
  const [scheme, value] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'basic' && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
    if (user) key = user;
  }
  if (!key && scheme?.toLowerCase() === 'bearer' && value) key = value.trim();
  if (header.length <= CACHED_HEADER_LENGTH) {
    if (keyByHeader.size >= HEADER_CACHE_LIMIT) keyByHeader.clear();
    keyByHeader.set(header, key ?? null);
  }
  return key;
}

/** The key from HTTP Basic (as Segment's libraries send it), a Bearer token, or `writeKey` in the body. */
export function extractKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const fromHeader = header ? keyInHeader(header) : undefined;
  if (fromHeader) return fromHeader;
  const body = request.body as { writeKey?: unknown } | undefined;
  if (body && typeof body === 'object' && typeof body.writeKey === 'string') return body.writeKey;
  return undefined;
}

const CACHE_MS = 10_000;

/**
 * Resolves keys to sites with a short cache: a key is looked up once per few seconds, not per request.
 * The cache is per process and rebuilt on demand (stateless servers); a rotated key stops working
 * within CACHE_MS everywhere.
 */
export function createAuthenticator(db: Queryable) {
  const cache = new Map<string, { principal: Principal | undefined; expires: number }>();

  async function lookup(key: string): Promise<Principal | undefined> {
    if (!PUBLIC_KEY_PATTERN.test(key) && !SECRET_KEY_PATTERN.test(key)) {
      throw apiError('LAZO_ERR_AUTH_INVALID', 'Keys look like pk_ + 24 characters or sk_ + 32 characters.');
    }
    const found = await findSiteByKey(db, key);
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { principal: found, expires: Date.now() + CACHE_MS });
    return found;
  }

  function admit(request: FastifyRequest, principal: Principal | undefined, secretOnly: boolean) {
    if (!principal) throw apiError('LAZO_ERR_AUTH_INVALID');
    if (secretOnly && !principal.secret) throw apiError('LAZO_ERR_AUTH_SECRET_REQUIRED');
    // A browser always sends Origin on cross-origin POSTs; a public key may only be used from the
    // site's own pages. Servers (no Origin) and secret keys are not bound to an origin.
    const origin = request.headers.origin;
    if (!principal.secret && origin && !originAllowed(principal.site, origin)) {
      throw apiError('LAZO_ERR_ORIGIN_FORBIDDEN', `Origin ${origin.slice(0, 200)} is not one of this site's allowed origins.`);
    }
    request.principal = principal;
  }

  /**
   * preHandler for routes that accept a public or a secret key (`secretOnly` for the rest). A key seen in
   * the last CACHE_MS is admitted without a promise (only keys of the right shape are cached).
   */
  function authenticate(secretOnly: boolean) {
    return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
      try {
        const key = extractKey(request);
        if (!key) throw apiError('LAZO_ERR_AUTH_MISSING');
        const hit = cache.get(key);
        if (hit && hit.expires > Date.now()) {
          admit(request, hit.principal, secretOnly);
          return done();
        }
        lookup(key)
          .then((principal) => admit(request, principal, secretOnly))
          .then(() => done(), done);
      } catch (e) {
        done(e as Error);
      }
    };
  }

  return { authenticate, forget: () => cache.clear() };
}

export function originAllowed(site: Site, origin: string): boolean {
  let normalized: string;
  try {
    normalized = normalizeOrigin(origin);
  } catch {
    return false;
  }
  return site.allowedOrigins.some((allowed) => {
    if (allowed === normalized) return true;
    // `https://*.example.com` allows every subdomain of example.com.
    const star = allowed.indexOf('//*.');
    return star > 0 && normalized.startsWith(allowed.slice(0, star + 2)) && normalized.endsWith(allowed.slice(star + 3));
  });
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
